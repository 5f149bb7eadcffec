using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Running;

/// <summary>The nightly check with a sweep that writes run folders by hand: what it asks for, compares and writes.</summary>
public sealed class NightlyJobTests : IDisposable
{
    private static readonly (string, string)[] Width8 = [("options.width", "8")];

    private readonly FakeResults baseline = new();
    private readonly FakeResults candidate = new();
    private readonly List<NightlySweep> sweeps = [];

    public NightlyJobTests()
    {
        baseline.AddRun("toy", "base01", "ok", Width8, [("test_accuracy", 0.9), ("train_seconds", 10)],
            configYaml: FakeResults.Config("toy", Width8, tolerances: "  test_accuracy: {abs: 0.01}\n"));
        // An experiment this night does not run: it is not compared and not missing.
        baseline.AddRun("other", "base02", "ok", [], [("test_accuracy", 0.5)]);
    }

    public void Dispose()
    {
        baseline.Dispose();
        candidate.Dispose();
    }

    private NightlyOutcome Nightly(double accuracy, out string output, int sweepCode = 0)
    {
        var writer = new StringWriter();
        var settings = new NightlySettings
        {
            Configs = ["configs/toy.yaml"],
            Profile = "smoke",
            Overrides = ["seed=3"],
            ResultsDirectory = candidate.Root,
            BaselineDirectory = baseline.Root,
        };
        var outcome = new NightlyJob(settings, sweep =>
        {
            sweeps.Add(sweep);
            candidate.AddRun("toy", "cand01", sweepCode == 0 ? "ok" : "failed", Width8, [("test_accuracy", accuracy), ("train_seconds", 55)],
                configYaml: FakeResults.Config("toy", Width8));
            return sweepCode;
        }, writer).Run();
        output = writer.ToString();
        return outcome;
    }

    [Fact]
    public void The_default_results_folder_is_dated_in_UTC()
    {
        var local = new DateTimeOffset(2025, 6, 1, 2, 15, 7, TimeSpan.FromHours(2));
        Assert.Equal(Path.Combine("results-nightly", "2025-06-01T001507Z"), NightlyJob.DatedResultsDirectory(local));
    }

    [Fact]
    public void The_sweep_gets_the_configs_profile_overrides_and_results_folder()
    {
        Nightly(0.9, out _);
        var sweep = Assert.Single(sweeps);
        Assert.Equal(["configs/toy.yaml"], sweep.Configs);
        Assert.Equal(["seed=3"], sweep.Overrides);
        Assert.Equal(("smoke", candidate.Root), (sweep.Profile, sweep.ResultsDirectory));
    }

    [Fact]
    public void Only_the_experiments_that_ran_are_compared_and_timings_are_listed_apart()
    {
        var outcome = Nightly(0.905, out var output);
        Assert.Equal((0, NightlyOutcome.Pass), (outcome.ExitCode, outcome.Verdict));
        Assert.DoesNotContain(outcome.Comparison!.Metrics, m => m.Experiment == "other");
        Assert.Equal("nightly: PASS: 1 metric within tolerance, 1 timing reported (not judged)", output.Split('\n')[0].TrimEnd());
        string md = File.ReadAllText(ResultPaths.NightlyReport(candidate.Root));
        Assert.DoesNotContain("## other", md);
        int timings = md.IndexOf("Timings, reported and not judged", StringComparison.Ordinal);
        Assert.True(timings > md.IndexOf("| test_accuracy", StringComparison.Ordinal));
        Assert.True(md.IndexOf("| train_seconds", StringComparison.Ordinal) > timings);
    }

    [Fact]
    public void A_regression_exits_1_and_is_listed_first_in_the_markdown()
    {
        var outcome = Nightly(0.85, out var output);
        Assert.Equal((1, NightlyOutcome.Regression), (outcome.ExitCode, outcome.Verdict));
        string failure = $"PAST toy [options.width=8] test_accuracy: baseline 0.9, candidate 0.85, delta {CellFormat.Number(0.85 - 0.9)}, tolerance abs 0.01";
        Assert.Contains(failure, output);
        var lines = File.ReadAllLines(ResultPaths.NightlyReport(candidate.Root));
        Assert.Equal("# Nightly check: REGRESSION", lines[0]);
        Assert.Equal("REGRESSION: 1 of 1 comparison past tolerance or missing, 1 timing reported (not judged)", lines[2]);
        Assert.True(Array.IndexOf(lines, "- " + failure) < Array.IndexOf(lines, "## toy"));
    }

    [Fact]
    public void A_failed_run_exits_1_even_when_the_metrics_hold()
    {
        var outcome = Nightly(0.9, out _, sweepCode: 1);
        Assert.Equal((1, NightlyOutcome.RunFailed), (outcome.ExitCode, outcome.Verdict));
        Assert.StartsWith("# Nightly check: RUN FAILED\n", File.ReadAllText(ResultPaths.NightlyReport(candidate.Root)));
    }

    [Fact]
    public void Bad_input_to_the_sweep_ends_the_check_without_a_comparison()
    {
        var outcome = Nightly(0.9, out var output, sweepCode: 2);
        Assert.Equal((2, null), (outcome.ExitCode, outcome.Comparison));
        Assert.False(File.Exists(ResultPaths.NightlyReport(candidate.Root)));
        Assert.Equal("", output);
    }

    [Fact]
    public void A_baseline_without_runs_is_bad_input_before_the_sweep()
    {
        using var empty = new FakeResults();
        var job = new NightlyJob(new NightlySettings { Configs = ["x.yaml"], ResultsDirectory = candidate.Root, BaselineDirectory = empty.Root },
            sweep => { sweeps.Add(sweep); return 0; }, TextWriter.Null);
        var e = Assert.Throws<ReproInputException>(() => job.Run());
        Assert.StartsWith($"{empty.Root}: no runs found in the baseline", e.Message);
        Assert.Empty(sweeps);
    }

    [Fact]
    public void Without_configs_every_yaml_of_the_config_folder_runs_in_name_order()
    {
        using var folder = new TempFolder();
        folder.Write("b.yaml", "experiment: toy\n");
        folder.Write("a.yaml", "experiment: toy\n");
        folder.Write("notes.txt", "");
        Assert.Equal([Path.Combine(folder.Path, "a.yaml"), Path.Combine(folder.Path, "b.yaml")], NightlyJob.DefaultConfigs(folder.Path));
        var e = Assert.Throws<ReproInputException>(() => NightlyJob.DefaultConfigs(Path.Combine(folder.Path, "none")));
        Assert.Contains("*.yaml: no config files", e.Message);
    }
}
