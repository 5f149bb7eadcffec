using System.Diagnostics;
using System.Globalization;
using Repro.Experiments.Detection;
using Repro.Experiments.Engine;
using Repro.Experiments.Running;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Bench.ConvBatch;

/// <summary>
/// R-CNN's feature pass: the detection backbone (3x3 convolutions of 32, 64, 96 and 128 channels, 2x2 pooling) on a
/// batch of warped 64x64 crops, forward only (test time) and forward + backward (fine-tuning), at a small batch
/// and at R-CNN's batch of 128. Per crop the two batch sizes do the same work; only the size of libtorch's
/// buffers differs (a 128-crop batch unfolds into column buffers above glibc's 32 MiB mmap threshold). Prints
/// key=value lines for bench/conv-batch.sh.
/// Usage: Repro.Bench.ConvBatch [small-batch] [large-batch] [crop-size] [repeats]
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        int small = Arg(0, 16), large = Arg(1, 128), size = Arg(2, 64), repeats = Arg(3, 3);
        new TorchRunEnvironment().Prepare(1, 1);
        using var backbone = new ConvBackbone(new BackboneOptions());
        Console.WriteLine($"heap_policy={HeapPolicy.Description}");
        Console.WriteLine($"convolutions={ConvolutionBackend.Description}");
        foreach (var batch in new[] { small, large })
        {
            using var crops = torch.rand(batch, 3, size, size);
            var (forwardMs, forwardFaults) = Measure(repeats, () =>
            {
                using var _ = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                backbone.forward(crops);
            });
            var (trainMs, trainFaults) = Measure(repeats, () =>
            {
                using var scope = torch.NewDisposeScope();
                backbone.forward(crops).sum().backward();
            });
            Console.WriteLine(FormattableString.Invariant(
                $"batch_{batch}: forward_ms_per_crop={forwardMs / batch:F3} train_ms_per_crop={trainMs / batch:F3} forward_faults={forwardFaults:F0} train_faults={trainFaults:F0}"));
            Console.WriteLine(FormattableString.Invariant($"forward_ms_per_crop_{batch}={forwardMs / batch:F3}"));
            Console.WriteLine(FormattableString.Invariant($"train_ms_per_crop_{batch}={trainMs / batch:F3}"));
        }
        return 0;
    }

    /// <summary>Mean wall milliseconds and minor page faults per call, after one warm-up call.</summary>
    static (double Ms, double Faults) Measure(int repeats, Action call)
    {
        call();
        var faults = MinorPageFaults();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++) call();
        return (clock.Elapsed.TotalMilliseconds / repeats, (double)(MinorPageFaults() - faults) / repeats);
    }

    /// <summary>Minor page faults of this process so far (/proc/self/stat field 10).</summary>
    static long MinorPageFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }
}
