using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Repro.Experiments.Running.Launchers;

namespace Repro.Experiments.Running;

/// <summary>
/// Who is training a run: the Slurm task (job, array job and task ids) and the process (host, boot, pid and the
/// pid's start time, so that a reused pid is not taken for the claimer).
/// </summary>
public sealed record RunClaim
{
    [JsonPropertyName("host")] public required string Host { get; init; }
    [JsonPropertyName("boot_id")] public string? BootId { get; init; }
    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("pid_start")] public long? PidStart { get; init; }
    [JsonPropertyName("job_id")] public string? JobId { get; init; }
    [JsonPropertyName("array_job_id")] public string? ArrayJobId { get; init; }
    [JsonPropertyName("array_task_id")] public string? ArrayTaskId { get; init; }
    [JsonPropertyName("since")] public DateTimeOffset Since { get; init; }

    /// <summary>The Slurm task as squeue and scancel name it (12_3 in an array, 12 otherwise); null outside Slurm.</summary>
    [JsonIgnore]
    public string? Task => ArrayJobId is { Length: > 0 } array && ArrayTaskId is { Length: > 0 } index
        ? $"{array}_{index}"
        : JobId is { Length: > 0 } job ? job : null;

    /// <summary>"job 12_3 (pid 4242 on node7)" or "pid 4242 on node7".</summary>
    public string Describe() =>
        Task is { } task
            ? $"job {task} (pid {Pid.ToString(CultureInfo.InvariantCulture)} on {Host})"
            : $"pid {Pid.ToString(CultureInfo.InvariantCulture)} on {Host}";

    /// <summary>This process, with the Slurm ids of the task it runs in when it runs in one.</summary>
    public static RunClaim OfThisProcess(DateTimeOffset? now = null)
    {
        int pid = Environment.ProcessId;
        return new RunClaim
        {
            Host = Hosts.ThisHost,
            BootId = Hosts.BootId,
            Pid = pid,
            PidStart = Hosts.ProcessStart(pid),
            JobId = Variable("SLURM_JOB_ID"),
            ArrayJobId = Variable("SLURM_ARRAY_JOB_ID"),
            ArrayTaskId = Variable("SLURM_ARRAY_TASK_ID"),
            Since = now ?? DateTimeOffset.UtcNow,
        };

        static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>The claim in <paramref name="text"/>; null when it is not one (empty, cut short, something else).</summary>
    public static RunClaim? TryParse(string text)
    {
        try
        {
            var claim = JsonSerializer.Deserialize<RunClaim>(text, JsonOptions);
            return claim is { Host.Length: > 0 } ? claim : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Whether a claim's holder is still at work, and in words why.</summary>
public sealed record ClaimVerdict(bool Live, string Reason);

/// <summary>
/// Decides whether a claim is live. Slurm's word comes first: a claim whose task is pending, running or
/// completing in squeue is live, one whose task has ended (or left the queue) is stale. Without an answer from
/// Slurm (or for a claim made outside Slurm), a claim made on this host is live while its process is; a claim
/// from another host that cannot be checked counts as live, since taking it could train the run twice.
/// </summary>
public sealed class ClaimLiveness
{
    private readonly RunClaim? self;
    private readonly string thisHost;
    private readonly string? bootId;
    private readonly Func<int, long?> processStart;

    /// <param name="self">The claimer asking, if any: a claim by its own task is an earlier start of it (a requeue).</param>
    /// <param name="processStart">Start time of a live pid on this host, null when none; the default reads /proc.</param>
    public ClaimLiveness(RunClaim? self = null, string? thisHost = null, string? bootId = null, Func<int, long?>? processStart = null)
    {
        this.self = self;
        this.thisHost = thisHost ?? Hosts.ThisHost;
        this.bootId = bootId ?? Hosts.BootId;
        this.processStart = processStart ?? Hosts.ProcessStart;
    }

    /// <param name="queue">squeue's (and sacct's) states of the claim's task, keyed as <see cref="RunClaim.Task"/>;
    /// null when Slurm could not be asked.</param>
    public ClaimVerdict Judge(RunClaim claim, IReadOnlyDictionary<string, SlurmJobState>? queue)
    {
        if (self?.Task is { } own && claim.Task == own)
            return new ClaimVerdict(false, $"an earlier start of this task ({claim.Describe()}), requeued by Slurm");
        if (claim.Task is { } task && queue is not null)
        {
            if (queue.TryGetValue(task, out var state))
                return state.IsActive
                    ? new ClaimVerdict(true, $"{claim.Describe()}, {state.State}")
                    : new ClaimVerdict(false, $"{claim.Describe()} ended {state.State}");
            return new ClaimVerdict(false, $"{claim.Describe()} is no longer in Slurm's queue");
        }
        if (Hosts.Same(claim.Host, thisHost))
        {
            bool sameBoot = claim.BootId is null || bootId is null || claim.BootId == bootId;
            long? started = sameBoot ? processStart(claim.Pid) : null;
            bool alive = started is not null && (claim.PidStart is null || claim.PidStart == started);
            return alive
                ? new ClaimVerdict(true, claim.Describe())
                : new ClaimVerdict(false, $"{claim.Describe()} is gone");
        }
        return new ClaimVerdict(true, $"{claim.Describe()} (cannot be checked from {thisHost})");
    }
}

/// <summary>What <see cref="RunClaims.TryAcquire"/> found.</summary>
public sealed record ClaimAttempt(ClaimAttempt.Outcome Result, int Generation, RunClaim? Holder, string Reason)
{
    public enum Outcome
    {
        /// <summary>This process holds generation <see cref="Generation"/> and trains the run.</summary>
        Acquired,
        /// <summary>The run has an ok summary: nothing to train.</summary>
        Finished,
        /// <summary>A live claimer (<see cref="Holder"/>) trains it.</summary>
        Held,
    }
}

/// <summary>
/// The per-run claim that keeps two Slurm tasks (of one submission or two) from training the same run. A claim is
/// a file claim.N in the run folder, N its generation. To claim, a task looks at the highest generation: none, or
/// a stale one (<see cref="ClaimLiveness"/>), lets it create generation N+1. The file is written in full under a
/// temporary name and hard-linked into place, which fails when the name exists, so of any number of tasks racing
/// for N+1 exactly one wins (link is atomic on local file systems and on NFS) and nobody reads half a claim; the
/// losers look again and find the winner's live claim. The holder removes its generation and the ones below once
/// the run's summary is written, and a task that wins checks for a summary again, so a run that finished in the
/// meantime is not trained a second time. A task killed with its node leaves its claim behind, which is stale as
/// soon as Slurm no longer lists the task.
/// </summary>
public static class RunClaims
{
    /// <summary>A claim that cannot be read is being written by the O_EXCL fallback, or is debris once this old.</summary>
    public static readonly TimeSpan UnreadableGrace = TimeSpan.FromSeconds(60);

    private const int Attempts = 20;

    /// <summary>The highest generation in <paramref name="runDirectory"/>, its claim (null when unreadable) and its age.</summary>
    public static (int Generation, RunClaim? Claim, TimeSpan Age)? Latest(string runDirectory)
    {
        if (!Directory.Exists(runDirectory))
            return null;
        int best = 0;
        foreach (var file in Directory.EnumerateFiles(runDirectory, ResultPaths.ClaimFilePrefix + "*"))
        {
            string suffix = Path.GetFileName(file)[ResultPaths.ClaimFilePrefix.Length..];
            if (int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int generation) && generation > best)
                best = generation;
        }
        if (best == 0)
            return null;
        string path = ResultPaths.Claim(runDirectory, best);
        try
        {
            var claim = RunClaim.TryParse(File.ReadAllText(path));
            return (best, claim, DateTime.UtcNow - File.GetLastWriteTimeUtc(path));
        }
        catch (FileNotFoundException)
        {
            // Released between the listing and the read: look again.
            return Latest(runDirectory);
        }
    }

    /// <summary>
    /// Claims the run for <paramref name="self"/> unless it is finished (when <paramref name="skipFinished"/>) or
    /// a live claimer holds it. <paramref name="judge"/> decides whether an existing claim is live.
    /// </summary>
    public static ClaimAttempt TryAcquire(string runDirectory, RunClaim self, Func<RunClaim, ClaimVerdict> judge, bool skipFinished = true)
    {
        Directory.CreateDirectory(runDirectory);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            if (skipFinished && IsFinished(runDirectory))
                return new ClaimAttempt(ClaimAttempt.Outcome.Finished, 0, null, "already finished");
            var latest = Latest(runDirectory);
            if (latest is { } current)
            {
                if (current.Claim is null)
                {
                    if (current.Age < UnreadableGrace)
                        return new ClaimAttempt(ClaimAttempt.Outcome.Held, current.Generation, null, "a claim that is being written");
                }
                else if (judge(current.Claim) is { Live: true } verdict)
                {
                    return new ClaimAttempt(ClaimAttempt.Outcome.Held, current.Generation, current.Claim, verdict.Reason);
                }
            }
            int next = (latest?.Generation ?? 0) + 1;
            if (!TryCreate(ResultPaths.Claim(runDirectory, next), self.ToJson()))
                continue;
            if (skipFinished && IsFinished(runDirectory))
            {
                Release(runDirectory, next);
                return new ClaimAttempt(ClaimAttempt.Outcome.Finished, 0, null, "finished while claiming");
            }
            return new ClaimAttempt(ClaimAttempt.Outcome.Acquired, next, self, "claimed");
        }
        throw new IOException($"{runDirectory}: no claim after {Attempts} attempts; other tasks keep claiming this run");
    }

    /// <summary>Removes generation <paramref name="generation"/> and the stale ones below it.</summary>
    public static void Release(string runDirectory, int generation)
    {
        for (int g = generation; g >= 1; g--)
        {
            try
            {
                File.Delete(ResultPaths.Claim(runDirectory, g));
            }
            catch (IOException)
            {
            }
        }
    }

    private static bool IsFinished(string runDirectory) =>
        RunSummary.TryRead(ResultPaths.Summary(runDirectory)) is { IsOk: true };

    /// <summary>Creates <paramref name="path"/> with <paramref name="content"/> unless it exists; true when this call created it.</summary>
    public static bool TryCreate(string path, string content)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }
            if (Link(temporary, path) == 0)
                return true;
            int error = Marshal.GetLastPInvokeError();
            switch (error)
            {
                case Errno.Exists:
                    return false;
                case Errno.NoEntry:
                    // The temporary file was swept away as a leftover by the task that holds the run: look again.
                    return false;
                case Errno.NotPermitted or Errno.NotSupported or Errno.NotImplemented or Errno.TooManyLinks:
                    return CreateExclusive(path, content);
                default:
                    throw new IOException($"{path}: cannot create the claim (link failed with errno {error.ToString(CultureInfo.InvariantCulture)})");
            }
        }
        finally
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>For file systems without hard links: O_CREAT|O_EXCL, the content following the creation.</summary>
    private static bool CreateExclusive(string path, string content)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(content));
            stream.Flush(flushToDisk: true);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    private static class Errno
    {
        public const int NotPermitted = 1;
        public const int NoEntry = 2;
        public const int Exists = 17;
        public const int TooManyLinks = 31;
        public const int NotImplemented = 38;
        public const int NotSupported = 95;
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);
}

/// <summary>This machine as claims and the shared-folder check see it.</summary>
public static class Hosts
{
    /// <summary>The short host name (node7 of node7.cluster.example).</summary>
    public static string ThisHost => Short(Environment.MachineName);

    public static string Short(string host) => host.Split('.')[0];

    /// <summary>Equal as short names, case aside.</summary>
    public static bool Same(string a, string b) => string.Equals(Short(a), Short(b), StringComparison.OrdinalIgnoreCase);

    /// <summary>This boot of the kernel: pids and their start times mean something only within one.</summary>
    public static string? BootId
    {
        get
        {
            try
            {
                return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>When <paramref name="pid"/> started, in clock ticks since boot (/proc/PID/stat field 22); null when no such process.</summary>
    public static long? ProcessStart(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces; the fields after it are plain.
        int close = text.LastIndexOf(')');
        if (close < 0)
            return null;
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state; Z: exited, not yet reaped); field 22 (starttime) is fields[19].
        return fields.Length > 19 && fields[0] != "Z" && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? start
            : null;
    }
}
