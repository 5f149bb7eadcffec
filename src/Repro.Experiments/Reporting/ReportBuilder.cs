using System.Text;

namespace Repro.Experiments.Reporting;

/// <summary>What one report build wrote, as file names relative to the report folder.</summary>
public sealed record ReportOutcome(
    string Experiment,
    string ReportDirectory,
    IReadOnlyList<string> Files,
    IReadOnlyList<ClaimResult> Claims)
{
    public bool ClaimsHold => Claims.All(c => c.Passed);
}

/// <summary>
/// Builds an experiment's report folder from files only: reads the runs (<see cref="ReportContext.Load"/>), lets the
/// experiment add its tables, figures and measures, adds the table of all runs, then writes every table as CSV,
/// Markdown and LaTeX, every figure as its data CSV and the PNG and SVG drawn from it, measures.csv, claims.csv and
/// report.md. Running it again on the same (or a copied) results folder writes the same bytes.
/// </summary>
public static class ReportBuilder
{
    /// <summary>The table of every run (id, status, parameters, final metrics) that each report gets.</summary>
    public const string AllRunsTableName = "all_runs";

    /// <summary>Names an experiment cannot give a table or figure: the report's own files use them.</summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.Ordinal)
    {
        Path.GetFileNameWithoutExtension(ResultPaths.RunsFileName),
        Path.GetFileNameWithoutExtension(ResultPaths.MeasuresFileName),
        Path.GetFileNameWithoutExtension(ResultPaths.ClaimsFileName),
        Path.GetFileNameWithoutExtension(ResultPaths.ReportFileName),
        AllRunsTableName,
    };

    /// <param name="claims">The config's claims; null reads them from the config.yaml of the first run that has one.</param>
    /// <param name="renderer">Draws the figures; null uses a default <see cref="FigureRenderer"/>.</param>
    /// <param name="renderFigures">False writes each figure's data CSV but draws no PNG or SVG.</param>
    /// <param name="reportDirectory">The report folder, whose runs.csv names the sweep; null is report/ (see <see cref="ReportFolders"/>).</param>
    public static ReportOutcome Build(
        string resultsDirectory,
        string experimentName,
        IExperiment experiment,
        IReadOnlyList<ClaimSpec>? claims = null,
        FigureRenderer? renderer = null,
        bool renderFigures = true,
        string? reportDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var context = ReportContext.Load(resultsDirectory, experimentName, reportDirectory, experiment.Measures);
        experiment.Report(context);
        claims ??= ClaimsFromRuns(context.Runs);

        string dir = context.ReportDirectory;
        Directory.CreateDirectory(dir);
        var files = new List<string>();
        void Write(string path, string content)
        {
            AtomicFile.WriteAllText(path, content);
            files.Add(Path.GetFileName(path));
        }

        var tables = context.Tables.Append(AllRunsTable(context.Runs)).ToList();
        foreach (var table in tables)
            foreach (var exporter in TableExporters.Default)
                Write(ResultPaths.Table(dir, table.Name, exporter.Extension), exporter.Export(table));

        renderer ??= new FigureRenderer();
        foreach (var figure in context.Figures)
            files.Add(renderer.WriteData(figure, dir).Data);

        var measures = MeasuresTable(context.Measures);
        Write(ResultPaths.Measures(dir), new CsvTableExporter().Export(measures));

        var claimResults = ClaimChecker.EvaluateAll(claims, context.Measures, context.Runs);
        Write(ResultPaths.Claims(dir), ClaimChecker.ToCsv(claimResults));

        Write(ResultPaths.Report(dir), ReportMarkdown(experiment, context, tables, measures, claimResults));

        // Images last, each drawn from the data CSV just written: every text file is in place if one fails.
        if (renderFigures)
        {
            foreach (var figure in context.Figures)
            {
                renderer.DrawFiles(figure, dir);
                var written = FigureRenderer.Files(figure);
                files.Add(written.Png);
                files.Add(written.Svg);
            }
        }
        return new ReportOutcome(experimentName, dir, files, claimResults);
    }

    /// <summary>
    /// <c>repro report DIR</c>: rebuilds every report (one per profile, see <see cref="ReportFolders"/>) of the
    /// experiment folder <paramref name="directory"/>, or of every experiment folder under it that has one. The
    /// experiment is looked up by its folder name.
    /// </summary>
    public static IReadOnlyList<ReportOutcome> BuildAll(
        string directory,
        Func<string, IExperiment?> findExperiment,
        FigureRenderer? renderer = null,
        bool renderFigures = true)
    {
        var outcomes = new List<ReportOutcome>();
        foreach (var folder in ReportFolders.Find(directory))
        {
            var experiment = findExperiment(folder.Experiment)
                ?? throw new ReproInputException($"{folder.ExperimentDirectory}: no experiment named '{folder.Experiment}' is registered");
            outcomes.Add(Build(folder.ResultsDirectory, folder.Experiment, experiment, null, renderer, renderFigures, folder.Directory));
        }
        return outcomes;
    }

    /// <summary>One row per run: id, status, reason, every swept parameter, every final metric.</summary>
    public static ResultTable AllRunsTable(IReadOnlyList<RunRecord> runs)
    {
        var parameterKeys = runs.SelectMany(r => r.ParameterNames).Distinct(StringComparer.Ordinal).ToList();
        var metricNames = runs.SelectMany(r => r.MetricNames).Distinct(StringComparer.Ordinal).ToList();
        var columns = new List<ResultColumn>
        {
            ResultColumn.Text("run_id"), ResultColumn.Text("status"), ResultColumn.Text("reason"),
        };
        columns.AddRange(parameterKeys.Select(k => ResultColumn.Text(RunSummary.ParameterPrefix + k, k)));
        columns.AddRange(metricNames.Select(m => ResultColumn.Number(m)));
        var table = new ResultTable(AllRunsTableName, "All runs", columns);
        foreach (var run in runs)
        {
            var cells = new List<ResultCell> { run.RunId, run.Status, ResultCell.Of(run.Reason.Length == 0 ? null : run.Reason) };
            cells.AddRange(parameterKeys.Select(k => ResultCell.Of(run.Parameter(k))));
            cells.AddRange(metricNames.Select(m => ResultCell.Of(run.Metric(m))));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    public static ResultTable MeasuresTable(IEnumerable<KeyValuePair<string, double>> measures)
    {
        var table = new ResultTable("measures", "Measures", ResultColumn.Text("name", "measure"), ResultColumn.Number("value"));
        foreach (var (name, value) in measures)
            table.AddRow(name, value);
        return table;
    }

    /// <summary>Claims come from the config; every run of a sweep carries the same ones in its config.yaml.</summary>
    public static IReadOnlyList<ClaimSpec> ClaimsFromRuns(IReadOnlyList<RunRecord> runs)
    {
        foreach (var run in runs)
            if (File.Exists(ResultPaths.Config(run.RunDirectory)))
                return run.ReadClaims();
        return [];
    }

    private static string ReportMarkdown(
        IExperiment experiment, ReportContext context, IReadOnlyList<ResultTable> tables, ResultTable measures,
        IReadOnlyList<ClaimResult> claims)
    {
        var md = new MarkdownTableExporter();
        var sb = new StringBuilder();
        sb.Append("# ").Append(context.ExperimentName).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(experiment.Description))
            sb.Append(experiment.Description.Trim()).Append("\n\n");
        int ok = context.Runs.Count(r => r.IsOk);
        int failed = context.Runs.Count(r => r.Status == RunSummary.Failed);
        int missing = context.Runs.Count - ok - failed;
        sb.Append($"Runs: {context.Runs.Count} ({ok} ok, {failed} failed, {missing} missing). ")
          .Append("Every file here is rebuilt from the run folders by `repro report`.\n\n");

        sb.Append("## Claims\n\n");
        if (claims.Count == 0)
        {
            sb.Append("The config states no claims.\n\n");
        }
        else
        {
            var table = new ResultTable("claims", "Claims",
                ResultColumn.Text("claim"), ResultColumn.Text("paper"), ResultColumn.Number("measured"),
                ResultColumn.Text("check"), ResultColumn.Text("status"));
            foreach (var c in claims)
                table.AddRow(c.Claim, c.Paper, ResultCell.Of(c.Measured), $"{c.Comparison} {CellFormat.Number(c.Threshold)}",
                    c.Passed ? ClaimChecker.Pass : c.Status.ToUpperInvariant());
            sb.Append(md.Export(table)).Append('\n');
            sb.Append($"{claims.Count(c => c.Passed)} of {claims.Count} claims hold.\n\n");
        }

        var own = tables.Where(t => t.Name != AllRunsTableName).ToList();
        if (own.Count > 0)
        {
            sb.Append("## Tables\n\n");
            foreach (var table in own)
            {
                sb.Append("### ").Append(table.Title).Append("\n\n");
                sb.Append(md.Export(table)).Append('\n');
                sb.Append($"Files: [{table.Name}.csv]({table.Name}.csv), [{table.Name}.tex]({table.Name}.tex)\n\n");
            }
        }

        if (context.Figures.Count > 0)
        {
            sb.Append("## Figures\n\n");
            foreach (var figure in context.Figures)
            {
                string title = figure.Title.Length > 0 ? figure.Title : figure.Name;
                sb.Append("### ").Append(title).Append("\n\n");
                sb.Append($"![{title}]({figure.Name}.png)\n\n");
                var written = FigureRenderer.Files(figure);
                sb.Append($"Files: [{written.Svg}]({written.Svg}), [{written.Data}]({written.Data})\n\n");
            }
        }

        if (measures.Rows.Count > 0)
        {
            sb.Append("## Measures\n\n");
            sb.Append(md.Export(measures)).Append('\n');
        }

        sb.Append("## Runs\n\n");
        sb.Append(md.Export(tables.Single(t => t.Name == AllRunsTableName)));
        return sb.ToString();
    }
}
