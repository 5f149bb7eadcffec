using Serilog;

namespace Repro.Experiments.Running.Launchers;

/// <summary>Settings of one <c>repro run --launcher slurm</c>.</summary>
public sealed class SlurmSweepSettings
{
    /// <summary>Absolute: the tasks write there from other machines.</summary>
    public required string ResultsDirectory { get; init; }

    /// <summary>auto (cuda for tasks with a GPU, cpu otherwise), cpu or cuda.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Submit finished runs too, and have their tasks train them again.</summary>
    public bool Force { get; init; }

    /// <summary>Wait while another process holds the results folder, instead of stopping (<c>--wait-lock</c>).</summary>
    public bool WaitForLock { get; init; }

    /// <summary>The command line's Slurm options; they win over each config's <c>launcher:</c> section.</summary>
    public SlurmLauncherOptions CommandLine { get; init; } = new();

    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    public string DataRoot { get; init; } = RunContext.DefaultDataRoot();

    /// <summary>How a node starts repro (absolute paths); null: the way this process was started.</summary>
    public IReadOnlyList<string>? Repro { get; init; }

    /// <summary>How often <c>--wait</c> asks Slurm and reads the results folder.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>/proc/self/mountinfo's text; null reads it.</summary>
    public string? MountInfo { get; init; }

    public string ThisHost { get; init; } = Hosts.ThisHost;
}

/// <summary>
/// What a submission did: the sweep's runs, the jobs it submitted, the folders of the runs it submitted or found in
/// flight in other jobs (the ones to follow), the experiments whose report must be rebuilt.
/// </summary>
public sealed record SlurmSubmission(
    IReadOnlyList<PlannedRun> Plan,
    IReadOnlyList<(string JobId, IReadOnlyList<PlannedRun> Runs)> Jobs,
    int AlreadyDone,
    IReadOnlySet<string> Open,
    IReadOnlySet<string> Changed)
{
    public int Submitted => Jobs.Sum(j => j.Runs.Count);
}

/// <summary>
/// Runs a sweep on a Slurm cluster: after the configs and data are checked, checks the request against the
/// cluster (sbatch on the PATH, the partitions exist, the nodes can see the results folder and the build), then
/// submits the runs that are neither finished nor queued or running in another job, as one job array per distinct
/// request, one task per run, each task running <c>repro run-one --claim</c> on the shared results folder. The
/// submission holds the results folder's lock, as a local sweep does, so that it does not submit runs that a local
/// <c>repro run</c> is training.
/// <see cref="Follow"/> then polls until no run is in flight and builds the reports.
/// </summary>
public sealed class SlurmLauncher
{
    private readonly SlurmSweepSettings settings;
    private readonly ISlurmCluster cluster;
    private readonly SweepRunner runner;
    private readonly ILogger console;

    /// <param name="runner">Plans the runs (ids, folders) and builds the reports; its results folder must be <paramref name="settings"/>'.</param>
    public SlurmLauncher(SlurmSweepSettings settings, ISlurmCluster cluster, SweepRunner runner, ILogger console)
    {
        if (!Path.IsPathFullyQualified(settings.ResultsDirectory))
            throw new ArgumentException("the results folder of a Slurm sweep must be an absolute path", nameof(settings));
        this.settings = settings;
        this.cluster = cluster;
        this.runner = runner;
        this.console = console;
    }

    /// <summary>Submits the sweep; null when <paramref name="cancel"/> fired while it waited for the results folder.</summary>
    public SlurmSubmission? Submit(IReadOnlyList<ResolvedRun> runs, CancellationToken cancel = default)
    {
        settings.CommandLine.Validate();
        var requests = runs.ToDictionary(r => r, r =>
        {
            var options = SlurmLauncherOptions.Over(r.Launcher, settings.CommandLine);
            return (Options: options, Resources: SlurmResources.For(options, r, settings.Device));
        });
        var repro = settings.Repro ?? RunningRepro();
        CheckPartitions(requests.Values.Select(v => v.Options));
        CheckShared(repro);

        using var resultsLock = SweepRunner.LockResults(settings.ResultsDirectory, settings.WaitForLock, console, cancel);
        if (resultsLock is null)
            return null;
        var plan = runner.Plan(runs);
        runner.RecoverReplacements(plan);
        var statuses = SweepStatus.Of(plan.Select(Reference).ToList(), settings.ResultsDirectory, cluster);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        var toSubmit = new List<PlannedRun>();
        var open = new HashSet<string>(StringComparer.Ordinal);
        int alreadyDone = 0, inFlight = 0;
        foreach (var (run, status) in plan.Zip(statuses))
        {
            if (status.InFlight)
            {
                inFlight++;
                open.Add(run.Directory);
                console.Information("{Experiment} {RunId} {State} in another submission: {Detail}", run.Run.Experiment.Name, run.RunId,
                    status.State.ToString().ToLowerInvariant(), status.Detail);
            }
            else if (status.State == RunState.Finished && !settings.Force)
            {
                alreadyDone++;
                if (SweepRunner.RefreshConfig(run))
                    changed.Add(run.Run.Experiment.Name);
                console.Information("{Experiment} {RunId} already done", run.Run.Experiment.Name, run.RunId);
            }
            else
            {
                // run-one reads the run from its config.yaml, as a child process of a local sweep does.
                Directory.CreateDirectory(run.Directory);
                AtomicFile.WriteAllText(ResultPaths.Config(run.Directory), run.Run.ConfigYaml);
                toSubmit.Add(run);
                open.Add(run.Directory);
                changed.Add(run.Run.Experiment.Name);
            }
        }
        // report/runs.csv names the latest sweep, so that `repro report` and `repro status` know it before it ends.
        foreach (var group in plan.GroupBy(p => p.Run.Experiment.Name))
        {
            string reportDir = ReportFolders.For(settings.ResultsDirectory, group.Key, group.First().Run.Profile);
            Directory.CreateDirectory(reportDir);
            string runsPath = ResultPaths.Runs(reportDir);
            string runsCsv = SweepRunner.RunsCsv(group);
            if (!File.Exists(runsPath) || File.ReadAllText(runsPath) != runsCsv)
            {
                AtomicFile.WriteAllText(runsPath, runsCsv);
                changed.Add(group.Key);
            }
        }

        var jobs = new List<(string, IReadOnlyList<PlannedRun>)>();
        if (toSubmit.Count > 0)
        {
            Directory.CreateDirectory(ResultPaths.SlurmLogDirectory(settings.ResultsDirectory));
            int maxArray = Math.Max(1, cluster.MaxArraySize());
            foreach (var group in toSubmit.GroupBy(p => requests[p.Run].Resources.Key))
            {
                var resources = requests[group.First().Run].Resources;
                foreach (var chunk in group.Chunk(maxArray))
                    jobs.Add((SubmitArray(chunk, resources, repro), chunk));
            }
        }
        console.Information("{Total} runs: {Submitted} submitted, {AlreadyDone} already done, {InFlight} in flight in other jobs",
            plan.Count, toSubmit.Count, alreadyDone, inFlight);
        return new SlurmSubmission(plan, jobs, alreadyDone, open, changed);
    }

    private string SubmitArray(IReadOnlyList<PlannedRun> runs, SlurmResources resources, IReadOnlyList<string> repro)
    {
        var tasks = runs.Select(run =>
        {
            var arguments = SweepRunner.RunOneArguments(run, resources.Device, resources.Cpus);
            arguments.Add("--claim");
            if (settings.Force)
                arguments.Add("--force");
            return (IReadOnlyList<string>)arguments;
        }).ToList();
        var experiments = runs.Select(r => r.Run.Experiment.Name).Distinct().ToList();
        string script = SlurmBatchScript.Write(new SlurmArray
        {
            JobName = "repro-" + (experiments.Count == 1 ? experiments[0] : "sweep"),
            Resources = resources,
            Tasks = tasks,
            Repro = repro,
            WorkingDirectory = settings.WorkingDirectory,
            ResultsDirectory = settings.ResultsDirectory,
            DataRoot = settings.DataRoot,
        });
        string jobId = cluster.Submit(script);
        SlurmSubmissions.Record(settings.ResultsDirectory, jobId, script, runs);
        console.Information("submitted job {JobId}: {Runs} as array {Tasks} ({Resources}); task logs in {Logs}", jobId,
            runs.Count == 1 ? "1 run" : $"{runs.Count} runs", runs.Count == 1 ? "task 0" : $"tasks 0-{runs.Count - 1}",
            resources.Describe(), ResultPaths.SlurmLogDirectory(settings.ResultsDirectory));
        return jobId;
    }

    /// <summary>
    /// Follows the sweep until no run is queued or running: a line per run that starts, finishes or fails. Then
    /// builds the reports when every run has a result. Exit code 0 when every run finished, 1 when any failed or
    /// was lost (cancelled, killed with its node, out of time), 130 when <paramref name="cancel"/> stops the
    /// following (the jobs go on).
    /// </summary>
    public int Follow(SlurmSubmission submission, CancellationToken cancel = default)
    {
        var references = submission.Plan.Select(Reference).ToList();
        // The runs to follow start out pending, so that one that ended before the first look is reported too.
        var last = references.ToDictionary(r => r, r => submission.Open.Contains(r.Directory) ? RunState.Pending : RunState.Finished);
        int done = 0;
        IReadOnlyList<RunStatus> statuses;
        while (true)
        {
            statuses = SweepStatus.Of(references, settings.ResultsDirectory, cluster);
            foreach (var status in statuses)
            {
                var before = last[status.Run];
                last[status.Run] = status.State;
                if (before == status.State)
                    continue;
                if (status.State == RunState.Running)
                {
                    console.Information("{Experiment} {RunId} running: {Detail}", status.Run.Experiment, status.Run.RunId, status.Detail);
                }
                else if (status.State is RunState.Finished or RunState.Failed)
                {
                    done++;
                    console.Information("run {Done}/{Total} {Experiment} {RunId} {State}{Detail}", done, submission.Open.Count,
                        status.Run.Experiment, status.Run.RunId, status.State == RunState.Finished ? "finished" : "failed",
                        status.Detail.Length > 0 ? ": " + status.Detail : "");
                }
            }
            if (!statuses.Any(s => s.InFlight))
                break;
            if (cancel.WaitHandle.WaitOne(settings.PollInterval))
            {
                console.Warning("stopped following; the jobs go on (repro status {Results})", settings.ResultsDirectory);
                return 130;
            }
        }

        int finished = statuses.Count(s => s.State == RunState.Finished);
        var unfinished = statuses.Where(s => s.State != RunState.Finished).ToList();
        foreach (var status in unfinished.Where(s => s.State == RunState.Pending))
            console.Warning("{Experiment} {RunId} has no result: {Detail}", status.Run.Experiment, status.Run.RunId, status.Detail);
        console.Information("{Total} runs: {Finished} finished, {Failed} failed or not finished", statuses.Count, finished, unfinished.Count);
        if (statuses.All(s => s.HasResult))
        {
            runner.BuildReports(submission.Plan, submission.Changed);
        }
        else
        {
            console.Warning("reports not built: {Lost} runs have no result (cancelled, killed or out of time); the same command again runs them",
                statuses.Count(s => !s.HasResult));
        }
        return unfinished.Count > 0 ? 1 : 0;
    }

    private static RunReference Reference(PlannedRun run) => new(run.Run.Experiment.Name, run.RunId, run.Directory);

    private void CheckPartitions(IEnumerable<SlurmLauncherOptions> requests)
    {
        var asked = requests.Where(o => o.Partition is not null).DistinctBy(o => o.Partition).ToList();
        if (asked.Count == 0)
            return;
        var names = cluster.Partitions().Select(p => p.Name).ToList();
        foreach (var options in asked)
        {
            string partition = options.Partition!;
            if (names.Contains(partition, StringComparer.Ordinal))
                continue;
            string source = options.SourceOf("partition");
            string suggestion = KeyNames.Nearest(partition, names) is { } near
                ? $" (did you mean '{near}'?)"
                : $" (partitions: {(names.Count == 0 ? "none" : string.Join(", ", names))})";
            throw new ReproInputException(source.StartsWith("--", StringComparison.Ordinal)
                ? $"{source} {partition}: no such partition on this cluster{suggestion}"
                : $"{source}: 'launcher.partition' {partition}: no such partition on this cluster{suggestion}");
        }
    }

    private void CheckShared(IReadOnlyList<string> repro)
    {
        var nodes = cluster.Nodes();
        string mountInfo = settings.MountInfo ?? SharedFolders.ReadMountInfo();
        var folders = new List<(string What, string Path)>
        {
            ("the results folder", settings.ResultsDirectory),
            ("the build", Path.GetDirectoryName(repro[^1]) ?? repro[^1]),
        };
        foreach (var (what, path) in folders)
        {
            if (SharedFolders.WhyNotShared(path, nodes, settings.ThisHost, mountInfo) is { } why)
                throw new ReproInputException(
                    $"--launcher slurm: {what} {path} {why}; put it on a file system that every node mounts (docs/slurm.md)");
        }
        foreach (var (_, path) in folders)
            if (SharedFolders.Caution(path, nodes, settings.ThisHost, mountInfo) is { } caution)
                console.Warning("{Caution}", caution);
    }

    /// <summary>The command that starts this repro again, with absolute paths (the dotnet host and repro.dll, or the apphost).</summary>
    public static IReadOnlyList<string> RunningRepro()
    {
        var start = SweepRunner.DefaultChildProcess([]);
        string host = start.FileName;
        if (!Path.IsPathRooted(host))
        {
            host = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, host))
                .FirstOrDefault(File.Exists) ?? host;
        }
        return [host, .. start.ArgumentList.Select(Path.GetFullPath)];
    }
}
