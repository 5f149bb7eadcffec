using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.EndToEnd;
using Repro.Experiments.Tests.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

/// <summary><c>repro nightly</c> through the real CLI, on the smoke profile of configs/baseline.yaml.</summary>
[Collection(SmokeRunsCollection.Name)]
public sealed class NightlyTests(SmokeRuns smoke)
{
    private static (int Code, string Out, string Error) InProcess(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static RunRecord Run(string results)
    {
        string folder = SmokeRuns.RunFolder(results);
        return RunRecord.Load(folder, Path.GetFileName(folder));
    }

    [Fact]
    public void Nightly_against_a_smoke_baseline_of_the_same_config_exits_0_and_writes_the_comparison()
    {
        var (code, output, error, results) = smoke.Nightly;
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        int judged = Run(smoke.First).MetricNames.Count - 1;
        string summary = $"PASS: {judged} metrics within tolerance, 1 timing reported (not judged)";
        Assert.Contains("nightly: " + summary, output);
        string report = ResultPaths.NightlyReport(results);
        Assert.Contains($"comparison with {smoke.First}: {report}", output);
        var lines = File.ReadAllLines(report);
        Assert.Equal(["# Nightly check: PASS", "", summary], lines[..3]);
        Assert.Contains("## baseline", lines);
        string md = File.ReadAllText(report);
        Assert.Matches(@"\| test_accuracy +\|[^|]+\|[^|]+\|[^|]+\| abs 0\.01 +\| ok +\|", md);
        Assert.Matches(@"\| train_seconds +\|[^|]+\|[^|]+\|[^|]+\| not judged \(timing\) \| reported \|", md);
        Assert.Contains("| profile       | smoke", md);
    }

    [Fact]
    public void Nightly_with_a_learning_rate_that_breaks_training_exits_1_naming_the_metric_both_values_and_the_tolerance()
    {
        string results = smoke.Folder("regressed");
        var (code, output, error) = ReproProcess.Run(SmokeRuns.Limit,
            "nightly", SmokeRuns.Config, "--profile", "smoke", "--baseline", smoke.First, "--results", results,
            "--set", "options.train.learning_rate=0.05");
        Assert.True(code == 1, $"exit {code}: {error}\n{output}");

        var baseline = Run(smoke.First);
        double b = baseline.Metric("test_accuracy")!.Value, c = Run(results).Metric("test_accuracy")!.Value;
        Assert.True(Math.Abs(c - b) > 0.01, $"test accuracy {b} -> {c} moved less than the tolerance");
        string failure = $"PAST baseline [{baseline.RunId}] test_accuracy: baseline {CellFormat.Number(b)}, candidate {CellFormat.Number(c)}, " +
                         $"delta {CellFormat.Number(c - b)}, tolerance abs 0.01";
        Assert.Contains(failure, output);
        Assert.Contains("nightly: REGRESSION: ", output);
        string md = File.ReadAllText(ResultPaths.NightlyReport(results));
        Assert.StartsWith("# Nightly check: REGRESSION\n", md);
        Assert.Contains("- " + failure, md);
        Assert.Contains("options.train.learning_rate: 0.001 -> 0.05", md);
    }

    [Fact]
    public void A_missing_baseline_exits_2_before_any_run()
    {
        string results = smoke.Folder("no-baseline");
        string missing = smoke.Folder("absent");
        var (code, _, error) = InProcess("nightly", SmokeRuns.Config, "--profile", "smoke", "--baseline", missing, "--results", results);
        Assert.Equal(2, code);
        Assert.Equal($"{missing}: baseline results folder not found", error.Trim());
        Assert.False(Directory.Exists(results));
    }

    [Fact]
    public void The_baseline_folder_as_results_folder_exits_2()
    {
        using var baseline = new FakeResults();
        baseline.AddRun("baseline", "b1", "ok", [], [("test_accuracy", 0.9)]);
        var (code, _, error) = InProcess("nightly", SmokeRuns.Config, "--baseline", baseline.Root, "--results", baseline.Root);
        Assert.Equal(2, code);
        Assert.Equal($"--results {baseline.Root}: that is the baseline folder; the nightly runs need a folder of their own", error.Trim());
        Assert.Single(Directory.GetDirectories(Path.Combine(baseline.Root, "baseline")));
    }
}

/// <summary>
/// <c>repro nightly</c> in process on the toy experiment, where no training costs anything: a failed run, and the
/// Slurm launcher (a cluster in memory whose tasks the test runs as a node would).
/// </summary>
public sealed class NightlyToyTests : IDisposable
{
    private readonly Running.TempFolder folder = new();
    private readonly Running.ToyExperiment toy = new();
    private readonly Running.Slurm.FakeCluster cluster = new();

    public void Dispose() => folder.Dispose();

    private (int Code, string Out, string Error) Repro(params string[] args) =>
        CapturedCli.Invoke(args, (output, error) => new Runner.CliEnvironment
        {
            Out = output,
            Error = error,
            Registry = new ExperimentRegistry([toy]),
            Engine = () => new Running.FakeEngine(),
            ReportBuilder = new Running.RecordedReport().Build,
            Slurm = () => cluster,
            SlurmPollInterval = TimeSpan.FromMilliseconds(10),
        });

    private string Config => folder.Write("toy.yaml", "experiment: toy\nsweep: {seed: [1, 2]}\ntolerances:\n  test_accuracy: {abs: 0.01}\n");

    private string Baseline()
    {
        string results = folder.Combine("baseline");
        Assert.Equal(0, Repro("run", Config, "--results", results).Code);
        return results;
    }

    [Fact]
    public void A_held_results_folder_is_refused_and_waited_for_with_wait_lock()
    {
        string baseline = Baseline(), results = folder.Combine("nightly");
        Directory.CreateDirectory(results);
        var attempt = FolderLock.TryAcquire(ResultPaths.ResultsLock(results), LockHolder.OfThisProcess() with { Command = "repro run other.yaml" });
        var held = Assert.IsType<FolderLock>(attempt.Lock);
        var (code, _, error) = Repro("nightly", Config, "--baseline", baseline, "--results", results);
        Assert.Equal(2, code);
        Assert.Contains("wait for it with --wait-lock", error);

        var release = Task.Run(async () => { await Task.Delay(300); held.Dispose(); });
        (code, var output, error) = Repro("nightly", Config, "--baseline", baseline, "--results", results, "--wait-lock");
        release.Wait();
        Assert.True(code == 0, output + error);
        Assert.StartsWith("# Nightly check: PASS", File.ReadAllText(ResultPaths.NightlyReport(results)));
    }

    [Fact]
    public void A_run_that_fails_exits_1_and_the_comparison_is_still_written()
    {
        string baseline = Baseline(), results = folder.Combine("nightly");
        var (code, output, _) = Repro("nightly", Config, "--baseline", baseline, "--results", results, "--set", "options.train.learning_rate=1000");
        Assert.Equal(1, code);
        Assert.Contains($"nightly: RUN FAILED: a run failed (repro status {results}); ", output);
        Assert.Contains("candidate run status failed", output);
        Assert.StartsWith("# Nightly check: RUN FAILED\n", File.ReadAllText(ResultPaths.NightlyReport(results)));
    }

    [Fact]
    public void On_slurm_the_runs_go_to_one_job_array_that_is_followed_to_the_end_before_the_comparison()
    {
        string baseline = Baseline(), results = folder.Combine("nightly");
        cluster.OnSubmit = (jobId, script) =>
        {
            var tasks = Running.Slurm.FakeCluster.TasksOf(script);
            for (int i = 0; i < tasks.Count; i++)
            {
                cluster.Set($"{jobId}_{i}", "RUNNING");
                Environment.SetEnvironmentVariable("SLURM_ARRAY_JOB_ID", jobId);
                Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", i.ToString());
                try
                {
                    cluster.Set($"{jobId}_{i}", Repro(tasks[i]).Code == 0 ? "COMPLETED" : "FAILED");
                }
                finally
                {
                    Environment.SetEnvironmentVariable("SLURM_ARRAY_JOB_ID", null);
                    Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null);
                }
            }
        };
        var (code, output, error) = Repro("nightly", Config, "--launcher", "slurm", "--baseline", baseline, "--results", results);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        Assert.Single(cluster.Submitted);
        Assert.Equal(4, toy.RunCount);
        Assert.Contains("2 runs: 2 finished, 0 failed or not finished", output);
        Assert.Contains("nightly: PASS: 4 metrics within tolerance", output);
    }
}
