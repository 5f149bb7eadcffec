using System.Globalization;
using System.Text;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>
/// A results folder written by hand, file by file, the way the runner lays it out: run folders with summary.csv,
/// metrics.csv and config.yaml, and report/runs.csv naming the latest sweep. No experiment runs.
/// </summary>
internal sealed class FakeResults : IDisposable
{
    public FakeResults()
    {
        Root = Path.Combine(Path.GetTempPath(), $"repro-results-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string RunDirectory(string experiment, string runId) => Path.Combine(Root, experiment, runId);

    public void AddRun(
        string experiment,
        string runId,
        string status,
        (string Key, string Value)[] parameters,
        (string Metric, double Value)[] metrics,
        string reason = "",
        string? configYaml = null,
        string? metricsCsv = null)
    {
        string dir = RunDirectory(experiment, runId);
        Directory.CreateDirectory(dir);
        var header = new List<string> { "run_id", "status", "reason" };
        var values = new List<string> { runId, status, reason };
        header.AddRange(parameters.Select(p => "param." + p.Key));
        values.AddRange(parameters.Select(p => p.Value));
        header.AddRange(metrics.Select(m => m.Metric));
        values.AddRange(metrics.Select(m => m.Value.ToString("R", CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(dir, "summary.csv"), string.Join(",", header) + "\n" + string.Join(",", values) + "\n");
        if (configYaml is not null)
            File.WriteAllText(Path.Combine(dir, "config.yaml"), configYaml);
        if (metricsCsv is not null)
            File.WriteAllText(Path.Combine(dir, "metrics.csv"), metricsCsv);
    }

    public void WriteRunsCsv(string experiment, params string[] runIds)
    {
        string dir = Path.Combine(Root, experiment, "report");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "runs.csv"), "run_id\n" + string.Concat(runIds.Select(id => id + "\n")));
    }

    /// <summary>A resolved config.yaml: the options given (keys "options.x"), plus claims and tolerances YAML blocks.</summary>
    public static string Config(string experiment, (string Key, string Value)[] options, string claims = "", string tolerances = "",
        string description = "toy runs", int seed = 1)
    {
        var sb = new StringBuilder();
        sb.Append($"experiment: {experiment}\ndescription: {description}\nseed: {seed}\noptions:\n");
        foreach (var (key, value) in options)
            sb.Append($"  {key["options.".Length..]}: {value}\n");
        if (claims.Length > 0)
            sb.Append("claims:\n").Append(claims);
        if (tolerances.Length > 0)
            sb.Append("tolerances:\n").Append(tolerances);
        return sb.ToString();
    }

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from))
            CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
