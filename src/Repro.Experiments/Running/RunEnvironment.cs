using Repro.Experiments.Engine;

namespace Repro.Experiments.Running;

/// <summary>The process-wide engine state a run depends on: seeding, thread count, device and library versions.</summary>
public interface IRunEnvironment
{
    /// <summary>Seeds the engine's generators and fixes its thread count before a run starts.</summary>
    void Prepare(int seed, int threads);

    /// <summary>"auto" becomes "cuda" when a CUDA device is present, else "cpu"; "cpu" and "cuda" pass through.</summary>
    string ResolveDevice(string requested);

    string? LibtorchVersion { get; }

    string? Blas { get; }

    /// <summary>The .NET binding over libtorch and its version.</summary>
    string? Binding => null;

    /// <summary>How the process heap keeps freed tensor memory (see <see cref="Engine.HeapPolicy"/>).</summary>
    string? Heap => null;

    /// <summary>The kernels libtorch's CPU convolutions use (see <see cref="Engine.ConvolutionBackend"/>).</summary>
    string? Convolutions => null;
}

/// <summary>The real engine: libtorch through TorchSharp.</summary>
public sealed class TorchRunEnvironment : IRunEnvironment
{
    public void Prepare(int seed, int threads)
    {
        // Image-folder and VOC data decode JPEG/PNG through OpenCV.
        Data.DataSources.ImageDecoder ??= DecodeImage;
        torch.manual_seed(seed);
        // libtorch's intra-op threads (OpenMP) also run MKL inside its ops: one setting governs both.
        torch.set_num_threads(threads);
    }

    static (byte[] pixels, int height, int width, int channels) DecodeImage(string path)
    {
        using var chw = ImageFiles.Read(path);
        using var hwc = chw.permute(1, 2, 0).contiguous();
        var shape = hwc.shape;
        return (hwc.data<byte>().ToArray(), (int)shape[0], (int)shape[1], (int)shape[2]);
    }

    public string ResolveDevice(string requested)
    {
        switch (requested)
        {
            case "cpu":
                return "cpu";
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new ReproInputException(
                        "--device cuda: this build references the CPU libtorch (or no CUDA device is visible); build with `make build TORCH=cuda` on a machine whose NuGet feed serves libtorch-cuda-12.8-linux-x64");
                return "cuda";
            case "auto":
                return torch.cuda.is_available() ? "cuda" : "cpu";
            default:
                throw new ReproInputException($"--device: expected auto, cpu or cuda, got '{requested}'");
        }
    }

    public string? LibtorchVersion => EngineInfo.LibtorchVersion;

    public string? Binding => $"TorchSharp {EngineInfo.TorchSharpVersion}";

    public string? Heap => HeapPolicy.Description;

    public string? Convolutions => ConvolutionBackend.Description;

    /// <summary>The BLAS libtorch reports in its build configuration, and its thread limit.</summary>
    public string? Blas
    {
        get
        {
            var n = EngineInfo.BlasThreads;
            return n >= 0 ? $"{EngineInfo.Blas}; {n} BLAS thread{(n == 1 ? "" : "s")}" : EngineInfo.Blas;
        }
    }
}
