using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Running;

public sealed class SweepRunnerTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ToyExperiment toy = new();
    private readonly FakeEngine engine = new();
    private readonly RecordedReport report = new();
    private readonly StringWriter console = new();
    private readonly ConfigResolver resolver;

    public SweepRunnerTests() => resolver = new ConfigResolver(new ExperimentRegistry([toy]));

    public void Dispose() => folder.Dispose();

    private string Results => folder.Combine("results");

    private SweepRunner Runner(bool force = false, int jobs = 1) =>
        new(new SweepSettings { ResultsDirectory = Results, Device = "cpu", Force = force, Jobs = jobs },
            new CodeVersion("test-version", null, false), engine, ConsoleLog.Create(console, interactive: false))
        {
            ReportBuilder = report.Build,
        };

    private IReadOnlyList<ResolvedRun> Sweep(string body) => resolver.Resolve(folder.Write("sweep.yaml", body));

    private const string TwoSeeds = """
        experiment: toy
        options: {train: {epochs: 3}}
        claims: [{name: accuracy, metric: test_accuracy, compare: ">=", threshold: 0.5}]
        sweep:
          seed: [0, 1]
        """;

    [Fact]
    public void Each_run_gets_its_folder_with_config_provenance_metrics_and_summary()
    {
        var runs = Sweep(TwoSeeds);
        var outcome = Runner().Run(runs);
        Assert.Equal(new SweepOutcome(2, 0, 0, false), outcome);
        Assert.Equal(0, outcome.ExitCode);

        string id = runs[1].RunId("test-version");
        string dir = Path.Combine(Results, "toy", id);
        Assert.Equal(runs[1].ConfigYaml, File.ReadAllText(Path.Combine(dir, "config.yaml")));
        Assert.Equal("step,split,metric,value\n1,train,loss,1\n2,train,loss,0.5\n3,train,loss,0.3333333333333333\n",
            File.ReadAllText(Path.Combine(dir, "metrics.csv")));
        Assert.Equal($"run_id,status,reason,param.seed,seed,test_accuracy\n{id},ok,,1,1,0.9\n",
            File.ReadAllText(Path.Combine(dir, "summary.csv")));
        string provenance = File.ReadAllText(Path.Combine(dir, "provenance.json"));
        Assert.Contains("\"seed\": 1", provenance);
        Assert.Contains("\"status\": \"ok\"", provenance);
        Assert.Contains("\"code_version\": \"test-version\"", provenance);
        Assert.Contains("epoch 3/3", File.ReadAllText(Path.Combine(dir, "run.log")));
        Assert.Equal([(0, Environment.ProcessorCount), (1, Environment.ProcessorCount)], engine.Prepared);
    }

    [Fact]
    public void After_the_sweep_runs_csv_lists_its_runs_and_the_report_is_built_with_the_claims()
    {
        var runs = Sweep(TwoSeeds);
        Runner().Run(runs);
        string ids = string.Concat(runs.Select(r => r.RunId("test-version") + "\n"));
        Assert.Equal("run_id\n" + ids, File.ReadAllText(Path.Combine(Results, "toy", "report", "runs.csv")));
        var call = Assert.Single(report.Calls);
        Assert.Equal((Results, "toy"), (call.ResultsDirectory, call.Experiment));
        Assert.Equal("accuracy", Assert.Single(call.Claims).Name);
    }

    [Fact]
    public void Finished_runs_are_skipped_and_force_runs_them_again()
    {
        var runs = Sweep(TwoSeeds);
        Runner().Run(runs);
        Assert.Equal(2, toy.RunCount);

        var second = Runner().Run(runs);
        Assert.Equal(new SweepOutcome(0, 2, 0, false), second);
        Assert.Equal(2, toy.RunCount);
        Assert.Contains("already done", console.ToString());

        var forced = Runner(force: true).Run(runs);
        Assert.Equal(new SweepOutcome(2, 0, 0, false), forced);
        Assert.Equal(4, toy.RunCount);
    }

    [Fact]
    public void Report_is_kept_when_nothing_changed_and_rebuilt_when_a_claim_changed()
    {
        int builds = 0;
        SweepRunner Reporting() => new(new SweepSettings { ResultsDirectory = Results },
            new CodeVersion("test-version", null, false), engine, ConsoleLog.Create(console, interactive: false))
        {
            ReportBuilder = (_, _, _, _, report) =>
            {
                builds++;
                File.WriteAllText(ResultPaths.Report(report), "# report\n");
            },
        };
        Reporting().Run(Sweep(TwoSeeds));
        Reporting().Run(Sweep(TwoSeeds));
        Assert.Equal(1, builds);

        var changedClaim = Sweep(TwoSeeds.Replace("threshold: 0.5", "threshold: 0.6"));
        Assert.Equal(new SweepOutcome(0, 2, 0, false), Reporting().Run(changedClaim));
        Assert.Equal(2, builds);
        Assert.Contains("threshold: 0.6", File.ReadAllText(Path.Combine(Results, "toy", changedClaim[0].RunId("test-version"), "config.yaml")));

        // A sweep over a subset of the runs is a different sweep: runs.csv and the report follow it.
        Reporting().Run(changedClaim.Take(1).ToList());
        Assert.Equal(3, builds);
    }

    [Fact]
    public void Non_finite_loss_fails_that_run_and_the_next_run_still_runs()
    {
        var runs = Sweep("""
            experiment: toy
            sweep:
              options.train.learning_rate: [100, 0.1]
            """);
        var outcome = Runner().Run(runs);
        Assert.Equal(new SweepOutcome(2, 0, 1, false), outcome);
        Assert.Equal(1, outcome.ExitCode);

        var failed = RunSummary.TryRead(Path.Combine(Results, "toy", runs[0].RunId("test-version"), "summary.csv"))!;
        Assert.Equal(("failed", "non-finite loss NaN at step 1"), (failed.Status, failed.Reason));
        Assert.Equal([new KeyValuePair<string, string>("options.train.learning_rate", "100")], failed.Parameters);
        var ok = RunSummary.TryRead(Path.Combine(Results, "toy", runs[1].RunId("test-version"), "summary.csv"))!;
        Assert.Equal("ok", ok.Status);
        Assert.Equal(0.9, ok.Metrics["test_accuracy"]);

        // A failed run is not finished: the next invocation tries it again and skips the good one.
        var again = Runner().Run(runs);
        Assert.Equal(new SweepOutcome(1, 1, 1, false), again);
    }

    [Fact]
    public void Input_error_inside_a_run_is_recorded_and_stops_the_sweep()
    {
        var throwing = new ThrowingExperiment();
        var runs = new ConfigResolver(new ExperimentRegistry([throwing]))
            .Resolve(folder.Write("bad.yaml", "experiment: needs-data\nsweep: {seed: [1, 2]}\n"));
        var e = Assert.Throws<ReproInputException>(() => Runner().Run(runs));
        Assert.Equal("data/x.idx.gz: file not found", e.Message);
        Assert.Equal(1, throwing.Calls);
        var summary = RunSummary.TryRead(Path.Combine(Results, "needs-data", runs[0].RunId("test-version"), "summary.csv"))!;
        Assert.Equal("failed", summary.Status);
    }

    [Fact]
    public void No_temporary_files_are_left_behind()
    {
        Runner().Run(Sweep(TwoSeeds));
        var leftovers = Directory.GetFiles(Results, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(AtomicFile.TemporarySuffix, StringComparison.Ordinal));
        Assert.Empty(leftovers);
    }

    [Fact]
    public void A_run_killed_before_its_summary_is_run_again()
    {
        var runs = Sweep(TwoSeeds);
        Runner().Run(runs);
        // What a kill mid-run leaves: the folder and config, no summary, maybe a half-written temporary file.
        string dir = Path.Combine(Results, "toy", runs[0].RunId("test-version"));
        File.Delete(Path.Combine(dir, "summary.csv"));
        File.WriteAllText(Path.Combine(dir, ".metrics.csv.1234" + AtomicFile.TemporarySuffix), "step,spl");
        var outcome = Runner().Run(runs);
        Assert.Equal(new SweepOutcome(1, 1, 0, false), outcome);
        Assert.Empty(Directory.GetFiles(dir, "*" + AtomicFile.TemporarySuffix));
    }

    [Fact]
    public void Identical_runs_from_two_configs_run_once()
    {
        var runs = Sweep(TwoSeeds).Concat(resolver.Resolve(folder.Write("one.yaml", "experiment: toy\nseed: 1\noptions: {train: {epochs: 3}}\n")));
        var outcome = Runner().Run(runs.ToList());
        Assert.Equal(2, outcome.Completed);
    }

    [Fact]
    public void Thread_budget_is_split_between_jobs()
    {
        Assert.Equal(4, SweepSettings.ThreadsPerRun(8, 2));
        Assert.Equal(2, SweepSettings.ThreadsPerRun(8, 3));
        Assert.Equal(1, SweepSettings.ThreadsPerRun(2, 16));
        Assert.Equal(6, SweepSettings.ThreadsPerRun(6, 1));
    }

    [Fact]
    public void Jobs_come_from_the_command_line_else_the_config_else_one()
    {
        var withJobs = Assert.Single(resolver.Resolve(folder.Write("j.yaml", "experiment: toy\nthreads: 4\njobs: 2\n")));
        var without = Assert.Single(resolver.Resolve(folder.Write("n.yaml", "experiment: toy\nthreads: 4\n")));
        Assert.Equal(2, withJobs.Jobs);
        Assert.Equal(2, new SweepSettings().JobsFor(withJobs));
        Assert.Equal(2, new SweepSettings().ThreadsPerRun(withJobs));
        Assert.Equal(1, new SweepSettings().JobsFor(without));
        Assert.Equal(4, new SweepSettings().ThreadsPerRun(without));
        Assert.Equal(1, new SweepSettings { Jobs = 1 }.JobsFor(withJobs));
        Assert.Equal(4, new SweepSettings { Jobs = 1 }.ThreadsPerRun(withJobs));
        Assert.Equal(4, new SweepSettings { Jobs = 4 }.JobsFor(without));
    }

    [Theory]
    [InlineData("jobs: 0\n", "'jobs' must be at least 1")]
    [InlineData("jobs: two\n", "jobs")]
    [InlineData("profiles: {quick: {jobs: -1}}\n", "'jobs' must be at least 1")]
    public void Bad_jobs_are_rejected_naming_the_key(string line, string message)
    {
        string path = folder.Write("bad.yaml", "experiment: toy\n" + line);
        var e = Assert.Throws<ReproInputException>(() => resolver.Resolve(path));
        Assert.Contains(message, e.Message);
        Assert.Contains("bad.yaml", e.Message);
    }

    [Fact]
    public void A_config_with_jobs_runs_in_child_processes_with_the_split_budget_and_one_without_runs_here()
    {
        string calls = folder.Combine("children.txt");
        var runner = new SweepRunner(
            new SweepSettings
            {
                ResultsDirectory = Results,
                Device = "cpu",
                // Each child records its arguments and exits without running: the parent records it as failed.
                ChildProcess = arguments =>
                {
                    var start = new System.Diagnostics.ProcessStartInfo("sh");
                    foreach (var a in new[] { "-c", "echo \"$*\" >> \"$0\"", calls }.Concat(arguments))
                        start.ArgumentList.Add(a);
                    return start;
                },
            },
            new CodeVersion("test-version", null, false), engine, ConsoleLog.Create(console, interactive: false))
        {
            ReportBuilder = report.Build,
        };
        var runs = resolver.Resolve(folder.Write("p.yaml", "experiment: toy\nthreads: 2\njobs: 2\nsweep: {seed: [0, 1, 2]}\n"))
            .Concat(resolver.Resolve(folder.Write("s.yaml", "experiment: toy\nthreads: 2\nseed: 9\n")))
            .ToList();
        var outcome = runner.Run(runs);

        var lines = File.ReadAllLines(calls);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("run-one ", l));
        Assert.All(lines, l => Assert.Contains("--threads 1 ", l));
        Assert.Equal(3, outcome.Failed);
        // The config without jobs ran in this process with the whole budget.
        Assert.Equal([(9, 2)], engine.Prepared);
        Assert.Equal(1, outcome.Completed - outcome.Failed);
    }

    [Fact]
    public void Config_threads_reach_the_engine()
    {
        Runner().Run(resolver.Resolve(folder.Write("t.yaml", "experiment: toy\nthreads: 3\nseed: 7\n")));
        Assert.Equal([(7, 3)], engine.Prepared);
    }

    private sealed class ThrowingExperiment : Experiment<OtherOptions>
    {
        public int Calls;

        public override string Name => "needs-data";

        public override string Description => "fails on a missing data file";

        public override RunResult Run(OtherOptions options, RunContext context)
        {
            Calls++;
            throw new ReproInputException("data/x.idx.gz: file not found");
        }
    }
}
