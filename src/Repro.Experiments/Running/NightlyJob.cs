using System.Text;
using CompareOptions = Repro.Experiments.Reporting.CompareOptions;

namespace Repro.Experiments.Running;

/// <summary>The sweep a nightly check asks for: what <c>repro run</c> gets, with a results folder of its own.</summary>
public sealed record NightlySweep(IReadOnlyList<string> Configs, string Profile, IReadOnlyList<string> Overrides, string ResultsDirectory);

/// <summary>Settings of one <c>repro nightly</c>.</summary>
public sealed class NightlySettings
{
    /// <summary>Config files to run; empty runs every <c>configs/*.yaml</c>.</summary>
    public IReadOnlyList<string> Configs { get; init; } = [];

    public string Profile { get; init; } = ConfigResolver.DefaultProfile;

    /// <summary><c>--set key=value</c> overrides, applied to every config.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>Where the runs go; null: a new folder <c>results-nightly/&lt;UTC date-time&gt;</c>.</summary>
    public string? ResultsDirectory { get; init; }

    /// <summary>The results folder the runs are compared with: by default the committed <c>results/</c>.</summary>
    public string BaselineDirectory { get; init; } = ResultPaths.DefaultResultsDirectory;

    /// <summary>Tolerances from the command line; each run's config supplies the rest.</summary>
    public CompareOptions Compare { get; init; } = new();
}

/// <summary>What a nightly check found; <see cref="ExitCode"/> is 1 on a regression or a failed run.</summary>
public sealed record NightlyOutcome(string ResultsDirectory, int SweepExitCode, ComparisonReport? Comparison, string? ReportFile)
{
    public const string Pass = "PASS";
    public const string Regression = "REGRESSION";
    public const string RunFailed = "RUN FAILED";

    /// <summary>The sweep's code when it did not finish (bad input 2, cancelled 130), else 1 for a failed run or a regression.</summary>
    public int ExitCode => Comparison is null ? SweepExitCode : SweepExitCode != 0 ? 1 : Comparison.ExitCode;

    public string Verdict => SweepExitCode != 0 ? RunFailed : Comparison?.ExitCode == 0 ? Pass : Regression;
}

/// <summary>
/// <c>repro nightly</c>: runs the configs at a profile into a new dated results folder, compares it with the
/// baseline folder (each run's tolerances; timings reported, not judged), writes the comparison to
/// <c>nightly.md</c> in that folder and prints its summary. The sweep is <c>repro run</c>'s, handed in as
/// <c>runSweep</c> (it returns run's exit code), so a nightly run is trained, resumed and launched the same way.
/// </summary>
public sealed class NightlyJob
{
    public const string DefaultConfigFolder = "configs";

    private readonly NightlySettings settings;
    private readonly Func<NightlySweep, int> runSweep;
    private readonly TextWriter output;
    private readonly TimeProvider clock;

    public NightlyJob(NightlySettings settings, Func<NightlySweep, int> runSweep, TextWriter output, TimeProvider? clock = null)
    {
        this.settings = settings;
        this.runSweep = runSweep;
        this.output = output;
        this.clock = clock ?? TimeProvider.System;
    }

    /// <summary><c>results-nightly/2025-06-01T021500Z</c>: sorts by time and holds no character a file system refuses.</summary>
    public static string DatedResultsDirectory(DateTimeOffset utc) =>
        Path.Combine(ResultPaths.NightlyResultsDirectory, utc.UtcDateTime.ToString("yyyy-MM-dd'T'HHmmss'Z'", CultureInfo.InvariantCulture));

    /// <summary>Every <c>configs/*.yaml</c> in name order; bad input when there is none.</summary>
    public static IReadOnlyList<string> DefaultConfigs(string folder = DefaultConfigFolder)
    {
        var files = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
            throw new ReproInputException($"{Path.Combine(folder, "*.yaml")}: no config files; name the configs or run from the repository root");
        return files;
    }

    public NightlyOutcome Run()
    {
        var started = clock.GetUtcNow();
        var configs = settings.Configs.Count > 0 ? settings.Configs : DefaultConfigs();
        string results = settings.ResultsDirectory ?? DatedResultsDirectory(started);
        string baseline = settings.BaselineDirectory;
        // A missing baseline fails now, not after a night of training.
        if (Comparer.ExperimentNames(baseline, "baseline").Count == 0)
            throw new ReproInputException($"{baseline}: no runs found in the baseline (expected <experiment>/<run-id>/summary.csv)");
        if (SameFolder(results, baseline))
            throw new ReproInputException($"--results {results}: that is the baseline folder; the nightly runs need a folder of their own");

        int sweepCode = runSweep(new NightlySweep(configs, settings.Profile, settings.Overrides, results));
        if (sweepCode is not (0 or 1))
            return new NightlyOutcome(results, sweepCode, null, null);

        // Only the experiments this night ran are compared; the baseline may hold more.
        Directory.CreateDirectory(results);
        var ran = Comparer.ExperimentNames(results, "candidate");
        var options = new CompareOptions { Default = settings.Compare.Default, Experiments = ran.ToHashSet(StringComparer.Ordinal) };
        foreach (var (metric, tolerance) in settings.Compare.Metrics)
            options.Metrics[metric] = tolerance;
        var comparison = Comparer.Run(baseline, results, options);
        string reportFile = ResultPaths.NightlyReport(results);
        var outcome = new NightlyOutcome(results, sweepCode, comparison, reportFile);
        AtomicFile.WriteAllText(reportFile, Markdown(outcome, configs, started));

        output.WriteLine($"nightly: {SummaryLine(outcome)}");
        foreach (var failure in comparison.Failures)
            output.WriteLine(Comparer.Explain(failure));
        output.WriteLine($"comparison with {baseline}: {reportFile}");
        return outcome;
    }

    /// <summary>"PASS: 7 metrics within tolerance, 1 timing reported (not judged)", with a note when a run failed.</summary>
    public static string SummaryLine(NightlyOutcome outcome)
    {
        string comparison = outcome.Comparison is { } c ? Comparer.Summary(c) : "not compared";
        return outcome.SweepExitCode == 0
            ? $"{outcome.Verdict}: {comparison}"
            : $"{outcome.Verdict}: a run failed (repro status {outcome.ResultsDirectory}); {comparison}";
    }

    /// <summary>
    /// nightly.md: the verdict and summary first, what ran against what, then per experiment the judged metrics
    /// (baseline, candidate, delta, tolerance, status), the timings as reported, and the pairing notes.
    /// </summary>
    private string Markdown(NightlyOutcome outcome, IReadOnlyList<string> configs, DateTimeOffset started)
    {
        var comparison = outcome.Comparison!;
        var exporter = new MarkdownTableExporter();
        var md = new StringBuilder();
        md.Append($"# Nightly check: {outcome.Verdict}\n\n");
        md.Append(SummaryLine(outcome)).Append("\n\n");

        var about = new ResultTable("nightly", "Nightly check", ResultColumn.Text("setting"), ResultColumn.Text("value"));
        about.AddRow("started (UTC)", started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        about.AddRow("candidate", outcome.ResultsDirectory);
        about.AddRow("baseline", settings.BaselineDirectory);
        about.AddRow("profile", settings.Profile);
        about.AddRow("configs", string.Join(" ", configs));
        if (settings.Overrides.Count > 0)
            about.AddRow("overrides", string.Join(" ", settings.Overrides.Select(o => "--set " + o)));
        about.AddRow("repro run", outcome.SweepExitCode == 0 ? "every run ok" : $"exit {outcome.SweepExitCode} (a run failed)");
        md.Append(exporter.Export(about)).Append('\n');

        var failures = comparison.Failures.ToList();
        if (failures.Count > 0)
        {
            md.Append("## Past tolerance or missing\n\n");
            foreach (var failure in failures)
                md.Append("- ").Append(Comparer.Explain(failure)).Append('\n');
            md.Append('\n');
        }

        foreach (var experiment in Comparer.Experiments(comparison))
        {
            md.Append($"## {experiment}\n\n");
            var rows = comparison.Metrics.Where(m => m.Experiment == experiment).ToList();
            var judged = rows.Where(m => m.Judged).ToList();
            if (judged.Count > 0)
                md.Append(exporter.Export(Comparer.Table(judged, withExperiment: false))).Append('\n');
            var timings = rows.Where(m => !m.Judged).ToList();
            if (timings.Count > 0)
            {
                md.Append("Timings, reported and not judged (an entry under the config's `tolerances:` makes one count):\n\n");
                md.Append(exporter.Export(Comparer.Table(timings, withExperiment: false))).Append('\n');
            }
            var notes = Comparer.Notes(comparison, experiment).ToList();
            if (notes.Count > 0)
                md.Append("```\n").Append(string.Join("\n", notes)).Append("\n```\n\n");
        }
        return md.ToString().TrimEnd('\n') + "\n";
    }

    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar),
            StringComparison.Ordinal);
}
