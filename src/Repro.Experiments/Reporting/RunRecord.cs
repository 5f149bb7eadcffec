namespace Repro.Experiments.Reporting;

/// <summary>
/// One finished (or missing) run as its files describe it: summary.csv gives status, parameters and final
/// metrics; metrics.csv is read only when asked for. Nothing here comes from objects of the process that ran it.
/// </summary>
public sealed class RunRecord
{
    public const string Missing = "missing";

    private readonly Lazy<IReadOnlyList<MetricRow>> metrics;
    private readonly Lazy<ConfigMap?> config;
    private readonly Lazy<IReadOnlyDictionary<string, string>> flatConfig;

    public RunRecord(
        string runId,
        string status,
        string reason,
        IReadOnlyList<KeyValuePair<string, string>> parameters,
        IReadOnlyList<KeyValuePair<string, double>> summary,
        string runDirectory)
    {
        RunId = runId;
        Status = status;
        Reason = reason;
        ParameterNames = parameters.Select(p => p.Key).ToList();
        MetricNames = summary.Select(s => s.Key).ToList();
        Parameters = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Summary = summary.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
        RunDirectory = runDirectory;
        metrics = new Lazy<IReadOnlyList<MetricRow>>(() => ReadMetricsFile(ResultPaths.Metrics(runDirectory)));
        config = new Lazy<ConfigMap?>(() =>
        {
            string path = ResultPaths.Config(runDirectory);
            return File.Exists(path) ? YamlConfigReader.ReadFile(path) : null;
        });
        flatConfig = new Lazy<IReadOnlyDictionary<string, string>>(() =>
            config.Value is { } root ? ConfigWriter.Flatten(root) : new Dictionary<string, string>());
    }

    public string RunId { get; }

    /// <summary>ok, failed, or missing (listed in runs.csv but no summary.csv: killed or not run yet).</summary>
    public string Status { get; }

    public string Reason { get; }

    public bool IsOk => Status == RunSummary.Ok;

    /// <summary>Swept parameters by flattened key without the "param." prefix ("options.labels" -> "random").</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Final metrics (summary.csv's numeric columns).</summary>
    public IReadOnlyDictionary<string, double> Summary { get; }

    /// <summary>Parameter keys in summary.csv column order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Metric names in summary.csv column order.</summary>
    public IReadOnlyList<string> MetricNames { get; }

    public string RunDirectory { get; }

    public string? Parameter(string key) => Parameters.TryGetValue(key, out var v) ? v : null;

    public double? Metric(string name) => Summary.TryGetValue(name, out var v) ? v : null;

    /// <summary>Every leaf of the run's resolved config.yaml by dotted key; empty when the run has none.</summary>
    public IReadOnlyDictionary<string, string> ReadConfig() => flatConfig.Value;

    /// <summary>A swept parameter, or else any key of the resolved config (for settings a sweep did not vary).</summary>
    public string? ConfigValue(string key) =>
        Parameters.TryGetValue(key, out var v) ? v : ReadConfig().TryGetValue(key, out var c) ? c : null;

    /// <summary>
    /// The run's options as the experiment's own type, bound from its config.yaml's <c>options:</c> by the same
    /// binder as the config layer (so defaults and spellings are those of the code, never copied as text).
    /// </summary>
    public TOptions Options<TOptions>() where TOptions : class, new()
    {
        if (boundOptions is TOptions cached) return cached;
        string path = ResultPaths.Config(RunDirectory);
        if (config.Value is not { } root)
            throw new ReproInputException($"{path}: missing; the run's options cannot be read");
        // Problems name config.yaml's line and key (the binder's marks carry the file).
        var bound = (TOptions)OptionsBinder.Bind(typeof(TOptions), root.Get("options"), "options");
        boundOptions = bound;
        return bound;
    }

    private object? boundOptions;

    /// <summary>The run's seed (config.yaml's <c>seed:</c>, 0 when absent, as the config layer reads it).</summary>
    public int Seed =>
        config.Value?.Get("seed") is { } node ? (int)OptionsBinder.Convert(typeof(int), node, "seed")! : 0;

    /// <summary>The <c>claims:</c> of the run's config.yaml.</summary>
    public IReadOnlyList<ClaimSpec> ReadClaims() =>
        config.Value is { } root ? ConfigSections.BindClaims(root.Get("claims")) : [];

    /// <summary>The <c>tolerances:</c> of the run's config.yaml, for <c>repro compare</c>.</summary>
    public IReadOnlyDictionary<string, ToleranceSpec> ReadTolerances() =>
        config.Value is { } root ? ConfigSections.BindTolerances(root.Get("tolerances")) : new Dictionary<string, ToleranceSpec>();

    /// <summary>The tidy rows of metrics.csv (step, split, metric, value), read on first call.</summary>
    public IReadOnlyList<MetricRow> ReadMetrics() => metrics.Value;

    /// <summary>Reads <c>&lt;runDirectory&gt;/summary.csv</c>; a run without one is <see cref="Missing"/>.</summary>
    public static RunRecord Load(string runDirectory, string runId)
    {
        string path = ResultPaths.Summary(runDirectory);
        if (!File.Exists(path))
            return new RunRecord(runId, Missing, $"no {ResultPaths.SummaryFileName}", [], [], runDirectory);
        var data = CsvFiles.Read(path);
        if (data.Records.Count != 1)
            throw new ReproInputException($"{path}: expected one row under the header, found {data.Records.Count}");
        var row = data.Records[0];
        int idColumn = data.Require("run_id");
        int statusColumn = data.Require("status");
        int reasonColumn = data.IndexOf("reason");
        if (row[idColumn] != runId)
            throw new ReproInputException($"{path}:{row.Line}: run_id '{row[idColumn]}' does not match its folder '{runId}'");
        string status = data.OneOf(row, statusColumn, RunSummary.Ok, RunSummary.Failed);
        var parameters = new List<KeyValuePair<string, string>>();
        var summary = new List<KeyValuePair<string, double>>();
        for (int i = 0; i < data.Header.Count; i++)
        {
            string column = data.Header[i];
            if (i == idColumn || i == statusColumn || i == reasonColumn)
                continue;
            if (column.StartsWith(RunSummary.ParameterPrefix, StringComparison.Ordinal))
                parameters.Add(new(column[RunSummary.ParameterPrefix.Length..], row[i]));
            else if (data.OptionalNumber(row, i) is { } value)
                summary.Add(new(column, value));
        }
        return new RunRecord(runId, status, reasonColumn >= 0 ? row[reasonColumn] : "", parameters, summary, runDirectory);
    }

    private static IReadOnlyList<MetricRow> ReadMetricsFile(string path)
    {
        if (!File.Exists(path))
            return [];
        var data = CsvFiles.Read(path);
        int step = data.Require("step"), split = data.Require("split"), metric = data.Require("metric"), value = data.Require("value");
        var rows = new List<MetricRow>(data.Records.Count);
        foreach (var r in data.Records)
            rows.Add(new MetricRow(data.Integer(r, step), r[split], r[metric], data.Number(r, value)));
        return rows;
    }
}
