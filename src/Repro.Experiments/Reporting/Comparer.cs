namespace Repro.Experiments.Reporting;

/// <summary>
/// How a comparison judges beyond the configs' <c>tolerances:</c>: tolerances from the command line (they win over
/// the configs'), the default tolerance, and which experiments take part.
/// </summary>
public sealed class CompareOptions
{
    /// <summary>Per-metric tolerances (<c>--abs test_accuracy=0.01</c>, <c>--rel train_loss=0.05</c>); override the config's.</summary>
    public Dictionary<string, ToleranceSpec> Metrics { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// For measured values that neither the flags nor the config give a tolerance: <see cref="Comparer.DefaultTolerance"/>
    /// unless set. Counts (both values whole numbers) stay exact and timings are reported, not judged.
    /// </summary>
    public ToleranceSpec Default { get; set; } = Comparer.DefaultTolerance;

    /// <summary>Only these experiments of the baseline are compared; null compares every one.</summary>
    public IReadOnlySet<string>? Experiments { get; set; }
}

/// <summary>
/// Which metrics are timings: a name with the word <c>seconds</c>, <c>second</c>, <c>ms</c> or <c>milliseconds</c>
/// between underscores (<c>train_seconds</c>, <c>test_seconds_per_image</c>, <c>steps_per_second</c>, <c>ms_per_step</c>).
/// A timing depends on the machine and what else runs on it, so a comparison reports it and judges it only where
/// a tolerance is given for it by name.
/// </summary>
public static class Timings
{
    private static readonly HashSet<string> Words = new(StringComparer.Ordinal) { "seconds", "second", "ms", "milliseconds" };

    public static bool IsTiming(string metric) => metric.Split('_').Any(Words.Contains);
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

    /// <summary>False for a timing without a tolerance of its own: it is shown, never counted.</summary>
    public bool Judged => Status != Comparer.Reported;

    public bool Passed => Status is Comparer.Within or Comparer.Reported;
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

    /// <summary>Judged comparisons that failed: past the tolerance, missing in the candidate, a candidate run that failed.</summary>
    public IEnumerable<MetricComparison> Failures => Metrics.Where(m => !m.Passed);

    /// <summary>1 when a metric moved past its tolerance, a metric or run is missing in the candidate; else 0.</summary>
    public int ExitCode => Metrics.All(m => m.Passed) && !MissingRuns.Any() ? 0 : 1;
}

/// <summary>
/// <c>repro compare BASELINE CANDIDATE</c>: pairs the runs of each experiment by resolved config (experiment, seed,
/// options: what a run id hashes, without the code version), compares every final metric of the baseline run
/// within its tolerance, and fails on any move past it in either direction: a nightly regression check cannot know
/// whether a metric is better high or low, and an unexplained improvement deserves a look too. Timings are
/// listed and judged only where a tolerance names them.
/// </summary>
public static class Comparer
{
    public const string Within = "ok";
    public const string Past = "PAST";
    public const string MissingStatus = "MISSING";
    public const string Reported = "reported";

    /// <summary>
    /// The tolerance of a measured value nobody gave one: room for the last bits of float32 arithmetic that
    /// change with the thread count (a loss moves by about 1.5e-7 between one and two threads), nothing more.
    /// </summary>
    public static readonly ToleranceSpec DefaultTolerance = new(1e-6, 1e-6);

    public static readonly ToleranceSpec Exact = new(null, null);

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
            if (options.Experiments is { } only && !only.Contains(experiment))
                continue;
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
                    double b = baseRun.Summary[metric];
                    double? cand = candRun.Metric(metric);
                    var tolerance = ResolveTolerance(metric, b, cand, options, configTolerances);
                    string status = tolerance is null ? Reported
                        : cand is not { } cv ? MissingStatus
                        : IsWithin(b, cv, tolerance) ? Within : Past;
                    metrics.Add(new MetricComparison(experiment, label, metric, b, cand, tolerance, status));
                }
            }
            var used = pairs.Select(p => p.Candidate).OfType<RunRecord>().ToHashSet();
            candidateOnly.AddRange(candRuns.Where(r => !used.Contains(r)).Select(r => $"{experiment}/{r.RunId}"));
        }
        foreach (var experiment in candidate.Keys.Where(k => !baseline.ContainsKey(k) && (options.Experiments?.Contains(k) ?? true)))
            candidateOnly.AddRange(candidate[experiment].Select(r => $"{experiment}/{r.RunId}"));
        return new ComparisonReport(metrics, pairings, candidateOnly);
    }

    /// <summary>
    /// The flag for the metric, else the config's entry for it; else null for a timing (reported, not judged);
    /// else exact for a count (baseline and candidate both whole numbers: parameters, steps, images); else the
    /// default tolerance.
    /// </summary>
    public static ToleranceSpec? ResolveTolerance(string metric, double baseline, double? candidate,
        CompareOptions options, IReadOnlyDictionary<string, ToleranceSpec> configTolerances)
    {
        if (options.Metrics.TryGetValue(metric, out var flag))
            return flag;
        if (configTolerances.TryGetValue(metric, out var configured))
            return configured;
        if (Timings.IsTiming(metric))
            return null;
        if (double.IsInteger(baseline) && (candidate is not { } c || double.IsInteger(c)))
            return Exact;
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
        null => "not judged (timing)",
        { Abs: null, Rel: null } => "exact",
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

    /// <summary>The experiments of a results folder that hold runs to compare; bad input when the folder is missing.</summary>
    public static IReadOnlyList<string> ExperimentNames(string directory, string role) =>
        ReadExperiments(directory, role).Keys.ToList();

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

    /// <summary>Prints the table, the notes on pairings, every failure with both values and its tolerance, and the summary.</summary>
    public static void Print(ComparisonReport report, TextWriter output)
    {
        output.Write(new MarkdownTableExporter().Export(Table(report.Metrics, withExperiment: true)));
        foreach (var line in Notes(report))
            output.WriteLine(line);
        foreach (var failure in report.Failures)
            output.WriteLine(Explain(failure));
        output.WriteLine(Summary(report));
    }

    /// <summary>The comparison as one table: run, metric, baseline, candidate, delta, tolerance, status.</summary>
    public static ResultTable Table(IEnumerable<MetricComparison> metrics, bool withExperiment)
    {
        var columns = new List<ResultColumn>();
        if (withExperiment)
            columns.Add(ResultColumn.Text("experiment"));
        columns.AddRange([
            ResultColumn.Text("run"), ResultColumn.Text("metric"), ResultColumn.Number("baseline"), ResultColumn.Number("candidate"),
            ResultColumn.Number("delta"), ResultColumn.Text("tolerance"), ResultColumn.Text("status"),
        ]);
        var table = new ResultTable("compare", "Comparison", columns);
        foreach (var m in metrics)
        {
            var cells = new List<ResultCell>();
            if (withExperiment)
                cells.Add(m.Experiment);
            cells.AddRange([
                m.Run, m.Metric, ResultCell.Of(m.Baseline), ResultCell.Of(m.Candidate), ResultCell.Of(m.Delta),
                m.Metric.StartsWith('(') ? "" : Describe(m.Tolerance), m.Status,
            ]);
            table.AddRow([.. cells]);
        }
        return table;
    }

    /// <summary>
    /// Runs paired with a differing config (and the keys that differ), runs missing on either side; only those of
    /// <paramref name="experiment"/> when given.
    /// </summary>
    public static IEnumerable<string> Notes(ComparisonReport report, string? experiment = null)
    {
        bool Mine(string name) => experiment is null || name == experiment;
        foreach (var p in report.Pairings.Where(p => p.CandidateRunId is not null && p.Differences.Count > 0 && Mine(p.Experiment)))
        {
            yield return $"{p.Experiment}: baseline run {p.BaselineRunId} has no exact match; compared with nearest candidate run {p.CandidateRunId}, which differs in:";
            foreach (var (key, b, c) in p.Differences)
                yield return $"  {key}: {b ?? "(absent)"} -> {c ?? "(absent)"}";
        }
        foreach (var p in report.MissingRuns.Where(p => Mine(p.Experiment)))
            yield return $"{p.Experiment}: baseline run {p.BaselineRunId} has no counterpart in the candidate";
        foreach (var run in report.CandidateOnlyRuns.Where(r => Mine(r.Split('/')[0])))
            yield return $"{run}: only in the candidate (not compared)";
    }

    /// <summary>The experiments a comparison speaks of: those compared, then those only in the candidate.</summary>
    public static IReadOnlyList<string> Experiments(ComparisonReport report) =>
        report.Metrics.Select(m => m.Experiment)
            .Concat(report.CandidateOnlyRuns.Select(r => r.Split('/')[0]))
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>One line for a comparison that failed: the metric, both values in full, the delta and the tolerance.</summary>
    public static string Explain(MetricComparison m)
    {
        string where = $"{m.Status} {m.Experiment} [{m.Run}]";
        return m switch
        {
            { Metric: "(run)" } => $"{where}: no candidate run to compare with",
            { Metric: var status } when status.StartsWith('(') => $"{where}: candidate run {status.Trim('(', ')')}",
            { Baseline: { } b, Candidate: null } => $"{where} {m.Metric}: baseline {CellFormat.Number(b)}, candidate missing",
            { Baseline: { } b, Candidate: { } c } =>
                $"{where} {m.Metric}: baseline {CellFormat.Number(b)}, candidate {CellFormat.Number(c)}, " +
                $"delta {CellFormat.Number(c - b)}, tolerance {Describe(m.Tolerance)}",
            _ => $"{where} {m.Metric}",
        };
    }

    /// <summary>"7 metrics within tolerance, 1 timing reported (not judged)" or "1 of 7 comparisons past tolerance or missing, ...".</summary>
    public static string Summary(ComparisonReport report)
    {
        int judged = report.Metrics.Count(m => m.Judged);
        int timings = report.Metrics.Count - judged;
        string reported = timings == 0 ? "" : $", {Count(timings, "timing")} reported (not judged)";
        return report.ExitCode == 0
            ? $"{Count(judged, "metric")} within tolerance{reported}"
            : $"{report.Failures.Count()} of {Count(judged, "comparison")} past tolerance or missing{reported}";
    }

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
