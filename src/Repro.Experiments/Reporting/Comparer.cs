using Repro.Experiments.Config;
using Repro.Experiments.Running;

namespace Repro.Experiments.Reporting;

/// <summary>Tolerances given on the command line; they win over the configs' <c>tolerances:</c>.</summary>
public sealed class CompareOptions
{
    /// <summary>Per-metric tolerances (<c>--tolerance test_accuracy=abs:0.01</c>); override the config's.</summary>
    public Dictionary<string, ToleranceSpec> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>For metrics that neither the flags nor the config give a tolerance; null means exact.</summary>
    public ToleranceSpec? Default { get; set; }
}

/// <summary>One metric of one pair of runs.</summary>
public sealed record MetricComparison(
    string Experiment,
    string Run,
    string Metric,
    double? Baseline,
    double? Candidate,
    ToleranceSpec? Tolerance,
    string Status)
{
    public double? Delta => Baseline is { } b && Candidate is { } c ? c - b : null;

    public bool Passed => Status == Comparer.Within;
}

/// <summary>A baseline run and the candidate run it was compared with; <see cref="Differences"/> is empty for an exact match.</summary>
public sealed record RunPairing(
    string Experiment,
    string BaselineRunId,
    string? CandidateRunId,
    IReadOnlyList<(string Key, string? Baseline, string? Candidate)> Differences);

public sealed record ComparisonReport(
    IReadOnlyList<MetricComparison> Metrics,
    IReadOnlyList<RunPairing> Pairings,
    IReadOnlyList<string> CandidateOnlyRuns)
{
    public IEnumerable<RunPairing> MissingRuns => Pairings.Where(p => p.CandidateRunId is null);

    /// <summary>1 when a metric moved past its tolerance, a metric or run is missing in the candidate; else 0.</summary>
    public int ExitCode => Metrics.All(m => m.Passed) && !MissingRuns.Any() ? 0 : 1;
}

/// <summary>
/// <c>repro compare BASELINE CANDIDATE</c>: pairs the runs of each experiment by resolved config (experiment, seed,
/// options: what a run id hashes, without the code version), compares every final metric of the baseline run
/// within its tolerance, and fails on any move past it in either direction: a nightly regression check cannot know
/// whether a metric is better high or low, and an unexplained improvement deserves a look too.
/// </summary>
public static class Comparer
{
    public const string Within = "ok";
    public const string Past = "PAST";
    public const string MissingStatus = "MISSING";

    /// <summary>Top-level config keys that say nothing about what was trained.</summary>
    public static readonly IReadOnlySet<string> NonIdentityKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "description", "threads", "claims", "tolerances", "run_id", "code_version", "provenance",
    };

    public static int Compare(string baselineDirectory, string candidateDirectory, CompareOptions? options = null, TextWriter? output = null)
    {
        output ??= Console.Out;
        var report = Run(baselineDirectory, candidateDirectory, options);
        Print(report, output);
        return report.ExitCode;
    }

    public static ComparisonReport Run(string baselineDirectory, string candidateDirectory, CompareOptions? options = null)
    {
        options ??= new CompareOptions();
        var baseline = ReadExperiments(baselineDirectory, "baseline");
        var candidate = ReadExperiments(candidateDirectory, "candidate");
        if (baseline.Count == 0)
            throw new ReproInputException($"{baselineDirectory}: no runs found (expected <experiment>/<run-id>/summary.csv)");

        var metrics = new List<MetricComparison>();
        var pairings = new List<RunPairing>();
        var candidateOnly = new List<string>();
        foreach (var (experiment, baseRuns) in baseline)
        {
            var candRuns = candidate.TryGetValue(experiment, out var c) ? c : [];
            var pairs = Pair(baseRuns, candRuns);
            foreach (var (baseRun, candRun) in pairs)
            {
                IReadOnlyList<(string, string?, string?)> differences =
                    candRun is null ? [] : Differences(Identity(baseRun), Identity(candRun));
                pairings.Add(new RunPairing(experiment, baseRun.RunId, candRun?.RunId, differences));
                string label = RunLabel(baseRun);
                if (candRun is null)
                {
                    metrics.Add(new MetricComparison(experiment, label, "(run)", null, null, null, MissingStatus));
                    continue;
                }
                var configTolerances = Merge(candRun.ReadTolerances(), baseRun.ReadTolerances());
                if (baseRun.IsOk && !candRun.IsOk)
                    metrics.Add(new MetricComparison(experiment, label, $"(status {candRun.Status})", null, null, null, Past));
                foreach (var metric in baseRun.MetricNames)
                {
                    var tolerance = ResolveTolerance(metric, options, configTolerances);
                    double b = baseRun.Summary[metric];
                    double? cand = candRun.Metric(metric);
                    string status = cand is not { } cv ? MissingStatus : IsWithin(b, cv, tolerance) ? Within : Past;
                    metrics.Add(new MetricComparison(experiment, label, metric, b, cand, tolerance, status));
                }
            }
            var used = pairs.Select(p => p.Candidate).OfType<RunRecord>().ToHashSet();
            candidateOnly.AddRange(candRuns.Where(r => !used.Contains(r)).Select(r => $"{experiment}/{r.RunId}"));
        }
        foreach (var experiment in candidate.Keys.Where(k => !baseline.ContainsKey(k)))
            candidateOnly.AddRange(candidate[experiment].Select(r => $"{experiment}/{r.RunId}"));
        return new ComparisonReport(metrics, pairings, candidateOnly);
    }

    /// <summary>Flag for the metric, else the config's for the metric, else the flag default, else exact.</summary>
    public static ToleranceSpec? ResolveTolerance(
        string metric, CompareOptions options, IReadOnlyDictionary<string, ToleranceSpec> configTolerances)
    {
        if (options.Metrics.TryGetValue(metric, out var flag))
            return flag;
        if (configTolerances.TryGetValue(metric, out var configured))
            return configured;
        return options.Default;
    }

    /// <summary>
    /// |candidate - baseline| &lt;= abs + rel * |baseline| (both parts optional; none means the values must be
    /// equal). Two NaNs are equal: a run that diverged the same way has not regressed.
    /// </summary>
    public static bool IsWithin(double baseline, double candidate, ToleranceSpec? tolerance)
    {
        if (double.IsNaN(baseline) || double.IsNaN(candidate))
            return double.IsNaN(baseline) && double.IsNaN(candidate);
        if (baseline == candidate)
            return true;
        double allowed = (tolerance?.Abs ?? 0) + (tolerance?.Rel ?? 0) * Math.Abs(baseline);
        return Math.Abs(candidate - baseline) <= allowed;
    }

    public static string Describe(ToleranceSpec? tolerance) => tolerance switch
    {
        null or { Abs: null, Rel: null } => "exact",
        { Abs: { } a, Rel: null } => "abs " + CellFormat.Number(a),
        { Abs: null, Rel: { } r } => "rel " + CellFormat.Number(r),
        { Abs: { } a, Rel: { } r } => $"abs {CellFormat.Number(a)} + rel {CellFormat.Number(r)}",
    };

    /// <summary>The run's resolved config without the keys that do not change what is trained.</summary>
    public static IReadOnlyDictionary<string, string> Identity(RunRecord run)
    {
        var config = run.ReadConfig();
        if (config.Count == 0)
            return run.Parameters;
        return config
            .Where(kv => !NonIdentityKeys.Contains(kv.Key.Split('.')[0]))
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    public static IReadOnlyList<(string Key, string? Baseline, string? Candidate)> Differences(
        IReadOnlyDictionary<string, string> baseline, IReadOnlyDictionary<string, string> candidate)
    {
        var keys = baseline.Keys.Concat(candidate.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var result = new List<(string, string?, string?)>();
        foreach (var key in keys)
        {
            string? b = baseline.TryGetValue(key, out var bv) ? bv : null;
            string? c = candidate.TryGetValue(key, out var cv) ? cv : null;
            if (b is null || c is null ? b != c : !ClaimChecker.SameValue(b, c))
                result.Add((key, b, c));
        }
        return result;
    }

    /// <summary>Exact config matches first; then each left-over baseline run takes the nearest left-over candidate.</summary>
    private static List<(RunRecord Baseline, RunRecord? Candidate)> Pair(IReadOnlyList<RunRecord> baseRuns, IReadOnlyList<RunRecord> candRuns)
    {
        var free = candRuns.ToList();
        var pairs = new (RunRecord Baseline, RunRecord? Candidate)[baseRuns.Count];
        var baseIdentities = baseRuns.Select(Identity).ToList();
        var candIdentities = candRuns.ToDictionary(r => r, Identity);
        for (int i = 0; i < baseRuns.Count; i++)
        {
            var match = free.FirstOrDefault(c => Differences(baseIdentities[i], candIdentities[c]).Count == 0);
            pairs[i] = (baseRuns[i], match);
            if (match is not null)
                free.Remove(match);
        }
        for (int i = 0; i < baseRuns.Count; i++)
        {
            if (pairs[i].Candidate is not null || free.Count == 0)
                continue;
            var nearest = free.MinBy(c => Differences(baseIdentities[i], candIdentities[c]).Count)!;
            pairs[i] = (baseRuns[i], nearest);
            free.Remove(nearest);
        }
        return pairs.ToList();
    }

    private static IReadOnlyDictionary<string, ToleranceSpec> Merge(
        IReadOnlyDictionary<string, ToleranceSpec> under, IReadOnlyDictionary<string, ToleranceSpec> over)
    {
        var merged = new Dictionary<string, ToleranceSpec>(under, StringComparer.Ordinal);
        foreach (var (k, v) in over)
            merged[k] = v;
        return merged;
    }

    private static string RunLabel(RunRecord run)
    {
        if (run.ParameterNames.Count == 0)
            return run.RunId;
        return string.Join(", ", run.ParameterNames.Select(k => $"{k}={run.Parameters[k]}"));
    }

    /// <summary>
    /// Experiments of a results folder by name, each with its runs: the latest sweep (report/runs.csv) when there
    /// is one, else every run folder holding a summary.csv. A folder that is itself an experiment folder counts too.
    /// </summary>
    private static SortedDictionary<string, IReadOnlyList<RunRecord>> ReadExperiments(string directory, string role)
    {
        if (!Directory.Exists(directory))
            throw new ReproInputException($"{directory}: {role} results folder not found");
        var result = new SortedDictionary<string, IReadOnlyList<RunRecord>>(StringComparer.Ordinal);
        string full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        if (ReadRuns(full) is { Count: > 0 } own)
        {
            result[Path.GetFileName(full)] = own;
            return result;
        }
        foreach (var sub in Directory.EnumerateDirectories(full).Order(StringComparer.Ordinal))
            if (ReadRuns(sub) is { Count: > 0 } runs)
                result[Path.GetFileName(sub)] = runs;
        return result;
    }

    private static List<RunRecord> ReadRuns(string experimentDirectory)
    {
        string runsFile = ResultPaths.Runs(Path.Combine(experimentDirectory, ResultPaths.ReportFolderName));
        IEnumerable<string> ids;
        if (File.Exists(runsFile))
        {
            var data = CsvFiles.Read(runsFile);
            int column = data.Require("run_id");
            foreach (var r in data.Records)
                if (r[column].IndexOfAny(['/', '\\']) >= 0 || r[column].Trim() is "." or "..")
                    throw new ReproInputException($"{runsFile}:{r.Line}: bad run_id '{r[column]}'");
            ids = data.Records.Select(r => r[column].Trim()).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal);
        }
        else
        {
            ids = Directory.EnumerateDirectories(experimentDirectory)
                .Where(d => File.Exists(ResultPaths.Summary(d)))
                .Select(Path.GetFileName)
                .OfType<string>()
                .Order(StringComparer.Ordinal);
        }
        return ids
            .Select(id => RunRecord.Load(Path.Combine(experimentDirectory, id), id))
            .Where(r => r.Status != RunRecord.Missing)
            .ToList();
    }

    public static void Print(ComparisonReport report, TextWriter output)
    {
        var table = new ResultTable("compare", "Comparison",
            ResultColumn.Text("experiment"), ResultColumn.Text("run"), ResultColumn.Text("metric"),
            ResultColumn.Number("baseline"), ResultColumn.Number("candidate"), ResultColumn.Number("delta"),
            ResultColumn.Text("tolerance"), ResultColumn.Text("status"));
        foreach (var m in report.Metrics)
            table.AddRow(m.Experiment, m.Run, m.Metric, ResultCell.Of(m.Baseline), ResultCell.Of(m.Candidate),
                ResultCell.Of(m.Delta), m.Metric.StartsWith('(') ? "" : Describe(m.Tolerance), m.Status);
        output.Write(new MarkdownTableExporter().Export(table));

        foreach (var p in report.Pairings.Where(p => p.CandidateRunId is not null && p.Differences.Count > 0))
        {
            output.WriteLine($"{p.Experiment}: baseline run {p.BaselineRunId} has no exact match; compared with nearest candidate run {p.CandidateRunId}, which differs in:");
            foreach (var (key, b, c) in p.Differences)
                output.WriteLine($"  {key}: {b ?? "(absent)"} -> {c ?? "(absent)"}");
        }
        foreach (var p in report.MissingRuns)
            output.WriteLine($"{p.Experiment}: baseline run {p.BaselineRunId} has no counterpart in the candidate");
        foreach (var run in report.CandidateOnlyRuns)
            output.WriteLine($"{run}: only in the candidate (not compared)");

        int past = report.Metrics.Count(m => !m.Passed);
        output.WriteLine(report.ExitCode == 0
            ? $"{report.Metrics.Count} metrics within tolerance"
            : $"{past} of {report.Metrics.Count} comparisons past tolerance or missing");
    }
}
