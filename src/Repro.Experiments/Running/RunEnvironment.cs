using System.Text.RegularExpressions;
using Repro.Torch;

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
}

/// <summary>The real engine: libtorch through Repro.Torch.</summary>
public sealed partial class TorchRunEnvironment : IRunEnvironment
{
    private readonly Lazy<string> buildInfo = new(torch.build_info);

    public void Prepare(int seed, int threads)
    {
        // Image-folder and VOC data decode JPEG/PNG through the engine's OpenCV build.
        Data.DataSources.ImageDecoder ??= DecodeImage;
        torch.manual_seed(seed);
        torch.set_num_threads(threads);
        // libtorch spreads each op over its own threads and calls BLAS from inside them; OpenBLAS's pool of one
        // spinning worker per core on top of that oversubscribes the cores (training steps 1.4-1.7x slower on 2
        // cores). One BLAS thread leaves the parallelism to libtorch; OPENBLAS_NUM_THREADS, when set, wins.
        if (Environment.GetEnvironmentVariable("OPENBLAS_NUM_THREADS") is null)
            torch.set_blas_threads(1);
    }

    static (byte[] pixels, int height, int width, int channels) DecodeImage(string path)
    {
        using var chw = torchvision.io.read_image(path);
        using var hwc = chw.permute(1, 2, 0).contiguous();
        var shape = hwc.shape;
        return (hwc.ToArray<byte>(), (int)shape[0], (int)shape[1], (int)shape[2]);
    }

    public string ResolveDevice(string requested)
    {
        switch (requested)
        {
            case "cpu":
                return "cpu";
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new ReproInputException("--device cuda: no CUDA device is available to this libtorch build");
                return "cuda";
            case "auto":
                return torch.cuda.is_available() ? "cuda" : "cpu";
            default:
                throw new ReproInputException($"--device: expected auto, cpu or cuda, got '{requested}'");
        }
    }

    public string? LibtorchVersion => buildInfo.Value.Split('\n')[0].Trim();

    /// <summary>
    /// The BLAS libtorch was built against and the BLAS library actually mapped into this process: Debian's
    /// libtorch uses whichever libblas.so.3 is selected, and the reference BLAS is many times slower than OpenBLAS.
    /// </summary>
    public string? Blas
    {
        get
        {
            var built = BlasInfo().Match(buildInfo.Value);
            var loaded = LoadedBlasLibraries();
            var parts = new List<string>();
            if (built.Success)
                parts.Add("built with " + built.Groups[1].Value);
            if (loaded.Count > 0)
                parts.Add("loaded " + string.Join(", ", loaded));
            if (torch.get_blas_threads() is var n and >= 0)
                parts.Add($"{n} BLAS thread{(n == 1 ? "" : "s")}");
            return parts.Count == 0 ? null : string.Join("; ", parts);
        }
    }

    private static List<string> LoadedBlasLibraries()
    {
        try
        {
            if (!File.Exists("/proc/self/maps"))
                return [];
            return File.ReadLines("/proc/self/maps")
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
                .Where(path => path.StartsWith('/') && Path.GetFileName(path).Contains("blas", StringComparison.OrdinalIgnoreCase))
                .Select(ResolveLink)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static string ResolveLink(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    [GeneratedRegex(@"BLAS_INFO=([^,\s]+)")]
    private static partial Regex BlasInfo();
}
