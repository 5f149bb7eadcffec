using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Repro.Runner;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

/// <summary>
/// run, report and verify through the CLI with the real report builder (the toy experiment adds no tables of its
/// own, so every report is its runs table, measures and claims): reports per profile, claims a config declares but
/// no report measured, corrupt CSV cells and results folders that cannot be written.
/// </summary>
public sealed class ReportCliTests : IDisposable
{
    // quick states one claim, smoke none: a smoke report in place of the quick one would drop it.
    private const string ToyConfig =
        "experiment: toy\n" +
        "profiles:\n  smoke: {options: {train: {epochs: 1}}, claims: []}\n  quick: {}\n" +
        "claims: [{name: toy accuracy above chance, metric: test_accuracy, compare: \">\", threshold: 0.5}]\n";

    private readonly TempFolder folder = new();
    private readonly ToyExperiment toy = new();

    public void Dispose() => folder.Dispose();

    private (int Code, string Out, string Error) Repro(params string[] args) =>
        CapturedCli.Invoke(args, (output, error) => new Runner.CliEnvironment
        {
            Out = output,
            Error = error,
            Registry = new ExperimentRegistry([toy]),
            Engine = () => new FakeEngine(),
        });

    private string Results => folder.Combine("results");

    private string Config => folder.Write("toy.yaml", ToyConfig);

    private string ReportFile(string report, string file) => Path.Combine(Results, "toy", report, file);

    private static void AssertOneLine(string error, string expected) => Assert.Equal(expected + Environment.NewLine, error);

    private string OnlyRun(string report) => File.ReadAllLines(ReportFile(report, ResultPaths.RunsFileName))[1];

    [Fact]
    public void A_run_of_another_profile_keeps_the_report_and_claims_of_the_folders_profile()
    {
        string config = Config;
        Assert.Equal(0, Repro("run", config, "--results", Results).Code);
        string claims = File.ReadAllText(ReportFile("report", "claims.csv"));
        Assert.Contains("toy accuracy above chance", claims);
        string quickRun = OnlyRun("report");

        var smoke = Repro("run", config, "--profile", "smoke", "--results", Results);
        Assert.Equal((0, ""), (smoke.Code, smoke.Error));

        Assert.Equal(claims, File.ReadAllText(ReportFile("report", "claims.csv")));
        Assert.Equal(quickRun, OnlyRun("report"));
        string smokeRun = OnlyRun("report-smoke");
        Assert.NotEqual(quickRun, smokeRun);
        Assert.Contains(smokeRun, File.ReadAllText(ReportFile("report-smoke", "report.md")));

        var verify = Repro("verify", Results);
        Assert.Equal((0, ""), (verify.Code, verify.Error));
        Assert.Contains("1 of 1 claims hold", verify.Out);

        // Rebuilding keeps each profile in its own folder; a second quick sweep goes back to report/.
        var report = Repro("report", Results);
        Assert.Equal(0, report.Code);
        Assert.Contains($"toy: report written to {Path.Combine(Results, "toy", "report")}", report.Out);
        Assert.Contains($"toy: report written to {Path.Combine(Results, "toy", "report-smoke")}", report.Out);
        Assert.Equal(claims, File.ReadAllText(ReportFile("report", "claims.csv")));
        Assert.Equal(smokeRun, OnlyRun("report-smoke"));

        Assert.Equal(0, Repro("run", config, "--results", Results, "--set", "seed=5").Code);
        Assert.NotEqual(quickRun, OnlyRun("report"));
        Assert.Equal(smokeRun, OnlyRun("report-smoke"));
    }

    [Fact]
    public void Verify_fails_on_a_claim_a_config_declares_for_a_profile_that_no_report_measured()
    {
        string config = Config;
        Assert.Equal(0, Repro("run", config, "--results", Results).Code);
        // The quick sweep's report is lost; the smoke sweep that follows has no claims of its own.
        Directory.Delete(Path.Combine(Results, "toy", "report"), recursive: true);
        Assert.Equal(0, Repro("run", config, "--profile", "smoke", "--results", Results).Code);

        var (code, output, error) = Repro("verify", Results);
        Assert.Equal(1, code);
        AssertOneLine(error,
            $"{Path.Combine(Results, "toy")}: claim 'toy accuracy above chance' that {config} declares for profile quick " +
            $"is in no report (repro run {config} --profile quick --results {Results} builds it)");
        Assert.Contains("MISSING", output);
        Assert.Contains("0 of 1 claims hold", output);
    }

    [Fact]
    public void Verify_fails_on_a_claim_a_report_left_out()
    {
        string config = Config;
        Assert.Equal(0, Repro("run", config, "--results", Results).Code);
        string claimsFile = ReportFile("report", "claims.csv");
        File.WriteAllText(claimsFile, File.ReadAllLines(claimsFile)[0] + "\n");

        var (code, output, error) = Repro("verify", Results);
        Assert.Equal(1, code);
        AssertOneLine(error,
            $"{claimsFile}: claim 'toy accuracy above chance' that {config} declares for profile quick is missing " +
            $"(repro report {Path.Combine(Results, "toy")} measures it)");
        Assert.Contains("0 of 1 claims hold", output);

        Assert.Equal(0, Repro("report", Results).Code);
        Assert.Equal(0, Repro("verify", Results).Code);
    }

    [Fact]
    public void Verify_without_reports_writes_its_error_to_stderr()
    {
        Directory.CreateDirectory(Results);
        var (code, output, error) = Repro("verify", Results);
        Assert.Equal((2, ""), (code, output));
        AssertOneLine(error, $"{Results}: no claims.csv found; run 'repro report' first");
    }

    [Fact]
    public void A_corrupt_number_in_summary_csv_exits_2_naming_file_line_and_column()
    {
        Assert.Equal(0, Repro("run", Config, "--results", Results).Code);
        string path = Path.Combine(Results, "toy", OnlyRun("report"), ResultPaths.SummaryFileName);
        var lines = File.ReadAllLines(path);
        int column = Array.IndexOf(lines[0].Split(','), "test_accuracy");
        var cells = lines[1].Split(',');
        cells[column] = "0.9x";
        File.WriteAllText(path, lines[0] + "\n" + string.Join(',', cells) + "\n");

        var (code, output, error) = Repro("report", Results);
        Assert.Equal(2, code);
        Assert.DoesNotContain("report written", output);
        AssertOneLine(error, $"{path}:2: column 'test_accuracy' holds '0.9x', not a number");
        Assert.DoesNotContain("NaN", File.ReadAllText(ReportFile("report", "report.md")));
    }

    [Fact]
    public void A_corrupt_number_in_claims_csv_exits_2_naming_file_line_and_column()
    {
        Assert.Equal(0, Repro("run", Config, "--results", Results).Code);
        string claimsFile = ReportFile("report", "claims.csv");
        File.WriteAllText(claimsFile, File.ReadAllText(claimsFile).Replace(",0.9,", ",0.9%,"));

        var (code, _, error) = Repro("verify", Results);
        Assert.Equal(2, code);
        AssertOneLine(error, $"{claimsFile}:2: column 'measured' holds '0.9%', not a number");
    }

    [Fact]
    public void A_results_path_that_is_a_file_exits_2_before_anything_runs()
    {
        string file = folder.Write("results.txt", "not a folder\n");
        string config = Config;

        var run = Repro("run", config, "--results", file);
        Assert.Equal(2, run.Code);
        AssertOneLine(run.Error, $"--results {file}: a file, not a folder");
        Assert.Equal(0, toy.RunCount);

        var below = Repro("run", config, "--results", Path.Combine(file, "results"));
        Assert.Equal(2, below.Code);
        AssertOneLine(below.Error, $"--results {Path.Combine(file, "results")}: {file} is a file, not a folder");

        var report = Repro("report", file);
        Assert.Equal(2, report.Code);
        AssertOneLine(report.Error, $"{file}: a file, not a results folder");

        var verify = Repro("verify", file);
        Assert.Equal(2, verify.Code);
        AssertOneLine(verify.Error, $"{file}: a file, not a results folder");
    }
}
