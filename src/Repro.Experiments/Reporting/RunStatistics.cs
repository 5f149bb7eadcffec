namespace Repro.Experiments.Reporting;

/// <summary>
/// A summary metric over a group of runs, with one rule for every report: a run that lacks the metric or holds a
/// non-finite value is left out; a group with no value left has mean NaN and an empty cell; a spread (sample
/// standard deviation) is shown only when at least two values remain.
/// </summary>
public static class RunStatistics
{
    /// <summary>The finite values of <paramref name="metric"/> over <paramref name="runs"/>, in run order.</summary>
    public static List<double> Values(IEnumerable<RunRecord> runs, string metric) =>
        runs.Select(r => r.Metric(metric)).OfType<double>().Where(double.IsFinite).ToList();

    /// <summary>The mean of the finite values; NaN when there is none.</summary>
    public static double Mean(IEnumerable<RunRecord> runs, string metric) =>
        Values(runs, metric).DefaultIfEmpty(double.NaN).Average();

    /// <summary>Mean, sample standard deviation (0 for one value, NaN for none) and how many values there were.</summary>
    public static (double mean, double std, int count) MeanStd(IEnumerable<RunRecord> runs, string metric)
    {
        var values = Values(runs, metric);
        var (mean, std) = Classification.MeanStd(values);
        return (mean, std, values.Count);
    }

    /// <summary>A table cell: the mean times <paramref name="scale"/> (100 for percent points), ± the spread when two or more values.</summary>
    public static ResultCell Cell(IEnumerable<RunRecord> runs, string metric, double scale = 1) =>
        Cell(MeanStd(runs, metric), scale);

    public static ResultCell Cell((double mean, double std, int count) v, double scale = 1) =>
        v.count == 0 ? ResultCell.Empty : v.count == 1 ? ResultCell.Of(scale * v.mean) : ResultCell.Of(scale * v.mean, scale * v.std);
}
