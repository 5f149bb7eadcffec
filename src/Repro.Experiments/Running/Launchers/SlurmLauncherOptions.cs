using System.Text.RegularExpressions;

namespace Repro.Experiments.Running.Launchers;

/// <summary>
/// What a config's <c>launcher:</c> section (or the command line) asks of Slurm for each run. Every value is
/// optional: null leaves it to the command line, then to the cluster's defaults. None of it is part of a run's
/// identity, so moving a sweep between machines keeps its run ids.
/// </summary>
public sealed partial class SlurmLauncherOptions
{
    /// <summary>sbatch <c>--partition</c>; null is the cluster's default partition.</summary>
    public string? Partition { get; set; }

    /// <summary>sbatch <c>--time</c> per run, in Slurm's formats (minutes, HH:MM:SS, D-HH:MM, ...); null is the partition's default.</summary>
    public string? Time { get; set; }

    /// <summary>CPUs of each array task, which is also the run's thread count; null: the config's thread budget over its jobs.</summary>
    public int? CpusPerRun { get; set; }

    /// <summary>sbatch <c>--mem</c> per run (4000, 16G, ...); null is the cluster's default.</summary>
    public string? Mem { get; set; }

    /// <summary>GPUs of each array task (<c>--gres=gpu:N</c>); null or 0: none.</summary>
    public int? GpusPerRun { get; set; }

    /// <summary>Further sbatch options, one per item (<c>--account=proj</c>, <c>--qos=short</c>); the command line's come after.</summary>
    public List<string> SbatchArgs { get; set; } = [];

    /// <summary>Where each value was set (<c>configs/x.yaml:12</c> or <c>--partition</c>), for error messages.</summary>
    public Dictionary<string, string> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>The source of <paramref name="key"/> (snake_case), or <c>launcher.key</c> when unknown.</summary>
    public string SourceOf(string key) => Sources.TryGetValue(key, out var s) ? s : $"launcher.{key}";

    public bool IsEmpty => Partition is null && Time is null && CpusPerRun is null && Mem is null && GpusPerRun is null
                           && SbatchArgs.Count == 0;

    /// <summary>
    /// <paramref name="over"/>'s values where set, else <paramref name="under"/>'s: the command line over a config.
    /// Extra sbatch options are concatenated, <paramref name="over"/>'s last, so that they win inside sbatch too.
    /// </summary>
    public static SlurmLauncherOptions Over(SlurmLauncherOptions under, SlurmLauncherOptions over)
    {
        var merged = new SlurmLauncherOptions
        {
            Partition = over.Partition ?? under.Partition,
            Time = over.Time ?? under.Time,
            CpusPerRun = over.CpusPerRun ?? under.CpusPerRun,
            Mem = over.Mem ?? under.Mem,
            GpusPerRun = over.GpusPerRun ?? under.GpusPerRun,
            SbatchArgs = [.. under.SbatchArgs, .. over.SbatchArgs],
        };
        foreach (var (key, source) in under.Sources)
            merged.Sources[key] = source;
        foreach (var (key, source) in over.Sources)
            merged.Sources[key] = source;
        return merged;
    }

    /// <summary>
    /// Checks every value that is set; throws a <see cref="ReproInputException"/> starting with the value's source.
    /// </summary>
    public void Validate()
    {
        if (Partition is { } partition && !PartitionName().IsMatch(partition))
            throw Invalid("partition", $"expects a partition name, got '{partition}'");
        if (Time is { } time && TimeError(time) is { } timeError)
            throw Invalid("time", timeError);
        if (CpusPerRun is < 1)
            throw Invalid("cpus_per_run", $"must be at least 1, got {CpusPerRun.Value.ToString(CultureInfo.InvariantCulture)}");
        if (Mem is { } mem && !MemoryPattern().IsMatch(mem))
            throw Invalid("mem", $"expects a Slurm memory size (a number of megabytes, or with a K, M, G or T suffix: 4000, 16G), got '{mem}'");
        if (GpusPerRun is < 0)
            throw Invalid("gpus_per_run", $"must not be negative, got {GpusPerRun.Value.ToString(CultureInfo.InvariantCulture)}");
        foreach (var argument in SbatchArgs)
            if (!argument.StartsWith('-') || argument.Contains('\n') || argument.Contains('\r') || argument.Contains('"'))
                throw Invalid("sbatch_args", $"expects sbatch options such as --account=proj (one line, no double quotes), got '{argument}'");
    }

    /// <summary>Null when <paramref name="time"/> is one of Slurm's time limit formats, else what is wrong.</summary>
    public static string? TimeError(string time) =>
        TimePattern().IsMatch(time) || time is "UNLIMITED" or "unlimited" or "INFINITE" or "infinite"
            ? null
            : $"expects a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got '{time}'";

    private ReproInputException Invalid(string key, string problem)
    {
        string source = SourceOf(key);
        // Config values read "file:line: 'launcher.time' expects ..."; flags read "--time expects ...".
        return new ReproInputException(source.StartsWith("--", StringComparison.Ordinal)
            ? $"{source} {problem}"
            : $"{source}: 'launcher.{key}' {problem}");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+$")]
    private static partial Regex PartitionName();

    [GeneratedRegex(@"^([0-9]+|[0-9]+:[0-9]{1,2}|[0-9]+:[0-9]{1,2}:[0-9]{1,2}|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2})?)?)$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^[0-9]+[KMGTkmgt]?$")]
    private static partial Regex MemoryPattern();
}

/// <summary>
/// The sbatch request of one job array: what every task of it gets. Runs whose effective options differ go to
/// different arrays.
/// </summary>
public sealed record SlurmResources(
    string? Partition,
    string? Time,
    int Cpus,
    string? Mem,
    int Gpus,
    string Device,
    IReadOnlyList<string> SbatchArgs)
{
    /// <summary>
    /// The request for one run: <paramref name="options"/> (the command line over the run's config) with the
    /// run's defaults filled in. CPUs default to what the run gets locally (its config's thread budget over its
    /// jobs, 1 without a budget), so that a run computes with the same thread count on the cluster; the device
    /// <c>auto</c> is cuda when the task has a GPU, cpu otherwise.
    /// </summary>
    public static SlurmResources For(SlurmLauncherOptions options, ResolvedRun run, string device)
    {
        int cpus = options.CpusPerRun ?? SweepSettings.ThreadsPerRun(run.Threads ?? 1, Math.Max(1, run.Jobs ?? 1));
        int gpus = options.GpusPerRun ?? 0;
        string resolved = device == "auto" ? (gpus > 0 ? "cuda" : "cpu") : device;
        if (resolved == "cuda" && gpus == 0)
            throw new ReproInputException(
                $"{run.SourceFile}: --device cuda needs a GPU per run (--gpus-per-run or launcher.gpus_per_run); a Slurm task sees only the GPUs it asks for");
        return new SlurmResources(options.Partition, options.Time, cpus, options.Mem, gpus, resolved, options.SbatchArgs.ToList());
    }

    /// <summary>Equal requests share an array; records compare lists by reference, so the key spells them out.</summary>
    public string Key => string.Join("\u001f", Partition, Time, Cpus, Mem, Gpus, Device, string.Join("\u001e", SbatchArgs));

    /// <summary>"partition debug, 1 CPU, 1 GPU, 2G, time 00:10:00 each" for the submission message.</summary>
    public string Describe()
    {
        var parts = new List<string> { Partition is null ? "default partition" : $"partition {Partition}" };
        parts.Add(Cpus == 1 ? "1 CPU" : $"{Cpus.ToString(CultureInfo.InvariantCulture)} CPUs");
        if (Gpus > 0)
            parts.Add(Gpus == 1 ? "1 GPU" : $"{Gpus.ToString(CultureInfo.InvariantCulture)} GPUs");
        if (Mem is not null)
            parts.Add(Mem);
        if (Time is not null)
            parts.Add($"time {Time}");
        return string.Join(", ", parts) + " each";
    }
}
