namespace Repro.Experiments.Running;

/// <summary>One row of metrics.csv.</summary>
public readonly record struct MetricRow(long Step, string Split, string Metric, double Value);

/// <summary>
/// The tidy metrics of one run (step or epoch, split, metric, value), kept in memory and written to metrics.csv
/// atomically when the run ends. Safe to call from several threads.
/// </summary>
public sealed class MetricsLog
{
    public static readonly string[] Columns = ["step", "split", "metric", "value"];

    private readonly List<MetricRow> rows = new();
    private readonly object gate = new();

    public void Log(long step, string split, string metric, double value)
    {
        lock (gate)
            rows.Add(new MetricRow(step, split, metric, value));
    }

    public IReadOnlyList<MetricRow> Rows
    {
        get
        {
            lock (gate)
                return rows.ToList();
        }
    }

    public void WriteCsv(string path)
    {
        var records = Rows.Select(r => (IReadOnlyList<string>)
            [r.Step.ToString(CultureInfo.InvariantCulture), r.Split, r.Metric, FormatValue(r.Value)]);
        AtomicFile.WriteAllText(path, CsvFiles.Write(Columns, records));
    }

    /// <summary>Shortest round-trip text of a metric value, invariant culture.</summary>
    public static string FormatValue(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
