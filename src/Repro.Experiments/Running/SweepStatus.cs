using Repro.Experiments.Running.Launchers;

namespace Repro.Experiments.Running;

/// <summary>Where a run stands; a run a task is at or queued for is running or pending even when an earlier result exists.</summary>
public enum RunState
{
    /// <summary>Its summary says ok.</summary>
    Finished,

    /// <summary>A live task holds its claim, or its array task has started.</summary>
    Running,

    /// <summary>Its array task waits in the queue, or nothing has been asked of it yet.</summary>
    Pending,

    /// <summary>Its summary says failed, or its last task ended without a result (cancelled, killed, timed out).</summary>
    Failed,
}

/// <summary>A run of a results folder, as <c>repro status</c> and <c>repro run --wait</c> name it.</summary>
public sealed record RunReference(string Experiment, string RunId, string Directory);

/// <summary>
/// One run's state, with a line that says why (the task, its node, the failure). <see cref="InFlight"/>: a task
/// is at it or queued for it, so waiting for it makes sense; <see cref="HasResult"/>: a summary.csv exists.
/// </summary>
public sealed record RunStatus(RunReference Run, RunState State, string Detail, bool InFlight, bool HasResult);

/// <summary>
/// The state of each run from the results folder (summary.csv, the run's claim) and from Slurm (squeue, then
/// sacct) for the tasks that claimed or were submitted to train it. Slurm is asked before the files are read, so
/// a task that ends in between shows as still running rather than as having left no result.
/// </summary>
public static class SweepStatus
{
    public static IReadOnlyList<RunStatus> Of(IReadOnlyList<RunReference> runs, string resultsDirectory, ISlurmCluster? cluster,
        ClaimLiveness? liveness = null)
    {
        liveness ??= new ClaimLiveness();
        // The latest submission of each run is the one that matters: an older task of it has ended or will skip it.
        var latestTask = new Dictionary<(string, string), SlurmTask>();
        foreach (var task in SlurmSubmissions.Read(resultsDirectory))
            latestTask[(task.Experiment, task.RunId)] = task;

        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (latestTask.TryGetValue((run.Experiment, run.RunId), out var task))
                asked.Add(task.JobId);
            if (RunClaims.Latest(run.Directory)?.Claim?.Task is { } claimed)
                asked.Add(claimed);
        }
        var queue = Ask(cluster, asked);

        var seen = runs.Select(run => (Run: run, Summary: RunSummary.TryRead(ResultPaths.Summary(run.Directory)),
            Claim: RunClaims.Latest(run.Directory))).ToList();
        // A task that claimed after the first question (one of another submission) is asked about now.
        var late = seen.Select(s => s.Claim?.Claim?.Task).OfType<string>().Where(t => !Covered(t, asked)).ToHashSet(StringComparer.Ordinal);
        if (late.Count > 0 && queue is not null && Ask(cluster, late) is { } more)
            foreach (var (key, state) in more)
                queue.TryAdd(key, state);

        var statuses = new List<RunStatus>();
        foreach (var (run, summary, claim) in seen)
        {
            latestTask.TryGetValue((run.Experiment, run.RunId), out var task);
            statuses.Add(Judge(run, summary, claim, task, queue, liveness, resultsDirectory));
        }
        return statuses;
    }

    private static RunStatus Judge(RunReference run, RunSummary? summary, (int Generation, RunClaim? Claim, TimeSpan Age)? claim,
        SlurmTask? task, Dictionary<string, SlurmJobState>? queue, ClaimLiveness liveness, string resultsDirectory)
    {
        // A live claim or a queued task comes before an ok summary: with --force, a finished run is trained again.
        bool hasResult = summary is not null;
        ClaimVerdict? verdict = null;
        if (claim is { } c)
        {
            if (c.Claim is null)
            {
                if (c.Age < RunClaims.UnreadableGrace)
                    return new RunStatus(run, RunState.Running, "its claim is being written", true, hasResult);
            }
            else
            {
                verdict = liveness.Judge(c.Claim, queue);
                if (verdict.Live)
                    return new RunStatus(run, RunState.Running,
                        $"{verdict.Reason}, since {c.Claim.Since.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC",
                        true, hasResult);
            }
        }

        SlurmJobState? state = null;
        if (task is not null && queue is not null && queue.TryGetValue(task.Task, out var found))
        {
            state = found;
            if (found.IsPending)
                return new RunStatus(run, RunState.Pending,
                    $"job {task.Task} queued" + (found.Reason is { Length: > 0 } and not "None" ? $" ({found.Reason})" : ""), true, hasResult);
            if (found.IsActive)
                return new RunStatus(run, RunState.Running, $"job {task.Task} {found.State} on {found.Nodes}, starting", true, hasResult);
        }

        if (summary is { IsOk: true })
            return new RunStatus(run, RunState.Finished, "", false, true);
        if (summary is not null)
            return new RunStatus(run, RunState.Failed, summary.Reason, false, true);
        if (verdict is not null)
            return new RunStatus(run, RunState.Failed, $"{verdict.Reason} before finishing; submit again to run it", false, false);
        if (task is not null)
        {
            string log = ResultPaths.SlurmLog(resultsDirectory, task.Task);
            if (queue is null)
                return new RunStatus(run, RunState.Pending, $"job {task.Task}; Slurm cannot be asked", true, false);
            return new RunStatus(run, RunState.Failed,
                $"job {task.Task} {(state is null ? "ended" : state.State)} without a result (log: {log})", false, false);
        }
        return new RunStatus(run, RunState.Pending, "no result yet, and no Slurm task for it", false, false);
    }

    private static Dictionary<string, SlurmJobState>? Ask(ISlurmCluster? cluster, IReadOnlyCollection<string> jobs)
    {
        if (cluster is null)
            return null;
        try
        {
            return new Dictionary<string, SlurmJobState>(cluster.States(jobs), StringComparer.Ordinal);
        }
        catch (SlurmUnavailableException)
        {
            return null;
        }
    }

    /// <summary>True when asking about <paramref name="asked"/> told about <paramref name="task"/> (12_3 is covered by 12).</summary>
    private static bool Covered(string task, IReadOnlySet<string> asked) =>
        asked.Contains(task) || (task.IndexOf('_') is var i and > 0 && asked.Contains(task[..i]));

    /// <summary>
    /// The runs of a results folder (or of one experiment's folder) that a status lists: each experiment's latest
    /// sweep (report/runs.csv), or every run folder when it has none yet, in that order.
    /// </summary>
    public static IReadOnlyList<RunReference> RunsIn(string directory)
    {
        if (!Directory.Exists(directory))
            throw new ReproInputException($"{directory}: results folder not found");
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var experimentFolders = IsExperimentFolder(full)
            ? [full]
            : Directory.GetDirectories(full).Where(IsExperimentFolder).Order(StringComparer.Ordinal).ToList();
        var runs = new List<RunReference>();
        foreach (var folder in experimentFolders)
        {
            string experiment = Path.GetFileName(folder);
            string runsCsv = Path.Combine(folder, ResultPaths.ReportFolderName, ResultPaths.RunsFileName);
            IEnumerable<string> ids = File.Exists(runsCsv)
                ? File.ReadAllLines(runsCsv).Skip(1).Select(l => l.Trim()).Where(ResultPaths.IsRunId)
                : Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Where(ResultPaths.IsRunId).Order(StringComparer.Ordinal);
            runs.AddRange(ids.Distinct().Select(id => new RunReference(experiment, id, Path.Combine(folder, id))));
        }
        if (runs.Count == 0)
            throw new ReproInputException($"{directory}: no runs in it (a results folder holds <experiment>/<run-id>/ folders)");
        return runs;
    }

    private static bool IsExperimentFolder(string folder) =>
        Path.GetFileName(folder) != ResultPaths.SlurmFolderName
        && Directory.Exists(folder)
        && Directory.EnumerateDirectories(folder).Any(d => ResultPaths.IsRunId(Path.GetFileName(d)));
}
