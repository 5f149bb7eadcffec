namespace Repro.Experiments;

/// <summary>
/// What an experiment's <see cref="IExperiment.Report"/> sees: the runs of its latest sweep, read from
/// <c>report/runs.csv</c> and each run's files only, so <c>repro report</c> can rebuild every table and figure
/// without training. The experiment adds tables, figures and measures; <see cref="ReportBuilder"/> writes them.
/// </summary>
public sealed class ReportContext
{
    private readonly List<ResultTable> tables = new();
    private readonly List<FigureSpec> figures = new();
    private readonly List<KeyValuePair<string, double>> measures = new();
    private string? referenceDirectory;

    public ReportContext(string experimentName, string experimentDirectory, IReadOnlyList<RunRecord> runs, string? reportDirectory = null)
    {
        ExperimentName = experimentName;
        ExperimentDirectory = experimentDirectory;
        ReportDirectory = reportDirectory ?? Path.Combine(experimentDirectory, ResultPaths.ReportFolderName);
        Runs = runs;
    }

    /// <summary>
    /// Reads the runs.csv of <paramref name="reportDirectory"/> (default <c>&lt;results&gt;/&lt;experiment&gt;/report</c>;
    /// another profile's is report-&lt;profile&gt;, see <see cref="ReportFolders"/>) and the summary.csv of every run it lists.
    /// </summary>
    public static ReportContext Load(string resultsDirectory, string experimentName, string? reportDirectory = null, MeasureCatalog? measures = null)
    {
        string experimentDirectory = ResultPaths.ExperimentDirectory(resultsDirectory, experimentName);
        reportDirectory ??= ResultPaths.ReportDirectory(resultsDirectory, experimentName);
        string runsFile = ResultPaths.Runs(reportDirectory);
        if (!File.Exists(runsFile))
            throw new ReproInputException($"{runsFile}: not found; it lists the runs to report and is written by 'repro run'");
        var data = CsvFiles.Read(runsFile);
        int idColumn = data.Require("run_id");
        var runs = new List<RunRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in data.Records)
        {
            string runId = record[idColumn].Trim();
            if (runId.Length == 0 || runId.IndexOfAny(['/', '\\']) >= 0 || runId is "." or "..")
                throw new ReproInputException($"{runsFile}:{record.Line}: bad run_id '{runId}'");
            if (seen.Add(runId))
                runs.Add(RunRecord.Load(ResultPaths.RunDirectory(resultsDirectory, experimentName, runId), runId));
        }
        return new ReportContext(experimentName, experimentDirectory, runs, reportDirectory) { DeclaredMeasures = measures };
    }

    public string ExperimentName { get; }

    /// <summary><c>&lt;results&gt;/&lt;experiment&gt;</c>.</summary>
    public string ExperimentDirectory { get; }

    /// <summary><c>&lt;results&gt;/&lt;experiment&gt;/report</c> (or report-&lt;profile&gt;), where every table and figure goes.</summary>
    public string ReportDirectory { get; }

    /// <summary>The runs of the latest sweep in runs.csv order, finished or not; see <see cref="RunRecord.Status"/>.</summary>
    public IReadOnlyList<RunRecord> Runs { get; }

    public IEnumerable<RunRecord> OkRuns => Runs.Where(r => r.IsOk);

    public IReadOnlyList<ResultTable> Tables => tables;

    public IReadOnlyList<FigureSpec> Figures => figures;

    /// <summary>Single numbers the claims can check (measures.csv), in the order added.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Measures => measures;

    /// <summary>The repository's reference/ folder (paper numbers); found by walking up to Repro.sln unless set.</summary>
    public string ReferenceDirectory
    {
        get => referenceDirectory ??= Path.Combine(RepositoryRoot.Find(), "reference");
        set => referenceDirectory = value;
    }

    public void AddTable(ResultTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        CheckFreeName(table.Name, "table");
        tables.Add(table);
    }

    public void AddFigure(FigureSpec figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        CheckFreeName(figure.Name, "figure");
        figures.Add(figure);
    }

    /// <summary>The experiment's declared measures (<see cref="IExperiment.Measures"/>); <see cref="AddMeasure"/> refuses a name outside them.</summary>
    public MeasureCatalog? DeclaredMeasures { get; init; }

    public void AddMeasure(string name, double value)
    {
        if (DeclaredMeasures is { } declared && !declared.Contains(name))
            throw new InvalidOperationException($"experiment '{ExperimentName}' reports measure '{name}', which it does not declare in its Measures");
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny([',', '"', '\n', '\r']) >= 0)
            throw new ArgumentException($"measure name '{name}' must be non-empty, without commas, quotes or line breaks");
        if (measures.Exists(m => m.Key == name))
            throw new InvalidOperationException($"measure '{name}' was added twice");
        measures.Add(new(name, value));
    }

    /// <summary>A paper table from reference/ (e.g. "zhang2017_imagenet.csv"), every cell as text.</summary>
    public ResultTable ReferenceTable(string fileName)
    {
        var data = ReferenceData(fileName);
        string name = Path.GetFileNameWithoutExtension(data.Source).ToLowerInvariant();
        return CsvTableExporter.ToTable(data, name, name);
    }

    /// <summary>
    /// A paper table from reference/ as read, for numbers: <see cref="CsvData.Number"/> names file, line and column
    /// of a cell that is not one.
    /// </summary>
    public CsvData ReferenceData(string fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName) || fileName.IndexOfAny(['/', '\\']) >= 0)
            throw new ArgumentException($"reference table '{fileName}' must be a file name in reference/");
        string file = Path.HasExtension(fileName) ? fileName : fileName + ".csv";
        string path = Path.Combine(ReferenceDirectory, file);
        if (!File.Exists(path))
            throw new ReproInputException($"{path}: reference table not found");
        return CsvFiles.Read(path);
    }

    private void CheckFreeName(string name, string what)
    {
        if (ReportBuilder.ReservedNames.Contains(name))
            throw new InvalidOperationException($"{what} name '{name}' is reserved for the report's own files");
        if (tables.Exists(t => t.Name == name) || figures.Exists(f => f.Name == name))
            throw new InvalidOperationException($"a table or figure named '{name}' was already added");
    }
}
