using System.Security.Cryptography;
using System.Text;

namespace Repro.Experiments.Config;

/// <summary>
/// One run of a sweep after base inheritance, profile, <c>--set</c> overrides and sweep expansion, bound to the
/// experiment's typed options. <see cref="Resolved"/> is what config.yaml holds.
/// </summary>
public sealed class ResolvedRun
{
    public required IExperiment Experiment { get; init; }

    /// <summary>The config file this run came from, as given on the command line.</summary>
    public required string SourceFile { get; init; }

    public string? Profile { get; init; }

    public string? Description { get; init; }

    public int Seed { get; init; }

    /// <summary>Thread budget from the config; null means the machine's core count.</summary>
    public int? Threads { get; init; }

    /// <summary>Runs of this config executed at once (each in its own process, sharing the thread budget); null means 1.</summary>
    public int? Jobs { get; init; }

    public required object Options { get; init; }

    public IReadOnlyList<ClaimSpec> Claims { get; init; } = [];

    public IReadOnlyDictionary<string, ToleranceSpec> Tolerances { get; init; } = new Dictionary<string, ToleranceSpec>();

    /// <summary>The config's <c>launcher:</c> section (Slurm settings); not part of the run's identity.</summary>
    public Running.Launchers.SlurmLauncherOptions Launcher { get; init; } = new();

    /// <summary>The swept keys of this run with their values, in sweep order ("options.labels" -> "random").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SweptParameters { get; init; } = [];

    /// <summary>The canonical resolved config: experiment, description, seed, options (every property), claims, tolerances.</summary>
    public required ConfigMap Resolved { get; init; }

    public string ConfigYaml => ConfigWriter.Write(Resolved);

    /// <summary>
    /// What the run id hashes: experiment, seed and options only. Description, claims, tolerances, the thread
    /// budget and the jobs do not change what is trained, so editing them keeps finished runs.
    /// </summary>
    public string IdentityText
    {
        get
        {
            var identity = new ConfigMap(Resolved.Mark);
            foreach (var key in new[] { "experiment", "seed", "options" })
                if (Resolved.Get(key) is { } node)
                    identity.Set(key, node);
            return ConfigWriter.Write(identity);
        }
    }

    /// <summary>12 hex digits of SHA-256 over the identity text and the code version.</summary>
    public string RunId(string codeVersion) => ComputeRunId(IdentityText, codeVersion);

    public static string ComputeRunId(string identityText, string codeVersion)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{identityText}code: {codeVersion}\n"));
        return Convert.ToHexStringLower(bytes)[..12];
    }
}
