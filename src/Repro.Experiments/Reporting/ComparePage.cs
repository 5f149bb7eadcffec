using System.Text;

namespace Repro.Experiments.Reporting;

/// <summary>
/// <c>repro compare A B --html PAGE</c>: the comparison as a static page of the same kind as the results page. Per
/// experiment the number of metrics within, near (more than half the tolerance used) and past their tolerance, then
/// every compared metric with both values, the delta and the share of the tolerance it used, coloured by it; the
/// table sorts by any column and filters by experiment, metric and status.
/// </summary>
public static class ComparePage
{
    /// <summary>Past this share of its tolerance a delta that is still within shows as near.</summary>
    public const double NearShare = 0.5;

    public const string Near = "near";

    /// <summary>The class of a comparison's row: within, near, past, missing or reported (a timing, not judged).</summary>
    public static string Band(MetricComparison m) => m.Status switch
    {
        Comparer.Reported => "reported",
        Comparer.MissingStatus => "missing",
        Comparer.Past => "past",
        _ => ToleranceUsed(m) is { } used && used > NearShare ? Near : "within",
    };

    /// <summary>|delta| over the tolerance it is allowed (abs + rel·|baseline|); null when there is no delta or no room.</summary>
    public static double? ToleranceUsed(MetricComparison m)
    {
        if (m is not { Baseline: { } b, Candidate: { } c, Tolerance: { } t })
            return null;
        double allowed = (t.Abs ?? 0) + (t.Rel ?? 0) * Math.Abs(b);
        double delta = Math.Abs(c - b);
        if (double.IsNaN(delta))
            return null;
        if (allowed <= 0)
            return delta == 0 ? 0 : double.PositiveInfinity;
        return delta / allowed;
    }

    public static string Write(string path, ComparisonReport report, string baselineDirectory, string candidateDirectory)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        Running.AtomicFile.WriteAllText(path, Render(report, baselineDirectory, candidateDirectory));
        return path;
    }

    public static string Render(ComparisonReport report, string baselineDirectory, string candidateDirectory)
    {
        var body = new StringBuilder();
        body.Append("<h1>Comparison</h1>\n<p>baseline <code>").Append(HtmlPage.Encode(baselineDirectory))
            .Append("</code>, candidate <code>").Append(HtmlPage.Encode(candidateDirectory)).Append("</code>: ")
            .Append(HtmlPage.Encode(Comparer.Summary(report))).Append("</p>\n");
        body.Append("<p class=\"note\">Colours: <span class=\"within\">within</span> its tolerance, <span class=\"near\">near</span> (more than ")
            .Append(CellFormat.Number(NearShare * 100)).Append("% of it used), <span class=\"past\">past</span> it, <span class=\"missing\">missing</span>, ")
            .Append("<span class=\"reported\">reported</span> (a timing without a tolerance of its own).</p>\n");

        body.Append("<section id=\"overview\">\n<h2>Overview</h2>\n");
        var bands = new[] { "within", Near, "past", "missing", "reported" };
        var overview = new ResultTable("overview", "Overview",
            new[] { ResultColumn.Text("experiment") }.Concat(bands.Select(b => ResultColumn.Integer(b))));
        foreach (var experiment in Comparer.Experiments(report))
        {
            var mine = report.Metrics.Where(m => m.Experiment == experiment).ToList();
            overview.AddRow([experiment, .. bands.Select(b => ResultCell.Of(mine.Count(m => Band(m) == b)))]);
        }
        body.Append(new HtmlTableExporter().Export(overview, "experiments", sortable: true,
            (column, _, cell) => column.Name != "experiment" && cell.Number > 0 ? column.Name : null));
        var notes = Comparer.Notes(report).Concat(report.Failures.Select(Comparer.Explain)).ToList();
        if (notes.Count > 0)
        {
            body.Append("<ul class=\"notes\">\n");
            foreach (var note in notes)
                body.Append("<li>").Append(HtmlPage.Encode(note)).Append("</li>\n");
            body.Append("</ul>\n");
        }
        body.Append("</section>\n");

        body.Append("<section id=\"metrics\">\n<h2>Metrics</h2>\n");
        var table = Comparer.Table(report.Metrics, withExperiment: true);
        var columns = table.Columns.ToList();
        int statusIndex = columns.FindIndex(c => c.Name == "status");
        columns.Insert(statusIndex, ResultColumn.Percent("tolerance_used", "tolerance used", decimals: 0));
        columns.Add(ResultColumn.Text("band"));
        var shown = new ResultTable("compare", table.Title, columns);
        for (int i = 0; i < table.Rows.Count; i++)
        {
            var cells = table.Rows[i].ToList();
            var m = report.Metrics[i];
            cells.Insert(statusIndex, ResultCell.Of(ToleranceUsed(m)));
            cells.Add(Band(m));
            shown.AddRow([.. cells]);
        }
        var filters = new[] { "experiment", "metric", "status", "band" }
            .Select(name => (name, name, (IReadOnlyList<string>)Enumerable.Range(0, shown.Rows.Count).Select(r => shown.Text(r, name))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .ToList();
        body.Append(HtmlPage.FilterBar("comparison", filters));
        body.Append(new HtmlTableExporter().Export(shown, "comparison", sortable: true,
            (column, row, _) => column.Name is "delta" or "tolerance_used" or "status" or "band" ? Band(report.Metrics[row]) : null));
        body.Append("</section>\n");
        return HtmlPage.Document("Repro comparison", body.ToString());
    }
}
