using System.Text;
using System.Text.Json;

namespace Repro.Experiments.Reporting;

/// <summary>One report folder as the results page shows it: the experiment's tables and figures, claims and runs.</summary>
public sealed record ExperimentReport(ReportFolder Folder, string Description, ReportContext Context, IReadOnlyList<ClaimResult> Claims)
{
    public string Experiment => Folder.Experiment;

    public string? Profile => Folder.Profile;
}

/// <summary>
/// The results page of a results folder (<c>index.html</c>, written by <c>repro report DIR</c>): an overview of every
/// experiment and its claims (paper, measured, pass or fail) at the top, then per report folder its tables, its
/// figures (the SVG files beside the report, linked relatively) and the table of runs with their provenance, which
/// sorts by any column and filters by parameter. Static: no server, nothing fetched; it is rebuilt from the same
/// files as the reports and writes the same bytes for the same files.
/// </summary>
public static class ResultsPage
{
    /// <summary>The run table's provenance columns: provenance.json key, column header.</summary>
    public static readonly IReadOnlyList<(string Key, string Header)> ProvenanceColumns =
    [
        ("profile", "profile"), ("seed", "seed"), ("device", "device"), ("threads", "threads"),
        ("code_version", "code version"), ("git_commit", "git commit"), ("git_dirty", "dirty tree"),
        ("libtorch", "libtorch"), ("hostname", "host"), ("start_time", "started (UTC)"),
    ];

    /// <summary>The column of the run table that holds a run's wall time from its provenance (end - start).</summary>
    public const string WallColumn = "provenance.wall_seconds";

    /// <summary>
    /// Reads a report folder the way <see cref="ReportBuilder"/> does (the experiment's tables, figures and
    /// measures, the claims checked against them), without writing anything.
    /// </summary>
    public static ExperimentReport Read(ReportFolder folder, IExperiment experiment, IReadOnlyList<ClaimSpec>? claims)
    {
        var context = ReportContext.Load(folder.ResultsDirectory, folder.Experiment, folder.Directory);
        experiment.Report(context);
        claims ??= ReportBuilder.ClaimsFromRuns(context.Runs);
        var results = ClaimChecker.EvaluateAll(claims, context.Measures, context.Runs);
        return new ExperimentReport(folder, experiment.Description ?? "", context, results);
    }

    /// <summary>Writes the page into <paramref name="pageDirectory"/> (atomically) and returns its path.</summary>
    public static string Write(string pageDirectory, IReadOnlyList<ExperimentReport> reports)
    {
        string path = ResultPaths.ResultsPage(pageDirectory);
        AtomicFile.WriteAllText(path, Render(pageDirectory, reports));
        return path;
    }

    public static string Render(string pageDirectory, IReadOnlyList<ExperimentReport> reports)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(pageDirectory)));
        var body = new StringBuilder();
        body.Append("<h1>Results: ").Append(HtmlPage.Encode(name)).Append("</h1>\n");
        body.Append("<p class=\"note\">Rebuilt by <code>repro report</code> from the run folders' CSV files; ")
            .Append("figures and files are linked from the report folders beside this page.</p>\n");
        body.Append("<nav>");
        foreach (var report in reports)
            body.Append("<a href=\"#").Append(SectionId(report)).Append("\">").Append(HtmlPage.Encode(Label(report))).Append("</a>");
        body.Append("</nav>\n");
        Overview(body, reports);
        foreach (var report in reports)
            Section(body, pageDirectory, report);
        return HtmlPage.Document("Repro results: " + name, body.ToString());
    }

    public static string SectionId(ExperimentReport report) => HtmlPage.Id("experiment", report.Experiment, report.Profile);

    public static string RunTableId(ExperimentReport report) => HtmlPage.Id("runs", report.Experiment, report.Profile);

    private static string Label(ExperimentReport report) =>
        report.Profile is { } profile ? $"{report.Experiment} ({profile})" : report.Experiment;

    private static void Overview(StringBuilder body, IReadOnlyList<ExperimentReport> reports)
    {
        body.Append("<section id=\"overview\">\n<h2>Overview</h2>\n");
        body.Append("<div class=\"wide\"><table id=\"experiments\">\n<thead><tr><th>experiment</th><th>profile</th><th>runs</th>")
            .Append("<th>ok</th><th>failed</th><th>missing</th><th>claims holding</th></tr></thead>\n<tbody>\n");
        foreach (var report in reports)
        {
            var runs = report.Context.Runs;
            int ok = runs.Count(r => r.IsOk), failed = runs.Count(r => r.Status == RunSummary.Failed);
            int held = report.Claims.Count(c => c.Passed);
            string claims = report.Claims.Count == 0 ? "-" : $"{held} of {report.Claims.Count}";
            string claimClass = report.Claims.Count == 0 ? "" : held == report.Claims.Count ? " class=\"pass\"" : " class=\"fail\"";
            body.Append("<tr data-experiment=\"").Append(HtmlPage.Encode(report.Experiment)).Append("\"><td><a href=\"#")
                .Append(SectionId(report)).Append("\">").Append(HtmlPage.Encode(report.Experiment)).Append("</a></td><td>")
                .Append(HtmlPage.Encode(report.Profile ?? "-")).Append("</td>")
                .Append(Num(runs.Count)).Append(Num(ok)).Append(Num(failed)).Append(Num(runs.Count - ok - failed))
                .Append("<td").Append(claimClass).Append('>').Append(claims).Append("</td></tr>\n");
        }
        body.Append("</tbody>\n</table></div>\n");

        body.Append("<h3>Claims</h3>\n");
        var table = new ResultTable("claims", "Claims",
            ResultColumn.Text("experiment"), ResultColumn.Text("claim"), ResultColumn.Text("paper"), ResultColumn.Number("measured"),
            ResultColumn.Text("check"), ResultColumn.Text("status"));
        foreach (var report in reports)
            foreach (var claim in report.Claims)
                table.AddRow(Label(report), claim.Claim, claim.Paper, ResultCell.Of(claim.Measured),
                    $"{claim.Comparison}\u00a0{CellFormat.Number(claim.Threshold)}", claim.Status);
        if (table.Rows.Count == 0)
            body.Append("<p>No config states a claim.</p>\n");
        else
            body.Append(new HtmlTableExporter().Export(table, "claims", sortable: true, StatusClass));
        body.Append("</section>\n");
    }

    private static void Section(StringBuilder body, string pageDirectory, ExperimentReport report)
    {
        var context = report.Context;
        body.Append("<section class=\"experiment\" id=\"").Append(SectionId(report)).Append("\" data-experiment=\"")
            .Append(HtmlPage.Encode(report.Experiment)).Append("\">\n<h2>").Append(HtmlPage.Encode(report.Experiment));
        if (report.Profile is { } profile)
            body.Append(" <small>").Append(HtmlPage.Encode(profile)).Append(" profile</small>");
        body.Append("</h2>\n");
        if (report.Description.Trim().Length > 0)
            body.Append("<p>").Append(HtmlPage.Encode(report.Description.Trim())).Append("</p>\n");
        string reportLink = HtmlPage.RelativeLink(pageDirectory, report.Folder.Directory);
        body.Append("<p class=\"note\">Report folder: <a href=\"").Append(reportLink).Append("/report.md\">")
            .Append(HtmlPage.Encode(reportLink)).Append("/</a></p>\n");

        body.Append("<h3>Claims</h3>\n");
        if (report.Claims.Count == 0)
        {
            body.Append("<p>The config states no claims.</p>\n");
        }
        else
        {
            var claims = new ResultTable("claims", "Claims",
                ResultColumn.Text("claim"), ResultColumn.Text("paper"), ResultColumn.Number("measured"),
                ResultColumn.Text("check"), ResultColumn.Text("status"));
            foreach (var c in report.Claims)
                claims.AddRow(c.Claim, c.Paper, ResultCell.Of(c.Measured), $"{c.Comparison}\u00a0{CellFormat.Number(c.Threshold)}", c.Status);
            body.Append(new HtmlTableExporter().Export(claims, HtmlPage.Id("claims", report.Experiment, report.Profile), sortable: false, StatusClass));
        }

        var exporter = new HtmlTableExporter();
        foreach (var table in context.Tables)
        {
            body.Append("<h3>").Append(HtmlPage.Encode(table.Title)).Append(" <small>")
                .Append(string.Join(" · ", new[] { "csv", "md", "tex" }.Select(ext =>
                    $"<a href=\"{reportLink}/{Uri.EscapeDataString(table.Name)}.{ext}\">{ext}</a>")))
                .Append("</small></h3>\n");
            body.Append(exporter.Export(table, HtmlPage.Id("table", report.Experiment, report.Profile, table.Name), sortable: true));
        }

        if (context.Figures.Count > 0)
        {
            body.Append("<h3>Figures</h3>\n<div class=\"figures\">\n");
            foreach (var figure in context.Figures)
            {
                var files = FigureRenderer.Files(figure);
                string title = figure.Title.Length > 0 ? figure.Title : figure.Name;
                string Link(string file) => reportLink + "/" + Uri.EscapeDataString(file);
                body.Append("<figure data-figure=\"").Append(HtmlPage.Encode(figure.Name)).Append("\"><a href=\"").Append(Link(files.Svg))
                    .Append("\"><img src=\"").Append(Link(files.Svg)).Append("\" alt=\"").Append(HtmlPage.Encode(title)).Append("\"></a>")
                    .Append("<figcaption>").Append(HtmlPage.Encode(title)).Append(" <small><a href=\"").Append(Link(files.Png)).Append("\">png</a> · <a href=\"")
                    .Append(Link(files.Svg)).Append("\">svg</a> · <a href=\"").Append(Link(files.Data)).Append("\">data</a></small></figcaption></figure>\n");
            }
            body.Append("</div>\n");
        }

        if (context.Measures.Count > 0)
        {
            body.Append("<h3>Measures</h3>\n");
            body.Append(exporter.Export(ReportBuilder.MeasuresTable(context.Measures), HtmlPage.Id("measures", report.Experiment, report.Profile), sortable: true));
        }

        var runs = RunTable(context.Runs);
        string runsId = RunTableId(report);
        body.Append("<h3>Runs <small>").Append(context.Runs.Count.ToString(CultureInfo.InvariantCulture))
            .Append(context.Runs.Count == 1 ? " run" : " runs").Append("; click a column to sort</small></h3>\n");
        var filters = runs.Columns
            .Select((c, i) => (Column: c, Index: i))
            .Where(c => c.Column.Name == "status" || c.Column.Name.StartsWith(RunSummary.ParameterPrefix, StringComparison.Ordinal)
                        || c.Column.Name == "provenance.profile")
            .Select(c => (c.Column.Name, c.Column.Header,
                (IReadOnlyList<string>)runs.Rows.Select(r => r[c.Index]).Where(v => !v.IsEmpty)
                    .Select(v => MarkdownTableExporter.Display(c.Column, v)).Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal).ToList()))
            .ToList();
        body.Append(HtmlPage.FilterBar(runsId, filters));
        body.Append(exporter.Export(runs, runsId, sortable: true,
            (column, _, cell) => column.Name == "status" ? StatusClass(column, 0, cell) : null));
        body.Append("</section>\n");
    }

    /// <summary>The report's table of all runs with each run's provenance after its metrics.</summary>
    public static ResultTable RunTable(IReadOnlyList<RunRecord> runs)
    {
        var all = ReportBuilder.AllRunsTable(runs);
        var columns = all.Columns.ToList();
        foreach (var (key, header) in ProvenanceColumns)
            columns.Add(key is "seed" or "threads" ? ResultColumn.Integer("provenance." + key, header) : ResultColumn.Text("provenance." + key, header));
        columns.Add(ResultColumn.Number(WallColumn, "wall time (s)", decimals: 1));
        var table = new ResultTable(ReportBuilder.AllRunsTableName, all.Title, columns);
        for (int i = 0; i < runs.Count; i++)
        {
            var provenance = ReadProvenance(runs[i].RunDirectory);
            var cells = all.Rows[i].ToList();
            foreach (var (key, _) in ProvenanceColumns)
            {
                if (!provenance.TryGetValue(key, out var value))
                    cells.Add(ResultCell.Empty);
                else if (key is "seed" or "threads")
                    cells.Add(CellFormat.TryParse(value, out double n) ? ResultCell.Of(n) : ResultCell.Of(value));
                else if (key == "start_time" && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var started))
                    cells.Add(started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                else
                    cells.Add(key == "git_commit" && value.Length > 12 ? value[..12] : value);
            }
            cells.Add(WallSeconds(provenance));
            table.AddRow([.. cells]);
        }
        return table;
    }

    /// <summary>The scalar fields of a run's provenance.json as text; empty without one (or one that does not parse).</summary>
    public static IReadOnlyDictionary<string, string> ReadProvenance(string runDirectory)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string path = ResultPaths.Provenance(runDirectory);
        if (!File.Exists(path))
            return fields;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                return fields;
            foreach (var property in json.RootElement.EnumerateObject())
            {
                string? text = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.True => "yes",
                    JsonValueKind.False => "no",
                    _ => null,
                };
                if (text is not null)
                    fields[property.Name] = text;
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
        }
        return fields;
    }

    private static ResultCell WallSeconds(IReadOnlyDictionary<string, string> provenance)
    {
        if (provenance.TryGetValue("start_time", out var start) && provenance.TryGetValue("end_time", out var end)
            && DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.None, out var s)
            && DateTimeOffset.TryParse(end, CultureInfo.InvariantCulture, DateTimeStyles.None, out var e))
            return ResultCell.Of((e - s).TotalSeconds);
        return ResultCell.Empty;
    }

    /// <summary>pass, fail or missing as the class of a status cell.</summary>
    internal static string? StatusClass(ResultColumn column, int row, ResultCell cell) =>
        column.Name == "status" && cell.Text is { } status
            ? status switch
            {
                ClaimChecker.Pass or RunSummary.Ok => "pass",
                ClaimChecker.Fail or RunSummary.Failed => "fail",
                ClaimChecker.Missing => "missing",
                _ => null,
            }
            : null;

    private static string Num(int value) => $"<td class=\"num\" data-value=\"{value}\">{value}</td>";
}
