namespace Repro.Experiments.Running;

/// <summary>
/// summary.csv of one run: a header and one row with run_id, status (ok|failed), reason, a
/// <c>param.&lt;flattened.key&gt;</c> column per swept parameter, then the final metrics in name order.
/// </summary>
public sealed record RunSummary(
    string RunId,
    string Status,
    string Reason,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyDictionary<string, double> Metrics)
{
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string ParameterPrefix = "param.";

    public bool IsOk => Status == Ok;

    public void Write(string path)
    {
        var columns = new List<string> { "run_id", "status", "reason" };
        var values = new List<string> { RunId, Status, Reason };
        foreach (var (key, value) in Parameters)
        {
            columns.Add(ParameterPrefix + key);
            values.Add(value);
        }
        foreach (var (metric, value) in Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            columns.Add(metric);
            values.Add(MetricsLog.FormatValue(value));
        }
        AtomicFile.WriteAllText(path, CsvFiles.Write(columns, [values]));
    }

    /// <summary>Reads a summary.csv; null when the file is absent or not a complete summary.</summary>
    public static RunSummary? TryRead(string path)
    {
        if (!File.Exists(path))
            return null;
        CsvData data;
        try
        {
            data = CsvFiles.Read(path);
        }
        catch (ReproInputException)
        {
            return null;
        }
        if (data.Records.Count == 0)
            return null;
        var record = data.Records[0];
        var parameters = new List<KeyValuePair<string, string>>();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < data.Header.Count; i++)
        {
            string column = data.Header[i];
            if (column is "run_id" or "status" or "reason")
                continue;
            if (column.StartsWith(ParameterPrefix, StringComparison.Ordinal))
                parameters.Add(new(column[ParameterPrefix.Length..], record[i]));
            else if (double.TryParse(record[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
                metrics[column] = number;
        }
        return new RunSummary(record[data.IndexOf("run_id")], record[data.IndexOf("status")], record[data.IndexOf("reason")],
            parameters, metrics);
    }
}
