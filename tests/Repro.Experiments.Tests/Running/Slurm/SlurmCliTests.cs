using System.Text.RegularExpressions;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;
using Repro.Runner;
using Repro.Experiments.Tests.Cli;
using Xunit;

namespace Repro.Experiments.Tests.Running.Slurm;

/// <summary>
/// <c>repro run --launcher slurm</c>, <c>repro status</c> and <c>repro run-one --claim</c> against a cluster in
/// memory: what is submitted, what is refused before anything is, and how --wait follows tasks that the test runs
/// itself (in process, as the cluster would run them on a node).
/// </summary>
public sealed class SlurmCliTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ToyExperiment toy = new();
    private readonly RecordedReport report = new();
    private readonly FakeCluster cluster = new();
    private Func<ISlurmCluster>? slurm;

    public void Dispose() => folder.Dispose();

    private string Results => folder.Combine("results");

    private (int Code, string Out, string Error) Repro(params string[] args) =>
        CapturedCli.Invoke(args, (output, error) => new Runner.CliEnvironment
        {
            Out = output,
            Error = error,
            Registry = new ExperimentRegistry([toy, new OtherExperiment()]),
            Engine = () => new FakeEngine(),
            ReportBuilder = report.Build,
            Slurm = slurm ?? (() => cluster),
            SlurmPollInterval = TimeSpan.FromMilliseconds(10),
        });

    private string Sweep(string extra = "") =>
        folder.Write("toy.yaml", "experiment: toy\nsweep: {seed: [1, 2, 3]}\n" + extra);

    private string[] RunDirectories() =>
        Directory.GetDirectories(Path.Combine(Results, "toy")).Where(d => ResultPaths.IsRunId(Path.GetFileName(d))).Order().ToArray();

    /// <summary>Runs array task <paramref name="index"/> of job <paramref name="jobId"/> here, as a node would.</summary>
    private int RunTask(string jobId, int index, string? finalState = null)
    {
        var script = cluster.Submitted.Single(s => s.JobId == jobId).Script;
        string[] arguments = FakeCluster.TasksOf(script)[index];
        string task = $"{jobId}_{index}";
        cluster.Set(task, "RUNNING");
        Environment.SetEnvironmentVariable("SLURM_ARRAY_JOB_ID", jobId);
        Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", index.ToString());
        Environment.SetEnvironmentVariable("SLURM_JOB_ID", (1000 + index).ToString());
        try
        {
            int code = Repro(arguments).Code;
            cluster.Set(task, finalState ?? (code == 0 ? "COMPLETED" : "FAILED"));
            return code;
        }
        finally
        {
            Environment.SetEnvironmentVariable("SLURM_ARRAY_JOB_ID", null);
            Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null);
            Environment.SetEnvironmentVariable("SLURM_JOB_ID", null);
        }
    }

    private void RunAllTasks(string jobId)
    {
        var script = cluster.Submitted.Single(s => s.JobId == jobId).Script;
        for (int i = 0; i < FakeCluster.TasksOf(script).Count; i++)
            RunTask(jobId, i);
    }

    [Fact]
    public void A_sweep_is_submitted_as_one_array_with_its_record_and_the_job_id_printed()
    {
        string config = Sweep();
        var (code, output, error) = Repro("run", config, "--launcher", "slurm", "--results", Results, "--partition", "gpu",
            "--cpus-per-run", "2", "--mem", "4G", "--time", "30");
        Assert.Equal((0, ""), (code, error));
        Assert.Contains("submitted job 100: 3 runs as array tasks 0-2 (partition gpu, 2 CPUs, 4G, time 30 each)", output);
        Assert.Contains("3 runs: 3 submitted, 0 already done, 0 in flight in other jobs", output);
        Assert.Equal(0, toy.RunCount);

        var (jobId, script) = Assert.Single(cluster.Submitted);
        Assert.Contains("#SBATCH --array=0-2\n", script);
        Assert.Contains("#SBATCH --partition=gpu\n#SBATCH --time=30\n#SBATCH --mem=4G\n", script);
        var dirs = RunDirectories();
        Assert.Equal(3, dirs.Length);
        var tasks = FakeCluster.TasksOf(script);
        Assert.All(tasks, t => Assert.Equal(["--device", "cpu", "--threads", "2"], t[2..6]));
        Assert.All(tasks, t => Assert.Equal("--claim", t[^1]));
        Assert.Equal(dirs, tasks.Select(t => t[1]).Order());
        Assert.All(dirs, d => Assert.True(File.Exists(Path.Combine(d, "config.yaml"))));
        Assert.Equal(script, File.ReadAllText(Path.Combine(Results, ".slurm", $"{jobId}.sbatch")));
        Assert.StartsWith("task,experiment,run_id\n0,toy,", File.ReadAllText(Path.Combine(Results, ".slurm", $"{jobId}.tasks.csv")));
        Assert.True(File.Exists(Path.Combine(Results, "toy", "report", "runs.csv")));
        Assert.True(Directory.Exists(Path.Combine(Results, ".slurm", "logs")));
    }

    [Fact]
    public void The_command_line_wins_over_the_configs_launcher_section()
    {
        string config = Sweep("launcher: {partition: debug, time: 10, mem: 1G}\n");
        Assert.Equal(0, Repro("run", config, "--launcher", "slurm", "--results", Results, "--time", "20").Code);
        string script = Assert.Single(cluster.Submitted).Script;
        Assert.Contains("#SBATCH --partition=debug\n#SBATCH --time=20\n#SBATCH --mem=1G\n", script);
    }

    [Fact]
    public void Runs_with_different_requests_go_to_different_arrays_and_a_long_sweep_is_split_at_the_array_limit()
    {
        string cpu = folder.Write("cpu.yaml", "experiment: toy\nsweep: {seed: [1, 2, 3]}\n");
        string gpu = folder.Write("gpu.yaml", "experiment: toy\nsweep: {seed: [4, 5]}\nlauncher: {partition: gpu, gpus_per_run: 1}\n");
        cluster.ArraySize = 2;
        var (code, output, _) = Repro("run", cpu, gpu, "--launcher", "slurm", "--results", Results);
        Assert.Equal(0, code);
        Assert.Equal([2, 1, 2], cluster.Submitted.Select(s => FakeCluster.TasksOf(s.Script).Count));
        var gpuScript = cluster.Submitted[2].Script;
        Assert.Contains("#SBATCH --gres=gpu:1\n", gpuScript);
        Assert.All(FakeCluster.TasksOf(gpuScript), t => Assert.Equal("cuda", t[3]));
        Assert.Contains("5 runs: 5 submitted", output);
    }

    [Fact]
    public void Submitting_again_submits_only_what_is_neither_finished_nor_queued()
    {
        string config = Sweep();
        Assert.Equal(0, Repro("run", config, "--launcher", "slurm", "--results", Results).Code);
        // The same sweep again while it waits in the queue: nothing new to submit.
        var again = Repro("run", config, "--launcher", "slurm", "--results", Results);
        Assert.Equal(0, again.Code);
        Assert.Single(cluster.Submitted);
        Assert.Contains("3 runs: 0 submitted, 0 already done, 3 in flight in other jobs", again.Out);

        // Task 0 finishes, task 1 is cancelled before it starts, task 2 is running.
        RunTask("100", 0);
        cluster.Set("100_1", "CANCELLED");
        cluster.Set("100_2", "RUNNING");
        var third = Repro("run", config, "--launcher", "slurm", "--results", Results);
        Assert.Contains("3 runs: 1 submitted, 1 already done, 1 in flight in other jobs", third.Out);
        var rerun = FakeCluster.TasksOf(cluster.Submitted[1].Script);
        Assert.Equal(FakeCluster.TasksOf(cluster.Submitted[0].Script)[1], Assert.Single(rerun));
        Assert.Equal(1, toy.RunCount);
    }

    [Fact]
    public void Wait_follows_the_array_then_builds_the_reports()
    {
        cluster.OnSubmit = (jobId, _) => RunAllTasks(jobId);
        var (code, output, _) = Repro("run", Sweep(), "--launcher", "slurm", "--results", Results, "--wait");
        Assert.Equal(0, code);
        Assert.Equal(3, toy.RunCount);
        Assert.Contains("3 runs: 3 finished, 0 failed or not finished", output);
        Assert.Equal("toy", Assert.Single(report.Calls).Experiment);
        Assert.All(RunDirectories(), d => Assert.Empty(Directory.GetFiles(d, "claim.*")));
    }

    [Fact]
    public void Wait_reports_progress_per_run_and_exits_1_when_a_run_failed()
    {
        string config = folder.Write("nan.yaml", "experiment: toy\nsweep: {options.train.learning_rate: [1000, 0.01]}\n");
        cluster.OnSubmit = (jobId, _) =>
        {
            // The tasks run while --wait polls: one now, the other on a thread a moment later.
            RunTask(jobId, 0);
            new Thread(() =>
            {
                Thread.Sleep(100);
                RunTask(jobId, 1);
            }).Start();
        };
        var (code, output, _) = Repro("run", config, "--launcher", "slurm", "--results", Results, "--wait");
        Assert.Equal(1, code);
        Assert.Matches(@"run [12]/2 toy [0-9a-f]{12} failed: non-finite loss NaN at step 1", output);
        Assert.Matches(@"run [12]/2 toy [0-9a-f]{12} finished", output);
        Assert.Contains("2 runs: 1 finished, 1 failed or not finished", output);
        Assert.Single(report.Calls);
    }

    [Fact]
    public void A_cancelled_task_fails_its_run_only_and_the_same_command_again_completes_it()
    {
        string config = Sweep();
        cluster.OnSubmit = (jobId, script) =>
        {
            RunTask(jobId, 0);
            if (FakeCluster.TasksOf(script).Count == 3)
            {
                // scancel while training: the task dies and leaves its claim behind.
                string dir = FakeCluster.TasksOf(script)[1][1];
                RunClaims.TryCreate(ResultPaths.Claim(dir, 1), new RunClaim
                {
                    Host = "node1", Pid = 1, ArrayJobId = jobId, ArrayTaskId = "1", JobId = "1001", Since = DateTimeOffset.UtcNow,
                }.ToJson());
                cluster.Set($"{jobId}_1", "CANCELLED");
                RunTask(jobId, 2);
            }
        };
        var first = Repro("run", config, "--launcher", "slurm", "--results", Results, "--wait");
        Assert.Equal(1, first.Code);
        Assert.Contains("ended CANCELLED before finishing; submit again to run it", first.Out);
        Assert.Contains("reports not built: 1 runs have no result", first.Out);
        Assert.Empty(report.Calls);
        Assert.Equal(2, toy.RunCount);

        var status = Repro("status", Results);
        Assert.Matches(@"toy  [0-9a-f]{12}  failed    job 100_1 \(pid 1 on node1\) ended CANCELLED", status.Out);
        Assert.Contains("3 runs: 2 finished, 0 running, 0 pending, 1 failed", status.Out);

        var second = Repro("run", config, "--launcher", "slurm", "--results", Results, "--wait");
        Assert.Equal(0, second.Code);
        Assert.Contains("3 runs: 1 submitted, 2 already done, 0 in flight in other jobs", second.Out);
        Assert.Equal(3, toy.RunCount);
        Assert.Single(report.Calls);
    }

    [Fact]
    public void A_task_finds_its_run_claimed_by_a_live_task_of_another_submission_and_leaves_it()
    {
        string config = Sweep();
        Assert.Equal(0, Repro("run", config, "--launcher", "slurm", "--results", Results).Code);
        // Task 0 of another submission (job 101) claimed the run first and is still at it when task 0 of job 100 starts.
        string dir = FakeCluster.TasksOf(cluster.Submitted[0].Script)[0][1];
        RunClaims.TryCreate(ResultPaths.Claim(dir, 1), new RunClaim
        {
            Host = "node2", Pid = 5, ArrayJobId = "101", ArrayTaskId = "0", JobId = "2000", Since = DateTimeOffset.UtcNow,
        }.ToJson());
        cluster.Set("101_0", "RUNNING");
        Assert.Equal(0, RunTask("100", 0));
        Assert.Equal(0, toy.RunCount);
        Assert.True(File.Exists(ResultPaths.Claim(dir, 1)));
        var status = Repro("status", Results);
        Assert.Contains("running   job 101_0 (pid 5 on node2), RUNNING, since", status.Out);
    }

    [Fact]
    public void A_finished_run_is_left_alone_by_its_task_unless_forced()
    {
        string config = Sweep();
        cluster.OnSubmit = (jobId, _) => RunAllTasks(jobId);
        Assert.Equal(0, Repro("run", config, "--launcher", "slurm", "--results", Results).Code);
        Assert.Equal(3, toy.RunCount);
        // The recorded task run again (a requeue, or a copy of the script resubmitted by hand): nothing to do.
        cluster.OnSubmit = null;
        Assert.Equal(0, RunTask("100", 1));
        Assert.Equal(3, toy.RunCount);
        cluster.OnSubmit = (jobId, _) => RunAllTasks(jobId);
        Assert.Equal(0, Repro("run", config, "--launcher", "slurm", "--results", Results, "--force").Code);
        Assert.Equal(6, toy.RunCount);
        Assert.All(FakeCluster.TasksOf(cluster.Submitted[1].Script), t => Assert.Equal(["--claim", "--force"], t[^2..]));
    }

    [Fact]
    public void Status_lists_each_run_of_the_latest_sweep_as_finished_running_pending_or_failed()
    {
        string config = folder.Write("toy.yaml", "experiment: toy\nsweep: {options.train.learning_rate: [0.01, 0.02, 0.03, 1000]}\n");
        Assert.Equal(0, Repro("run", config, "--launcher", "slurm", "--results", Results).Code);
        RunTask("100", 0);
        RunTask("100", 3);
        cluster.Set("100_1", "RUNNING");
        var (code, output, _) = Repro("status", Results);
        Assert.Equal(0, code);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^toy  [0-9a-f]{12}  finished$", lines[0]);
        Assert.Matches(@"^toy  [0-9a-f]{12}  running   job 100_1 RUNNING on node1, starting$", lines[1]);
        Assert.Matches(@"^toy  [0-9a-f]{12}  pending   job 100_2 queued \(Resources\)$", lines[2]);
        Assert.Matches(@"^toy  [0-9a-f]{12}  failed    non-finite loss NaN at step 1$", lines[3]);
        Assert.Equal("4 runs: 1 finished, 1 running, 1 pending, 1 failed", lines[4]);
        Assert.Equal(output, Repro("status", Path.Combine(Results, "toy")).Out);
    }

    [Fact]
    public void Status_without_slurm_reads_the_results_folder_alone()
    {
        var local = Repro("run", Sweep(), "--results", Results);
        Assert.Equal((0, ""), (local.Code, local.Error));
        slurm = () => SlurmCommands.Locate(folder.Combine("empty"));
        var (code, output, _) = Repro("status", Results);
        Assert.Equal(0, code);
        Assert.StartsWith("(Slurm's commands are not on the PATH", output);
        Assert.Contains("3 runs: 3 finished, 0 running, 0 pending, 0 failed", output);
        Assert.Equal(2, Repro("status", folder.Combine("absent")).Code);
    }

    [Fact]
    public void No_sbatch_on_the_path_exits_2_with_one_line_before_anything_is_written()
    {
        slurm = () => SlurmCommands.Locate(folder.Combine("empty"));
        var (code, _, error) = Repro("run", Sweep(), "--launcher", "slurm", "--results", Results);
        Assert.Equal(2, code);
        Assert.Equal("--launcher slurm: 'sbatch' is not on the PATH; run repro where Slurm's client commands are (the cluster's login node), see docs/slurm.md\n", error);
        Assert.False(Directory.Exists(Results));
    }

    [Fact]
    public void An_unknown_partition_exits_2_naming_where_it_was_set_before_anything_is_submitted()
    {
        var flag = Repro("run", Sweep(), "--launcher", "slurm", "--results", Results, "--partition", "gpus");
        Assert.Equal((2, "--partition gpus: no such partition on this cluster (did you mean 'gpu'?)\n"), (flag.Code, flag.Error));
        string config = Sweep("launcher:\n  partition: bigmem\n");
        var file = Repro("run", config, "--launcher", "slurm", "--results", Results);
        Assert.Equal((2, $"{config}:4: 'launcher.partition' bigmem: no such partition on this cluster (partitions: debug, gpu)\n"),
            (file.Code, file.Error));
        Assert.Empty(cluster.Submitted);
        Assert.False(Directory.Exists(Results));
    }

    [Fact]
    public void A_results_folder_the_nodes_cannot_see_exits_2_before_anything_is_submitted()
    {
        cluster.NodeList.Clear();
        cluster.NodeList.AddRange([new SlurmNode("node1", "node1"), new SlurmNode("node2", "node2")]);
        // The test's folder is under /tmp, which each node has its own of.
        var (code, _, error) = Repro("run", Sweep(), "--launcher", "slurm", "--results", Results);
        Assert.Equal(2, code);
        Assert.Equal($"--launcher slurm: the results folder {Results} is under /tmp, which each of the cluster's 2 nodes has its own of; " +
                     "put it on a file system that every node mounts (docs/slurm.md)\n", error);
        Assert.Empty(cluster.Submitted);
    }

    [Fact]
    public void Bad_slurm_arguments_exit_2_with_one_line()
    {
        string config = Sweep();
        Assert.Equal("--partition needs --launcher slurm\n", Repro("run", config, "--partition", "gpu", "--results", Results).Error);
        Assert.Equal("--wait needs --launcher slurm\n", Repro("run", config, "--wait", "--results", Results).Error);
        Assert.Equal("--jobs is for local runs; with --launcher slurm every run is an array task of its own\n",
            Repro("run", config, "--launcher", "slurm", "--jobs", "2", "--results", Results).Error);
        Assert.StartsWith("--time expects a Slurm time limit", Repro("run", config, "--launcher", "slurm", "--time", "1h").Error);
        Assert.StartsWith("--mem expects a Slurm memory size", Repro("run", config, "--launcher", "slurm", "--mem", "lots").Error);
        Assert.StartsWith("--cpus-per-run must be at least 1", Repro("run", config, "--launcher", "slurm", "--cpus-per-run", "0").Error);
        Assert.Contains("--device cuda needs a GPU per run", Repro("run", config, "--launcher", "slurm", "--device", "cuda").Error);
        Assert.Equal(2, Repro("run", config, "--launcher", "kubernetes").Code);
        Assert.Empty(cluster.Submitted);
        Assert.Equal(0, toy.RunCount);
    }

    [Fact]
    public void Help_shows_the_slurm_options_and_the_status_verb()
    {
        string help = Repro("run", "--help").Out;
        foreach (var option in new[] { "--launcher", "--partition", "--time", "--cpus-per-run", "--mem", "--gpus-per-run", "--wait" })
            Assert.Contains(option, help);
        Assert.Matches(new Regex(@"Usage:\s+\S+ status"), Repro("status", "--help").Out);
    }
}
