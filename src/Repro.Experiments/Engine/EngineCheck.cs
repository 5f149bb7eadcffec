using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Engine;

/// <summary>One check of the engine on this machine: its name, whether it holds, and what was measured.</summary>
public sealed record EngineCheckResult(string Name, bool Holds, string Measured);

/// <summary>
/// Checks that the engine's two machine-dependent settings do what they are for, on this machine, in this process:
/// float32 convolution gradients are exact (the reason oneDNN is off, see <see cref="ConvolutionBackend"/>), and a
/// repeated convolution whose buffers exceed glibc's mmap threshold reuses its memory instead of page-faulting it
/// in again on every call (the reason for <see cref="HeapPolicy"/>). Run by <c>repro engine</c>.
/// </summary>
public static class EngineCheck
{
    /// <summary>Most minor page faults a repeated large convolution may take: its 56 MB column buffer is 13,824 pages.</summary>
    public const double MaxFaultsPerRepeatedCall = 2000;

    /// <summary>Largest error of a float32 convolution's input gradient against the exact (float64) one, relative to its size.</summary>
    public const double MaxRelativeGradientError = 1e-4;

    public static IReadOnlyList<EngineCheckResult> RunAll() => [ConvolutionGradient(), BufferReuse()];

    /// <summary>The input gradient of a float32 convolution over a batch of 16 against the float64 transposed convolution.</summary>
    public static EngineCheckResult ConvolutionGradient()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var x = torch.rand(16, 4, 8, 8).requires_grad_();
        var w = torch.rand(8, 4, 3, 3);
        var g = torch.rand(16, 8, 8, 8);
        var grad = torch.autograd.grad([(F.conv2d(x, w, padding: [1, 1]) * g).sum()], [x])[0];
        var exact = F.conv_transpose2d(g.to(ScalarType.Float64), w.to(ScalarType.Float64), padding: [1, 1]);
        double error = (grad.to(ScalarType.Float64) - exact).abs().max().ToDouble() / exact.abs().max().ToDouble();
        bool holds = double.IsFinite(error) && error <= MaxRelativeGradientError;
        return new EngineCheckResult("convolution gradient", holds,
            FormattableString.Invariant($"relative error {error:E2} (at most {MaxRelativeGradientError:E0}), kernels: {ConvolutionBackend.Description}"));
    }

    /// <summary>
    /// Minor page faults per call of a convolution over 128 crops of 3x64x64 (R-CNN's batch), after six warm-up
    /// calls, at the process's thread count: the fewest of three rounds of three calls.
    /// </summary>
    public static EngineCheckResult BufferReuse()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var crops = torch.rand(128, 3, 64, 64);
        var weight = torch.rand(32, 3, 3, 3);
        for (int warmUp = 0; warmUp < 6; warmUp++) F.conv2d(crops, weight, padding: [1, 1]).Dispose();
        // The fewest faults of three rounds: the runtime's own threads (a JIT tier-up, a GC) fault pages in too, now
        // and then; a heap that hands the buffer back to the kernel faults it in again in every round.
        const int calls = 3, rounds = 3;
        double perCall = double.PositiveInfinity;
        for (int round = 0; round < rounds; round++)
        {
            long before = MinorPageFaults();
            for (int call = 0; call < calls; call++) F.conv2d(crops, weight, padding: [1, 1]).Dispose();
            perCall = Math.Min(perCall, (MinorPageFaults() - before) / (double)calls);
        }
        bool holds = perCall < MaxFaultsPerRepeatedCall;
        return new EngineCheckResult("buffer reuse", holds,
            FormattableString.Invariant($"{perCall:F0} minor page faults per repeated 56 MB convolution (fewer than {MaxFaultsPerRepeatedCall:F0}), heap: {HeapPolicy.Description}"));
    }

    /// <summary>Minor page faults of this process so far (/proc/self/stat field 10), or 0 where there is no /proc.</summary>
    static long MinorPageFaults()
    {
        if (!File.Exists("/proc/self/stat")) return 0;
        var stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }
}
