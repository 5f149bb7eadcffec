using System.Collections.Concurrent;
using System.Diagnostics;
using Serilog;
using Serilog.Events;
using Spectre.Console;

namespace Repro.Experiments.Running;

/// <summary>Settings of one <c>repro run</c> invocation.</summary>
public sealed class SweepSettings
{
    public string ResultsDirectory { get; init; } = ResultPaths.DefaultResultsDirectory;

    /// <summary>auto, cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Runs executed at once, each in its own child process when above 1 (<c>--jobs</c>); null leaves it to each
    /// config's <c>jobs</c> key, else 1.
    /// </summary>
    public int? Jobs { get; init; }

    /// <summary>Rerun runs that already finished (each replaces its earlier result only once it is complete).</summary>
    public bool Force { get; init; }

    /// <summary>Wait while another process holds the results folder, instead of stopping (<c>--wait-lock</c>).</summary>
    public bool WaitForLock { get; init; }

    /// <summary>Progress bars (a terminal) instead of plain log lines.</summary>
    public bool Interactive { get; init; }

    /// <summary>How to start a child <c>repro run-one</c>; null uses the running executable.</summary>
    public Func<IReadOnlyList<string>, ProcessStartInfo>? ChildProcess { get; init; }

    /// <summary>Runs of <paramref name="run"/>'s config executed at once: <c>--jobs</c>, else the config's <c>jobs</c>, else 1.</summary>
    public int JobsFor(ResolvedRun run) => Math.Max(1, Jobs ?? run.Jobs ?? 1);

    /// <summary>Threads each run gets: the budget (config <c>threads</c>, else the core count) split across jobs.</summary>
    public static int ThreadsPerRun(int? configuredBudget, int jobs) =>
        Math.Max(1, (configuredBudget ?? Environment.ProcessorCount) / Math.Max(1, jobs));

    /// <summary>Threads each run of <paramref name="run"/>'s config gets.</summary>
    public int ThreadsPerRun(ResolvedRun run) => ThreadsPerRun(run.Threads, JobsFor(run));
}

/// <summary>A resolved run with its id and folder.</summary>
public sealed record PlannedRun(ResolvedRun Run, string RunId, string Directory);

/// <summary>What a sweep did; <see cref="ExitCode"/> is 1 when any run failed.</summary>
public sealed record SweepOutcome(int Completed, int AlreadyDone, int Failed, bool Cancelled)
{

    public int ExitCode => Cancelled ? 130 : Failed > 0 ? 1 : 0;
}

/// <summary>
/// Executes resolved runs: holds the results folder's lock while it works, skips finished runs, runs the rest (in
/// process, or in child processes with <c>--jobs</c>), records each run's files, and after the sweep writes
/// report/runs.csv and builds the reports. A run that fails (non-finite loss or any other exception) is recorded
/// as failed and the sweep goes on. Each run is trained under its own lock, so that no two processes write one run
/// folder, and a finished run trained again replaces its result only once the new one is complete
/// (<see cref="RunReplacement"/>). docs/failure-model.md says what a kill leaves at each point.
/// </summary>
public sealed class SweepRunner
{
    public delegate void ReportBuilderHook(string resultsDirectory, string experimentName, IExperiment experiment, IReadOnlyList<ClaimSpec> claims,
        string reportDirectory);

    private readonly SweepSettings settings;
    private readonly CodeVersion codeVersion;
    private readonly IRunEnvironment environment;
    private readonly ILogger console;

    public SweepRunner(SweepSettings settings, CodeVersion codeVersion, IRunEnvironment environment, ILogger console)
    {
        this.settings = settings;
        this.codeVersion = codeVersion;
        this.environment = environment;
        this.console = console;
    }

    /// <summary>Builds an experiment's report after its runs; replaceable so tests of the runner need no reporting.</summary>
    public ReportBuilderHook ReportBuilder { get; init; } = (results, name, experiment, claims, reportDirectory) =>
        Reporting.ReportBuilder.Build(results, name, experiment, claims, reportDirectory: reportDirectory);

    /// <summary>The last sweep's closing table: per experiment its runs, the wall time spent on them, its claims holding.</summary>
    public IReadOnlyList<ExperimentTally> Tallies { get; private set; } = [];

    /// <summary>Wall time of the last sweep, reports included.</summary>
    public double WallSeconds { get; private set; }

    public IReadOnlyList<PlannedRun> Plan(IEnumerable<ResolvedRun> runs)
    {
        var planned = new List<PlannedRun>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            string id = run.RunId(codeVersion.Version);
            string directory = ResultPaths.RunDirectory(settings.ResultsDirectory, run.Experiment.Name, id);
            // Two configs (or a sweep listing a value twice) can resolve to the same run; it runs once.
            if (seen.Add(directory))
                planned.Add(new PlannedRun(run, id, directory));
        }
        return planned;
    }

    public SweepOutcome Run(IReadOnlyList<ResolvedRun> runs, CancellationToken cancel = default)
    {
        using var resultsLock = LockResults(settings.ResultsDirectory, settings.WaitForLock, console, cancel);
        if (resultsLock is null)
            return new SweepOutcome(0, 0, 0, Cancelled: true);
        var sweepClock = System.Diagnostics.Stopwatch.StartNew();
        // Per experiment, when its first run of this sweep started and its last one ended (seconds into the sweep):
        // with --jobs, runs of several configs share the jobs, so an experiment's wall time is the span of its runs.
        var spans = new System.Collections.Concurrent.ConcurrentDictionary<string, (double Start, double End)>(StringComparer.Ordinal);
        var plan = Plan(runs);
        RecoverReplacements(plan);
        var pending = new List<PlannedRun>();
        var rewritten = new HashSet<string>(StringComparer.Ordinal);
        int alreadyDone = 0;
        foreach (var run in plan)
        {
            if (!settings.Force && IsFinished(run))
            {
                alreadyDone++;
                if (RefreshConfig(run))
                    rewritten.Add(run.Run.Experiment.Name);
                console.Information("{Experiment} {RunId} already done", run.Run.Experiment.Name, run.RunId);
            }
            else
            {
                pending.Add(run);
            }
        }

        // Loading the engine to ask for CUDA takes a while; a sweep with nothing left to run does not need it.
        string device = pending.Count > 0 ? environment.ResolveDevice(settings.Device) : settings.Device;
        var results = new SweepProgress(pending.Count, console, settings.Interactive);
        Exception? inputError = null;
        bool cancelled = false;
        results.Show(progress =>
        {
            // Consecutive runs with the same number of jobs (one config, usually) run as one batch.
            foreach (var batch in Batches(pending))
            {
                if (cancel.IsCancellationRequested || inputError is not null)
                    break;
                if (batch.Jobs <= 1)
                    RunInProcess(batch.Runs, progress);
                else
                    RunInChildren(batch.Runs, batch.Jobs, progress);
            }
        });
        cancelled = cancel.IsCancellationRequested;
        if (inputError is not null)
            throw inputError;

        if (!cancelled)
            BuildReports(plan, pending.Select(p => p.Run.Experiment.Name).Concat(rewritten).ToHashSet(StringComparer.Ordinal));
        Tallies = cancelled ? [] : Tally(plan, pending, spans);
        WallSeconds = sweepClock.Elapsed.TotalSeconds;
        return new SweepOutcome(results.Completed, alreadyDone, results.FailedCount, cancelled);

        void RunInProcess(IReadOnlyList<PlannedRun> batch, SweepProgress progress)
        {
            foreach (var run in batch)
            {
                if (cancel.IsCancellationRequested)
                    break;
                double start = sweepClock.Elapsed.TotalSeconds;
                try
                {
                    var summary = Execute(run, device, settings.ThreadsPerRun(run.Run), progress.EpochReporter(run), cancel);
                    progress.Finished(run, summary);
                }
                catch (RunInProgressException e)
                {
                    console.Warning("{Message}", e.Message);
                    progress.Finished(run, NotRun(run, e.Message));
                }
                catch (ReproInputException e)
                {
                    inputError = e;
                    break;
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    break;
                }
                finally
                {
                    Spanned(run, start);
                }
            }
        }

        void Spanned(PlannedRun run, double start)
        {
            double end = sweepClock.Elapsed.TotalSeconds;
            spans.AddOrUpdate(run.Run.Experiment.Name, (start, end), (_, span) => (Math.Min(span.Start, start), Math.Max(span.End, end)));
        }

        void RunInChildren(IReadOnlyList<PlannedRun> batch, int jobs, SweepProgress progress)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = jobs };
            try
            {
                // One run at a time to whichever job is free, in sweep order (a list would otherwise be split into
                // fixed ranges up front, and one job could be left with all the long runs).
                var queue = Partitioner.Create(batch, EnumerablePartitionerOptions.NoBuffering);
                Parallel.ForEach(queue, parallel, (run, state) =>
                {
                    if (cancel.IsCancellationRequested || Volatile.Read(ref inputError) is not null)
                    {
                        state.Stop();
                        return;
                    }
                    var channel = progress.Started(run);
                    double start = sweepClock.Elapsed.TotalSeconds;
                    var (summary, error) = ExecuteInChild(run, device, settings.ThreadsPerRun(run.Run), cancel, channel);
                    Spanned(run, start);
                    if (error is not null)
                    {
                        Interlocked.CompareExchange(ref inputError, error, null);
                        state.Stop();
                    }
                    if (summary is not null)
                        progress.Finished(run, summary);
                });
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>
    /// Takes the lock of a results folder for this process; waits while another process holds it when
    /// <paramref name="wait"/> (null when <paramref name="cancel"/> fires meanwhile), else stops with one line naming
    /// the holder. A lock left by a process that died holding it is taken over, with a line that says so.
    /// </summary>
    public static FolderLock? LockResults(string resultsDirectory, bool wait, ILogger console, CancellationToken cancel)
    {
        LockAttempt attempt;
        try
        {
            attempt = FolderLock.Acquire(ResultPaths.ResultsLock(resultsDirectory), LockHolder.OfThisProcess(), wait,
                held => console.Information("{Results} is in use by {Holder}; waiting for it", resultsDirectory, held.HolderText), cancel);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"{resultsDirectory}: cannot use it as a results folder ({OneLine(e.Message)})", e);
        }
        if (attempt.Lock is { } acquired)
        {
            if (attempt.TakenOver is { } why)
                console.Warning("{Results}: taking over the lock left by {Holder}: {Why}", resultsDirectory, attempt.HolderText, why);
            return acquired;
        }
        if (wait)
            return null;
        throw new ReproInputException(
            $"{resultsDirectory}: in use by {attempt.HolderText}; wait for it with --wait-lock, or use another --results folder");
    }

    /// <summary>
    /// Puts right the run folders of <paramref name="plan"/> whose replacement (<c>--force</c>) was cut short, before
    /// anything reads them; a run whose lock another process holds is left to that process.
    /// </summary>
    public void RecoverReplacements(IReadOnlyList<PlannedRun> plan)
    {
        foreach (var run in plan)
        {
            if (!RunReplacement.HasLeftovers(run.Directory))
                continue;
            var attempt = FolderLock.TryAcquire(ResultPaths.RunLock(run.Directory), LockHolder.OfThisProcess());
            using var runLock = attempt.Lock;
            if (runLock is not null && RunReplacement.Recover(run.Directory) is { } what)
                console.Information("{Experiment} {RunId}: {What}", run.Run.Experiment.Name, run.RunId, what);
        }
    }

    /// <summary>True when the run's summary says ok: the run is skipped unless forced.</summary>
    public static bool IsFinished(PlannedRun run) => RunSummary.TryRead(ResultPaths.Summary(run.Directory)) is { IsOk: true };

    /// <summary>
    /// Rewrites a finished run's config.yaml when its claims or description changed without changing the run (the
    /// report reads them there); true when it did.
    /// </summary>
    public static bool RefreshConfig(PlannedRun run)
    {
        string configPath = ResultPaths.Config(run.Directory);
        string yaml = run.Run.ConfigYaml;
        if (File.Exists(configPath) && File.ReadAllText(configPath) == yaml)
            return false;
        AtomicFile.WriteAllText(configPath, yaml);
        return true;
    }

    /// <summary>report/runs.csv of an experiment's runs in a sweep.</summary>
    public static string RunsCsv(IEnumerable<PlannedRun> runs) => "run_id\n" + string.Concat(runs.Select(p => p.RunId + "\n"));

    /// <summary>The arguments of <c>repro run-one</c> for <paramref name="planned"/> (its config.yaml already written).</summary>
    public static List<string> RunOneArguments(PlannedRun planned, string device, int threads)
    {
        var run = planned.Run;
        var arguments = new List<string>
        {
            "run-one", planned.Directory, "--device", device, "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--source", run.SourceFile,
        };
        if (run.Profile is not null)
            arguments.AddRange(["--profile", run.Profile]);
        foreach (var (key, _) in run.SweptParameters)
            arguments.AddRange(["--swept", key]);
        return arguments;
    }

    /// <summary>The <c>run-one</c> flag that makes a child write its progress as lines for the live display (<see cref="RunProgress.LinePrefix"/>).</summary>
    public const string ProgressLinesOption = "--progress-lines";

    /// <summary>Consecutive runs that share a number of jobs, in order.</summary>
    private IEnumerable<(int Jobs, IReadOnlyList<PlannedRun> Runs)> Batches(IReadOnlyList<PlannedRun> pending)
    {
        var batch = new List<PlannedRun>();
        int jobs = 0;
        foreach (var run in pending)
        {
            int j = settings.JobsFor(run.Run);
            if (batch.Count > 0 && j != jobs)
            {
                yield return (jobs, batch);
                batch = new List<PlannedRun>();
            }
            jobs = j;
            batch.Add(run);
        }
        if (batch.Count > 0)
            yield return (jobs, batch);
    }

    /// <summary>
    /// Runs one run in this process and records it, under the run's lock (a <see cref="RunInProgressException"/> when
    /// another process holds it: nothing is written then). A run folder that holds a finished result (a forced rerun)
    /// keeps it while the run trains again in a folder beside it, and gets the new result in one rename once it is
    /// complete and ok; a rerun that fails or is killed leaves the earlier result as it was. Returns the summary; a
    /// <see cref="ReproInputException"/> is recorded as a failure and then rethrown, since every other run of the
    /// sweep would hit it too.
    /// </summary>
    public RunSummary Execute(PlannedRun planned, string device, int threads, IProgress<EpochProgress>? progress = null,
        CancellationToken cancel = default)
    {
        var run = planned.Run;
        using var runLock = LockRun(planned);
        if (RunReplacement.Recover(planned.Directory) is { } recovered)
            console.Information("{Experiment} {RunId}: {What}", run.Experiment.Name, planned.RunId, recovered);
        bool replacing = IsFinished(planned);
        string dir = replacing ? ResultPaths.Rerun(planned.Directory) : planned.Directory;
        Directory.CreateDirectory(dir);
        if (!replacing)
        {
            AtomicFile.RemoveLeftovers(dir);
            // The summary marks a run finished, so it goes first: a run killed from here on is redone next time.
            File.Delete(ResultPaths.Summary(dir));
            File.Delete(ResultPaths.Metrics(dir));
            File.Delete(ResultPaths.Log(dir));
        }
        AtomicFile.WriteAllText(ResultPaths.Config(dir), run.ConfigYaml);

        var (summary, inputError) = Train(planned, dir, device, threads, progress, cancel);
        if (replacing)
        {
            if (summary.IsOk)
            {
                CarryClaims(planned.Directory, dir);
                RunReplacement.Replace(planned.Directory, dir);
                console.Information("{Experiment} {RunId}: the new result replaced the earlier one", run.Experiment.Name, planned.RunId);
            }
            else
            {
                console.Warning("{Experiment} {RunId}: the rerun failed, the earlier result is kept (the failed attempt stays in {Rerun} until the next run)",
                    run.Experiment.Name, planned.RunId, dir);
            }
        }
        if (inputError is not null)
            throw inputError;
        return summary;
    }

    /// <summary>The run's lock for this process, or a <see cref="RunInProgressException"/> naming its holder.</summary>
    private FolderLock LockRun(PlannedRun planned)
    {
        var attempt = FolderLock.TryAcquire(ResultPaths.RunLock(planned.Directory), LockHolder.OfThisProcess());
        if (attempt.Lock is null)
            throw new RunInProgressException(
                $"{planned.Run.Experiment.Name} {planned.RunId} is being trained by {attempt.HolderText}; not training it twice");
        if (attempt.TakenOver is { } why)
            console.Information("{Experiment} {RunId}: taking over the run's lock left by {Holder}: {Why}", planned.Run.Experiment.Name,
                planned.RunId, attempt.HolderText, why);
        return attempt.Lock;
    }

    /// <summary>
    /// A Slurm task's claim (claim.N) goes with the run folder it holds: copied into the new result before the
    /// swap, so that the run is claimed throughout.
    /// </summary>
    private static void CarryClaims(string runDirectory, string rerunDirectory)
    {
        foreach (var claim in Directory.EnumerateFiles(runDirectory, ResultPaths.ClaimFilePrefix + "*"))
            File.Copy(claim, Path.Combine(rerunDirectory, Path.GetFileName(claim)), overwrite: true);
    }

    /// <summary>Trains the run with <paramref name="dir"/> as its folder and writes its metrics, provenance and summary there.</summary>
    private (RunSummary Summary, ReproInputException? InputError) Train(PlannedRun planned, string dir, string device, int threads,
        IProgress<EpochProgress>? progress, CancellationToken cancel)
    {
        var run = planned.Run;
        // Seeds and thread counts first, so that the provenance records the engine as the run finds it.
        environment.Prepare(run.Seed, threads);
        var provenance = new Provenance
        {
            RunId = planned.RunId,
            Experiment = run.Experiment.Name,
            ConfigFile = run.SourceFile,
            Profile = run.Profile,
            CodeVersion = codeVersion.Version,
            GitCommit = codeVersion.Commit,
            GitDirty = codeVersion.Dirty,
            Binding = Safely(() => environment.Binding),
            Libtorch = Safely(() => environment.LibtorchVersion),
            Heap = Safely(() => environment.Heap),
            Convolutions = Safely(() => environment.Convolutions),
            Blas = Safely(() => environment.Blas),
            Device = device,
            Threads = threads,
            Seed = run.Seed,
            StartTime = DateTimeOffset.UtcNow,
        };
        provenance.Write(ResultPaths.Provenance(dir));

        using var log = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("RunId", planned.RunId)
            .WriteTo.File(ResultPaths.Log(dir), outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}",
                formatProvider: CultureInfo.InvariantCulture)
            .WriteTo.Logger(console, LogEventLevel.Information)
            .CreateLogger();

        var metrics = new MetricsLog();
        var context = new RunContext
        {
            RunDirectory = dir,
            RunId = planned.RunId,
            Seed = run.Seed,
            Device = device,
            Threads = threads,
            Metrics = metrics,
            Log = log,
            Progress = new EpochLogger(log, progress),
            Cancel = cancel,
        };

        string parameters = string.Join(" ", run.SweptParameters.Select(p => $"{p.Key}={p.Value}"));
        log.Information("{Experiment} {RunId} starting (seed {Seed}, {Threads} threads, {Device}) {Parameters}",
            run.Experiment.Name, planned.RunId, run.Seed, threads, device, parameters);
        var clock = Stopwatch.StartNew();
        string status = RunSummary.Ok, reason = "";
        IReadOnlyDictionary<string, double> final = new Dictionary<string, double>();
        ReproInputException? inputError = null;
        try
        {
            // The training loops of the run report their steps to the run's progress channel (RunProgress.Current).
            using (progress is RunProgress channel ? channel.Enter() : null)
                final = run.Experiment.Run(run.Options, context).Summary;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            log.Warning("{RunId} cancelled; it will run again next time", planned.RunId);
            throw;
        }
        catch (NonFiniteLossException e)
        {
            (status, reason) = (RunSummary.Failed, OneLine(e.Message));
            log.Error("{RunId} failed: {Reason}", planned.RunId, reason);
        }
        catch (ReproInputException e)
        {
            (status, reason, inputError) = (RunSummary.Failed, OneLine(e.Message), e);
            log.Error("{RunId} failed: {Reason}", planned.RunId, reason);
        }
        catch (Exception e)
        {
            (status, reason) = (RunSummary.Failed, OneLine($"{e.GetType().Name}: {e.Message}"));
            log.Error(e, "{RunId} failed: {Reason}", planned.RunId, reason);
        }

        metrics.WriteCsv(ResultPaths.Metrics(dir));
        provenance.EndTime = DateTimeOffset.UtcNow;
        provenance.Status = status;
        provenance.Write(ResultPaths.Provenance(dir));
        var summary = new RunSummary(planned.RunId, status, reason, run.SweptParameters, final);
        summary.Write(ResultPaths.Summary(dir));
        if (status == RunSummary.Ok)
            log.Information("{Experiment} {RunId} ok in {Seconds:F1}s {Metrics}", run.Experiment.Name, planned.RunId,
                clock.Elapsed.TotalSeconds, string.Join(" ", final.OrderBy(m => m.Key, StringComparer.Ordinal)
                    .Select(m => $"{m.Key}={MetricsLog.FormatValue(m.Value)}")));
        return (summary, inputError);
    }

    /// <summary>A failed summary kept in memory for a run this process did not get to train (nothing is written).</summary>
    private static RunSummary NotRun(PlannedRun run, string reason) =>
        new(run.RunId, RunSummary.Failed, OneLine(reason), run.Run.SweptParameters, new Dictionary<string, double>());

    /// <summary>The closing table's lines: per experiment, its runs, the wall time this sweep spent on them, its claims holding.</summary>
    private IReadOnlyList<ExperimentTally> Tally(IReadOnlyList<PlannedRun> plan, IReadOnlyList<PlannedRun> pending,
        IReadOnlyDictionary<string, (double Start, double End)> spans)
    {
        var ran = pending.Select(p => p.Directory).ToHashSet(StringComparer.Ordinal);
        var tallies = new List<ExperimentTally>();
        foreach (var group in plan.GroupBy(p => p.Run.Experiment.Name))
        {
            string? profile = group.First().Run.Profile;
            int failed = group.Count(p => ran.Contains(p.Directory) && !IsFinished(p));
            int trained = group.Count(p => ran.Contains(p.Directory)) - failed;
            int? holding = SweepTally.HoldingClaims(ReportFolders.For(settings.ResultsDirectory, group.Key, profile), out int? claims);
            (double Start, double End)? span = spans.TryGetValue(group.Key, out var s) ? s : null;
            tallies.Add(new ExperimentTally(group.Key, profile, group.Count(), trained, group.Count() - trained - failed, failed,
                span is { } done ? done.End - done.Start : 0, span?.End, holding, claims));
        }
        return tallies;
    }

    /// <summary>
    /// Writes each experiment's runs.csv (this sweep's runs) in its profile's report folder and builds its report. A
    /// report is a function of those files alone, so an experiment whose runs, runs.csv and configs are all unchanged
    /// keeps its report.
    /// </summary>
    public void BuildReports(IReadOnlyList<PlannedRun> plan, IReadOnlySet<string> changed)
    {
        foreach (var group in plan.GroupBy(p => p.Run.Experiment.Name))
        {
            var first = group.First().Run;
            string reportDir = ReportFolders.For(settings.ResultsDirectory, group.Key, first.Profile);
            Directory.CreateDirectory(reportDir);
            string runsPath = ResultPaths.Runs(reportDir);
            string runsCsv = RunsCsv(group);
            bool upToDate = !changed.Contains(group.Key) && File.Exists(ResultPaths.Report(reportDir))
                            && File.Exists(runsPath) && File.ReadAllText(runsPath) == runsCsv;
            if (upToDate)
            {
                console.Information("{Experiment} report is up to date", group.Key);
                continue;
            }
            AtomicFile.WriteAllText(runsPath, runsCsv);
            try
            {
                ReportBuilder(settings.ResultsDirectory, group.Key, first.Experiment, first.Claims, reportDir);
            }
            catch (ReproInputException)
            {
                throw;
            }
            catch (Exception e)
            {
                console.Error(e, "report for {Experiment} failed: {Message}", group.Key, e.Message);
                throw new ReportFailedException($"report for {group.Key} failed: {OneLine(e.Message)}", e);
            }
        }
    }

    /// <summary>
    /// Runs one run in a child <c>repro run-one</c>, which the kernel ends when this process ends (<c>--parent</c>).
    /// This process writes into the run folder only under the run's lock: the config before the child starts, and
    /// a failed summary when the child died without one.
    /// </summary>
    private (RunSummary? Summary, ReproInputException? InputError) ExecuteInChild(PlannedRun planned, string device, int threads,
        CancellationToken cancel, RunProgress? progress = null)
    {
        var run = planned.Run;
        bool replacing;
        var attempt = FolderLock.TryAcquire(ResultPaths.RunLock(planned.Directory), LockHolder.OfThisProcess());
        if (attempt.Lock is null)
            return (Held(planned, attempt), null);
        using (attempt.Lock)
        {
            RunReplacement.Recover(planned.Directory);
            // A finished run (forced) keeps its folder as it is; the child trains beside it and swaps it in.
            replacing = IsFinished(planned);
            if (replacing)
            {
                RefreshConfig(planned);
            }
            else
            {
                Directory.CreateDirectory(planned.Directory);
                AtomicFile.WriteAllText(ResultPaths.Config(planned.Directory), run.ConfigYaml);
            }
        }
        var arguments = RunOneArguments(planned, device, threads);
        arguments.AddRange(["--parent", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]);
        if (progress is not null)
            arguments.Add(ProgressLinesOption);
        var start = (settings.ChildProcess ?? DefaultChildProcess)(arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // The kernel ties the child to the thread that starts it (PR_SET_PDEATHSIG), so this thread waits for it.
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start a child repro process");
        string lastError = "";
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && progress?.TryApplyLine(line) != true)
                console.Information("{Line}", line);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
                lastError = line;
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancel.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
            process.WaitForExit();
        if (cancel.IsCancellationRequested)
            return (null, null);

        // A failed rerun leaves the earlier result in place and its own summary in the rerun folder.
        string written = process.ExitCode == ExitCodes.Failure && replacing ? ResultPaths.Rerun(planned.Directory) : planned.Directory;
        var summary = RunSummary.TryRead(ResultPaths.Summary(written));
        if (process.ExitCode == RunInProgressException.ExitCode)
        {
            string reason = lastError.Length > 0 ? lastError : $"{run.Experiment.Name} {planned.RunId} is being trained by another process";
            console.Warning("{Reason}", reason);
            return (NotRun(planned, reason), null);
        }
        if (process.ExitCode == ExitCodes.BadInput)
            return (summary, new ReproInputException(lastError.Length > 0 ? lastError : $"run {planned.RunId} rejected its input"));
        if (process.ExitCode is not (ExitCodes.Success or ExitCodes.Failure) || summary is null || summary.RunId != planned.RunId)
        {
            // The child died before recording anything (crash, out of memory, killed): record that here.
            string reason = OneLine($"child process exited with code {process.ExitCode}" + (lastError.Length > 0 ? $": {lastError}" : ""));
            summary = NotRun(planned, reason);
            if (replacing)
            {
                console.Error("{RunId} failed: {Reason}; the earlier result is kept", planned.RunId, reason);
                return (summary, null);
            }
            var again = FolderLock.TryAcquire(ResultPaths.RunLock(planned.Directory), LockHolder.OfThisProcess());
            using (again.Lock)
            {
                if (again.Lock is not null)
                    summary.Write(ResultPaths.Summary(planned.Directory));
            }
            console.Error("{RunId} failed: {Reason}", planned.RunId, reason);
        }
        return (summary, null);
    }

    /// <summary>A run another process trains: said in one line, recorded as not run here.</summary>
    private RunSummary Held(PlannedRun planned, LockAttempt attempt)
    {
        string reason = $"{planned.Run.Experiment.Name} {planned.RunId} is being trained by {attempt.HolderText}; not training it twice";
        console.Warning("{Reason}", reason);
        return NotRun(planned, reason);
    }

    /// <summary>Starts the running repro executable again (apphost, or `dotnet repro.dll`).</summary>
    public static ProcessStartInfo DefaultChildProcess(IReadOnlyList<string> arguments)
    {
        string processPath = Environment.ProcessPath ?? "dotnet";
        string entry = System.Reflection.Assembly.GetEntryAssembly()?.Location ?? "";
        ProcessStartInfo start;
        if (Path.GetFileNameWithoutExtension(processPath) == "repro")
        {
            start = new ProcessStartInfo(processPath);
        }
        else
        {
            // Under `dotnet repro.dll` or a test host: run the repro assembly through the dotnet host.
            string dll = Path.GetFileNameWithoutExtension(entry) == "repro"
                ? entry
                : Path.Combine(AppContext.BaseDirectory, "repro.dll");
            string host = Path.GetFileNameWithoutExtension(processPath) == "dotnet" ? processPath : "dotnet";
            start = new ProcessStartInfo(host);
            start.ArgumentList.Add(dll);
        }
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        return start;
    }

    private static string? Safely(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            return null;
        }
    }

    internal static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', '\r').Select(s => s.Trim()).Where(s => s.Length > 0));

    /// <summary>Epoch reports go to the run log file and to the progress bar when there is one.</summary>
    private sealed class EpochLogger(ILogger log, IProgress<EpochProgress>? bar) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value)
        {
            log.Debug("epoch {Epoch}/{Epochs} {Detail}", value.Epoch, value.Epochs, value.Detail ?? "");
            bar?.Report(value);
        }
    }
}

/// <summary>The exit codes of <c>repro</c> that a parent reads from its <c>run-one</c> children.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
}

/// <summary>
/// Another live process holds the run's lock and trains it: this process leaves the run folder alone.
/// <c>repro run-one</c> exits with <see cref="ExitCode"/> on it.
/// </summary>
public sealed class RunInProgressException(string message) : Exception(message)
{
    public const int ExitCode = 3;
}

/// <summary>An experiment's report could not be built from its runs' CSV files.</summary>
public sealed class ReportFailedException(string message, Exception inner) : Exception(message, inner);
