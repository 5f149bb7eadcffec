namespace Repro.Experiments.Running;

/// <summary>
/// Every file and folder name of the results layout, in one place:
/// <c>&lt;results&gt;/&lt;experiment&gt;/&lt;run-id&gt;/</c> holds config.yaml, provenance.json, metrics.csv, summary.csv
/// and run.log; <c>&lt;results&gt;/&lt;experiment&gt;/report/</c> holds runs.csv, tables, figures, measures.csv,
/// claims.csv and report.md, and <c>report-&lt;profile&gt;/</c> the same for the sweep of another profile (see ReportFolders). A run trained by a Slurm array task also holds its claim (claim.N) while it trains;
/// <c>&lt;results&gt;/.slurm/</c> holds each submission's batch script and task list and the tasks' logs.
/// A nightly check's results folder (<c>results-nightly/&lt;UTC date-time&gt;/</c>) also holds nightly.md, its
/// comparison with the baseline.
/// Beside the results, hidden: <c>&lt;results&gt;/.repro.lock</c>, held by the <c>repro run</c> at work on the folder;
/// <c>&lt;experiment&gt;/.&lt;run-id&gt;.lock</c>, held by the process training that run; and, while a finished run is
/// trained again (<c>--force</c>), <c>.&lt;run-id&gt;.rerun/</c> (the new attempt) and, only where the file system
/// cannot swap two folders in one rename, <c>.&lt;run-id&gt;.replaced/</c> (the earlier result, for a moment).
/// </summary>
public static class ResultPaths
{
    public const string DefaultResultsDirectory = "results";
    public const string ConfigFileName = "config.yaml";
    public const string ProvenanceFileName = "provenance.json";
    public const string MetricsFileName = "metrics.csv";
    public const string SummaryFileName = "summary.csv";
    public const string LogFileName = "run.log";
    public const string ReportFolderName = "report";
    public const string ProfileReportPrefix = "report-";
    public const string RunsFileName = "runs.csv";
    public const string MeasuresFileName = "measures.csv";
    public const string ClaimsFileName = "claims.csv";
    public const string ReportFileName = "report.md";
    public const string ResultsPageFileName = "index.html";
    public const string ClaimFilePrefix = "claim.";
    public const string SlurmFolderName = ".slurm";
    public const string NightlyResultsDirectory = "results-nightly";
    public const string NightlyReportFileName = "nightly.md";
    public const string ResultsLockFileName = ".repro.lock";
    public const string RunLockSuffix = ".lock";
    public const string RerunSuffix = ".rerun";
    public const string ReplacedSuffix = ".replaced";

    public static string ExperimentDirectory(string resultsDirectory, string experiment) =>
        Path.Combine(resultsDirectory, experiment);

    public static string RunDirectory(string resultsDirectory, string experiment, string runId) =>
        Path.Combine(resultsDirectory, experiment, runId);

    /// <summary>The static results page of a results folder (or of one experiment's folder), written by <c>repro report</c>.</summary>
    public static string ResultsPage(string directory) => Path.Combine(directory, ResultsPageFileName);

    /// <summary>The comparison a nightly check writes into its results folder.</summary>
    public static string NightlyReport(string resultsDirectory) => Path.Combine(resultsDirectory, NightlyReportFileName);

    public static string Config(string runDirectory) => Path.Combine(runDirectory, ConfigFileName);

    public static string Provenance(string runDirectory) => Path.Combine(runDirectory, ProvenanceFileName);

    public static string Metrics(string runDirectory) => Path.Combine(runDirectory, MetricsFileName);

    public static string Summary(string runDirectory) => Path.Combine(runDirectory, SummaryFileName);

    public static string Log(string runDirectory) => Path.Combine(runDirectory, LogFileName);

    /// <summary>Generation <paramref name="generation"/> of a run's claim: the task training it (see RunClaims).</summary>
    public static string Claim(string runDirectory, int generation) =>
        Path.Combine(runDirectory, ClaimFilePrefix + generation.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The lock of a results folder: held by the <c>repro run</c> (or Slurm submission) at work on it.</summary>
    public static string ResultsLock(string resultsDirectory) => Path.Combine(resultsDirectory, ResultsLockFileName);

    /// <summary>The lock of one run, beside its folder (so that it stays put when the folder is replaced): held by the process training it.</summary>
    public static string RunLock(string runDirectory) => Sibling(runDirectory, RunLockSuffix);

    /// <summary>Where a finished run is trained again; it replaces the run folder only once it holds a complete result.</summary>
    public static string Rerun(string runDirectory) => Sibling(runDirectory, RerunSuffix);

    /// <summary>Where the earlier result waits, for the moment between two renames, where folders cannot be swapped in one.</summary>
    public static string Replaced(string runDirectory) => Sibling(runDirectory, ReplacedSuffix);

    /// <summary>A hidden name beside a run folder: <c>&lt;experiment&gt;/.&lt;run-id&gt;&lt;suffix&gt;</c>.</summary>
    private static string Sibling(string runDirectory, string suffix)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(runDirectory);
        return Path.Combine(Path.GetDirectoryName(trimmed) ?? "", "." + Path.GetFileName(trimmed) + suffix);
    }

    /// <summary>The folder of Slurm submissions of a results folder.</summary>
    public static string SlurmDirectory(string resultsDirectory) => Path.Combine(resultsDirectory, SlurmFolderName);

    /// <summary>The batch script a Slurm job was submitted with.</summary>
    public static string SlurmScript(string resultsDirectory, string jobId) =>
        Path.Combine(resultsDirectory, SlurmFolderName, $"{jobId}.sbatch");

    /// <summary>The runs of a Slurm job array: task, experiment, run_id.</summary>
    public static string SlurmTasks(string resultsDirectory, string jobId) =>
        Path.Combine(resultsDirectory, SlurmFolderName, $"{jobId}.tasks.csv");

    /// <summary>Where the array tasks' standard output and error go, one file per task.</summary>
    public static string SlurmLogDirectory(string resultsDirectory) => Path.Combine(resultsDirectory, SlurmFolderName, "logs");

    /// <summary>The log of one array task (<paramref name="task"/> as in 12_3).</summary>
    public static string SlurmLog(string resultsDirectory, string task) =>
        Path.Combine(SlurmLogDirectory(resultsDirectory), $"{task}.out");

    public static string ReportDirectory(string resultsDirectory, string experiment) =>
        Path.Combine(resultsDirectory, experiment, ReportFolderName);

    /// <summary>report-&lt;profile&gt;/: the report of a profile other than the one report/ holds.</summary>
    public static string ProfileReportDirectory(string resultsDirectory, string experiment, string profile) =>
        Path.Combine(resultsDirectory, experiment, ProfileReportPrefix + profile);

    /// <summary>report/runs.csv: the run ids of the latest sweep of an experiment.</summary>
    public static string Runs(string reportDirectory) => Path.Combine(reportDirectory, RunsFileName);

    public static string Measures(string reportDirectory) => Path.Combine(reportDirectory, MeasuresFileName);

    public static string Claims(string reportDirectory) => Path.Combine(reportDirectory, ClaimsFileName);

    public static string Report(string reportDirectory) => Path.Combine(reportDirectory, ReportFileName);

    /// <summary>A table's file: <paramref name="extension"/> is csv, md or tex.</summary>
    public static string Table(string reportDirectory, string name, string extension) =>
        Path.Combine(reportDirectory, $"{name}.{extension}");

    /// <summary>A figure's image: <paramref name="extension"/> is png or svg.</summary>
    public static string Figure(string reportDirectory, string name, string extension) =>
        Path.Combine(reportDirectory, $"{name}.{extension}");

    /// <summary>The CSV a figure is drawn from, kept beside it so anyone can replot it.</summary>
    public static string FigureData(string reportDirectory, string name) =>
        Path.Combine(reportDirectory, $"{name}.data.csv");

    /// <summary>True for a folder name that looks like a run id (12 lowercase hex digits).</summary>
    public static bool IsRunId(string name) =>
        name.Length == 12 && name.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
