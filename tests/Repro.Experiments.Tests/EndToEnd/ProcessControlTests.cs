using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>One finished run of a tiny baseline, trained once for the tests that start from a finished result.</summary>
public sealed class FinishedTinyRun : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-finished-");

    public FinishedTinyRun()
    {
        Results = Path.Combine(root.FullName, "results");
        var (code, output, error) = ReproProcess.Run(ProcessControlTests.Limit, ProcessControlTests.Tiny(Results));
        if (code != 0)
            throw new InvalidOperationException($"the tiny baseline failed (exit {code}): {error}\n{output}");
    }

    public string Results { get; }

    /// <summary>A copy of the finished results folder at <paramref name="destination"/>.</summary>
    public string CopyTo(string destination)
    {
        foreach (var directory in Directory.GetDirectories(Results, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(Results, destination));
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(Results, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(Results, destination));
        return destination;
    }

    public void Dispose() => root.Delete(recursive: true);
}

/// <summary>
/// Process control of <c>repro run</c> through the real CLI in child processes, with real signals: children end
/// with their parent, one process per results folder and per run folder, stale locks taken over, and a forced
/// rerun that never leaves a run without its result.
/// </summary>
[Collection("processes")]
public sealed class ProcessControlTests : IClassFixture<FinishedTinyRun>, IDisposable
{
    internal static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>How long the kernel and the processes get to end what a kill ends; generous, the machine is shared.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    private readonly FinishedTinyRun finished;
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-process-");
    private readonly List<Process> started = new();

    public ProcessControlTests(FinishedTinyRun finished) => this.finished = finished;

    public void Dispose()
    {
        // A test that failed may leave processes behind: end them (ours only: their command names our folder).
        foreach (var p in started)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (int pid in RunOneProcesses(root.FullName))
            Signal(pid, SigKill);
        try { root.Delete(recursive: true); } catch (IOException) { }
    }

    /// <summary>The smoke profile of the baseline, shrunk to one step of a net with a thousand parameters.</summary>
    internal static string[] Tiny(string results, params string[] extra) =>
    [
        "run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results,
        "--set", "options.dataset.train_subset=64", "--set", "options.dataset.test_subset=32",
        "--set", "options.model.conv_channels=[4,4,4,4,4]", "--set", "options.model.hidden_units=[8,8]", .. extra,
    ];

    /// <summary>A tiny run that trains until it is killed.</summary>
    private static string[] Endless(string results, params string[] extra) =>
        Tiny(results, ["--set", "options.train.epochs=1000000", "--set", "options.save_weights=false", .. extra]);

    private string Folder(string name) => Path.Combine(root.FullName, name);

    private static string RunFolder(string results) =>
        Assert.Single(Directory.GetDirectories(Path.Combine(results, "baseline")), d => ResultPaths.IsRunId(Path.GetFileName(d)));

    private Watched Start(params string[] args)
    {
        var process = ReproProcess.Start(args);
        started.Add(process);
        return new Watched(process);
    }

    [Theory]
    [InlineData(SigKill)]
    [InlineData(SigTerm)]
    public void Killing_a_jobs_2_sweep_ends_its_run_one_children(int signal)
    {
        string results = Folder("children");
        var sweep = Start(Endless(results, "--jobs", "2", "--set", "sweep.seed=[0,1]"));
        Assert.True(Eventually(() => RunOneProcesses(results).Count == 2, Limit), "two run-one children never started:\n" + sweep.Log);

        Signal(sweep.Process.Id, signal);
        Assert.True(sweep.Process.WaitForExit(Settle), "the sweep outlived the signal");
        Assert.True(Eventually(() => RunOneProcesses(results).Count == 0, Settle),
            $"run-one children alive after the parent ended: {string.Join(", ", RunOneProcesses(results))}");
    }

    [Fact]
    public void A_run_one_whose_parent_is_gone_does_not_start()
    {
        string results = finished.CopyTo(Folder("parentless"));
        string run = RunFolder(results);
        var before = Snapshot(run);
        // pid 1 did not start it: as for a child whose repro run ended before it got going.
        var (code, output, error) = ReproProcess.Run(Limit, "run-one", run, "--parent", "1");
        Assert.Equal(1, code);
        Assert.Equal("run-one: the repro run that started it (pid 1) has ended; not starting", error.TrimEnd('\n', '\r'));
        Assert.Equal("", output);
        Assert.Equal(before, Snapshot(run));
        Assert.False(RunReplacement.HasLeftovers(run));
    }

    [Fact]
    public void A_second_sweep_on_a_busy_results_folder_exits_2_naming_the_holder()
    {
        string results = Folder("busy");
        var first = Start(Endless(results));
        Assert.True(first.WaitFor(" starting ", Limit), "the first sweep never started its run:\n" + first.Log);

        var (code, output, error) = ReproProcess.Run(Limit, Endless(results));
        Assert.Equal(2, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"in use by pid {first.Process.Id} on ", line);
        Assert.Contains("--wait-lock", line);
        Assert.DoesNotContain("starting", output);
        Assert.False(first.Process.HasExited, "the first sweep was disturbed:\n" + first.Log);
    }

    [Fact]
    public void With_wait_lock_a_second_sweep_waits_for_the_holder_then_goes_on()
    {
        string results = finished.CopyTo(Folder("waiting"));
        var holder = FolderLock.TryAcquire(ResultPaths.ResultsLock(results), LockHolder.OfThisProcess());
        Watched second;
        using (Assert.IsType<FolderLock>(holder.Lock))
        {
            second = Start(Tiny(results, "--wait-lock"));
            Assert.True(second.WaitFor("waiting for it", Limit), "no line about waiting:\n" + second.Log);
            Assert.Contains($"in use by pid {Environment.ProcessId} on ", second.Log);
            Assert.False(second.Process.HasExited, "the second sweep did not wait:\n" + second.Log);
        }
        Assert.True(second.Process.WaitForExit(Limit), "the second sweep never went on:\n" + second.Log);
        second.Process.WaitForExit();
        Assert.True(second.Process.ExitCode == 0, $"exit {second.Process.ExitCode}:\n{second.Log}");
        Assert.Contains("1 runs: 0 ran (0 failed), 1 already done", second.Log);
    }

    [Fact]
    public void Ctrl_c_during_baseline_training_abandons_the_run_and_exits_130()
    {
        string results = Folder("interrupted");
        var sweep = Start(Endless(results));
        Assert.True(sweep.WaitFor(" starting ", Limit), "the sweep never started its run:\n" + sweep.Log);
        Assert.True(sweep.WaitFor(" step 2 loss ", Limit), "training never logged a step:\n" + sweep.Log);
        string run = RunFolder(results);

        Signal(sweep.Process.Id, SigInt);
        Assert.True(sweep.Process.WaitForExit(Settle), "the first Ctrl+C did not stop baseline training:\n" + sweep.Log);
        sweep.Process.WaitForExit();
        Assert.True(sweep.Process.ExitCode == 130, $"exit {sweep.Process.ExitCode}:\n{sweep.Log}");
        Assert.False(File.Exists(Path.Combine(run, ResultPaths.SummaryFileName)), "an abandoned run has a summary");
        Assert.True(File.Exists(Path.Combine(run, ResultPaths.ConfigFileName)), "the abandoned run lost its config");
    }

    [Fact]
    public void A_lock_left_by_a_killed_sweep_is_taken_over_with_a_line()
    {
        string results = finished.CopyTo(Folder("stale"));
        int gone = PidOfAnEndedProcess();
        File.WriteAllText(ResultPaths.ResultsLock(results), (LockHolder.OfThisProcess() with { Pid = gone, PidStart = 1, Command = "repro run killed.yaml" }).ToJson());

        var (code, output, error) = ReproProcess.Run(Limit, Tiny(results));
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        Assert.Contains($"taking over the lock left by pid {gone} on ", output);
        Assert.Contains("(repro run killed.yaml)", output);
        Assert.Contains($"pid {gone} on {Hosts.ThisHost} is gone", output);
        Assert.Contains("1 already done", output);
        Assert.Equal("", File.ReadAllText(ResultPaths.ResultsLock(results)));
    }

    [Fact]
    public void A_run_that_another_process_trains_is_not_trained_twice()
    {
        // An orphan of an older sweep: a run-one that no parent ties, training the run the next sweep wants.
        string results = finished.CopyTo(Folder("orphan"));
        string run = RunFolder(results);
        File.Delete(Path.Combine(run, ResultPaths.SummaryFileName));
        string config = Path.Combine(run, ResultPaths.ConfigFileName);
        File.WriteAllText(config, File.ReadAllText(config).Replace("epochs: 1\n", "epochs: 1000000\n"));
        var orphan = Start("run-one", run, "--threads", "1");
        Assert.True(orphan.WaitFor(" starting ", Limit), "the orphan never started:\n" + orphan.Log);

        var (code, output, error) = ReproProcess.Run(Limit, Tiny(results));
        Assert.True(code == 1, $"exit {code}: {error}\n{output}");
        Assert.Contains($"is being trained by pid {orphan.Process.Id} on ", output);
        Assert.Contains("not training it twice", output);
        Assert.DoesNotContain(" starting ", output);
        Assert.False(File.Exists(Path.Combine(run, ResultPaths.SummaryFileName)), "the sweep wrote into the orphan's run folder");
        Assert.False(orphan.Process.HasExited, "the orphan was disturbed:\n" + orphan.Log);
    }

    [Fact]
    public void A_killed_forced_rerun_keeps_the_earlier_result_and_a_completed_one_replaces_it()
    {
        string results = finished.CopyTo(Folder("forced"));
        string run = RunFolder(results);
        var before = Snapshot(run);
        Assert.Contains(BaselineWeights, before.Keys);

        var forced = Start(Tiny(results, "--force"));
        Assert.True(forced.WaitFor(" starting ", Limit), "the forced rerun never started:\n" + forced.Log);
        forced.Process.Kill();
        forced.Process.WaitForExit();
        Assert.Equal(before, Snapshot(run));

        // --jobs 2: the rerun trains in a child process, which swaps the new result in.
        var (code, output, error) = ReproProcess.Run(Limit, Tiny(results, "--force", "--jobs", "2"));
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        Assert.Contains("removed what a rerun left behind", output);
        Assert.Contains("the new result replaced the earlier one", output);
        var after = Snapshot(run);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.True(RunSummary.TryRead(Path.Combine(run, ResultPaths.SummaryFileName))!.IsOk);
        Assert.NotEqual(before[ResultPaths.ProvenanceFileName], after[ResultPaths.ProvenanceFileName]);
        Assert.NotEqual(before[ResultPaths.LogFileName], after[ResultPaths.LogFileName]);
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(run)!, "*" + ResultPaths.RerunSuffix));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(run)!, "*" + ResultPaths.ReplacedSuffix));
    }

    private const string BaselineWeights = "model.safetensors";

    /// <summary>Every file of a run folder and its bytes, as text for readable failures.</summary>
    private static Dictionary<string, string> Snapshot(string run) =>
        Directory.GetFiles(run).ToDictionary(Path.GetFileName, f => Convert.ToBase64String(File.ReadAllBytes(f)))!;

    /// <summary>The pids of run-one processes whose command line names a path under <paramref name="folder"/>.</summary>
    private static List<int> RunOneProcesses(string folder)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            string[] arguments;
            try
            {
                arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                // An exited process not yet reaped holds nothing; it is not alive.
                if (File.ReadAllText(Path.Combine(dir, "stat")).Split(") ").Last().StartsWith('Z'))
                    continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (arguments.Contains("run-one") && arguments.Any(a => a.StartsWith(folder, StringComparison.Ordinal)))
                pids.Add(pid);
        }
        return pids;
    }

    private static int PidOfAnEndedProcess()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    private static bool Eventually(Func<bool> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
                return false;
            Thread.Sleep(100);
        }
        return true;
    }

    private const int SigInt = 2;
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0 && Marshal.GetLastPInvokeError() != 3 /* ESRCH: already gone */)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>A started repro whose output lines are collected as they come.</summary>
    private sealed class Watched
    {
        private readonly ConcurrentQueue<string> lines = new();
        private readonly SemaphoreSlim arrived = new(0);

        public Watched(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Log => string.Join("\n", lines);

        /// <summary>True once a line holds <paramref name="text"/>; false when the process ends or the time runs out first.</summary>
        public bool WaitFor(string text, TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < limit)
            {
                if (Has(text))
                    return true;
                if (Process.HasExited)
                {
                    // Without a limit, the wait also takes the last lines of output.
                    Process.WaitForExit();
                    return Has(text);
                }
                arrived.Wait(TimeSpan.FromMilliseconds(200));
            }
            return Has(text);
        }

        private bool Has(string text) => lines.Any(l => l.Contains(text, StringComparison.Ordinal));

        private void Add(string? line)
        {
            if (line is null)
                return;
            lines.Enqueue(line);
            arrived.Release();
        }
    }
}
