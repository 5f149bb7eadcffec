using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Repro.Experiments.Running;

/// <summary>Who holds a lock: the process (host, boot, pid and the pid's start time), its command line and since when.</summary>
public sealed record LockHolder
{
    [JsonPropertyName("host")] public required string Host { get; init; }
    [JsonPropertyName("boot_id")] public string? BootId { get; init; }
    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("pid_start")] public long? PidStart { get; init; }
    [JsonPropertyName("command")] public string Command { get; init; } = "";
    [JsonPropertyName("since")] public DateTimeOffset Since { get; init; }

    /// <summary>"pid 4242 on node7 (repro run configs/baseline.yaml --jobs 2) since 2025-01-31 12:00:00 UTC".</summary>
    public string Describe() =>
        $"pid {Pid.ToString(CultureInfo.InvariantCulture)} on {Host}" + (Command.Length > 0 ? $" ({Command})" : "") +
        $" since {Since.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC";

    /// <summary>This process, with the repro command line it was started with.</summary>
    public static LockHolder OfThisProcess()
    {
        int pid = Environment.ProcessId;
        return new LockHolder
        {
            Host = Hosts.ThisHost,
            BootId = Hosts.BootId,
            Pid = pid,
            PidStart = Hosts.ProcessStart(pid),
            Command = CommandLine(),
            Since = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>"repro run a.yaml --jobs 2": the arguments after the program, each quoted when it holds a space.</summary>
    private static string CommandLine()
    {
        var arguments = Environment.GetCommandLineArgs().Skip(1).Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a);
        return string.Join(' ', new[] { "repro" }.Concat(arguments));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>The holder in <paramref name="text"/>; null when it is not one (empty, cut short, something else).</summary>
    public static LockHolder? TryParse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        try
        {
            var holder = JsonSerializer.Deserialize<LockHolder>(text, JsonOptions);
            return holder is { Host.Length: > 0, Pid: > 0 } ? holder : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// What <see cref="FolderLock.TryAcquire"/> found: the lock (null when another process holds it); the holder (when
/// held: null while it is still writing its details; when taken over: the process that died holding it); and,
/// when taken over, why that process no longer counts.
/// </summary>
public sealed record LockAttempt(FolderLock? Lock, LockHolder? Holder, string? TakenOver)
{
    public bool Acquired => Lock is not null;

    /// <summary>"pid 4242 on node7 (...) since ..." or, while the holder writes its details, a line that says so.</summary>
    public string HolderText => Holder?.Describe() ?? "another process (it is writing its details)";
}

/// <summary>
/// An exclusive lock on a lock file, held by the kernel for as long as this process keeps the file open: a
/// process that dies, however it dies, lets go of it. On Linux it is an open-file-description lock (fcntl
/// F_OFD_SETLK: per open file, not per process, so two opens in one process exclude each other too, and closing
/// another descriptor of the file does not drop it), on Windows a region lock; on macOS the holder's details alone. The holder writes its details
/// (<see cref="LockHolder"/>) into the file, so that a process turned away can say who holds it, and empties the
/// file when it lets go; details left in a file whose lock is free are those of a process that died holding it,
/// and are named when the lock is taken over. A free lock whose details name a process that is still alive on
/// this host (the lock file was deleted and made again under it) is not taken: the details are the second word.
/// The file is never deleted, since a process could otherwise hold a lock on a file that is no longer there.
/// </summary>
public sealed class FolderLock : IDisposable
{
    private readonly FileStream stream;
    private bool released;

    private FolderLock(string path, FileStream stream)
    {
        Path = path;
        this.stream = stream;
    }

    public string Path { get; }

    /// <summary>Takes the lock at <paramref name="path"/> for <paramref name="self"/> unless another live process holds it.</summary>
    public static LockAttempt TryAcquire(string path, LockHolder self)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var previous = LockHolder.TryParse(ReadAll(stream));
            if (!TryLock(stream))
            {
                stream.Dispose();
                return new LockAttempt(null, previous, null);
            }
            // The kernel says nobody holds it; read the details again now that nobody can write them.
            previous = LockHolder.TryParse(ReadAll(stream));
            string? takenOver = null;
            if (previous is not null && !IsSelf(previous, self))
            {
                var (alive, why) = Judge(previous);
                if (alive)
                {
                    stream.Dispose();
                    return new LockAttempt(null, previous, null);
                }
                takenOver = why;
            }
            stream.SetLength(0);
            stream.Write(Encoding.UTF8.GetBytes(self.ToJson()));
            stream.Flush(flushToDisk: true);
            return new LockAttempt(new FolderLock(path, stream), takenOver is null ? null : previous, takenOver);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the lock, waiting while another process holds it when <paramref name="wait"/> (saying once whom it
    /// waits for through <paramref name="waiting"/>); without it, or when <paramref name="cancel"/> fires, returns
    /// the attempt that found the lock held.
    /// </summary>
    public static LockAttempt Acquire(string path, LockHolder self, bool wait, Action<LockAttempt>? waiting, CancellationToken cancel,
        TimeSpan? pollInterval = null)
    {
        bool told = false;
        while (true)
        {
            var attempt = TryAcquire(path, self);
            if (attempt.Acquired || !wait)
                return attempt;
            if (!told)
            {
                waiting?.Invoke(attempt);
                told = true;
            }
            if (cancel.WaitHandle.WaitOne(pollInterval ?? TimeSpan.FromMilliseconds(500)))
                return attempt;
        }
    }

    /// <summary>Whether the process a lock file names is still alive, and in words why it does not count when it is not.</summary>
    public static (bool Alive, string Why) Judge(LockHolder holder, string? thisHost = null, string? bootId = null,
        Func<int, long?>? processStart = null)
    {
        thisHost ??= Hosts.ThisHost;
        bootId ??= Hosts.BootId;
        processStart ??= Hosts.ProcessStart;
        string who = $"pid {holder.Pid.ToString(CultureInfo.InvariantCulture)} on {holder.Host}";
        if (!Hosts.Same(holder.Host, thisHost))
            return (false, $"{who} holds no lock on it (the kernel's lock is free)");
        if (holder.BootId is { } boot && bootId is not null && boot != bootId)
            return (false, $"{who} ran before this machine last booted");
        long? started = processStart(holder.Pid);
        if (started is null)
            return (false, $"{who} is gone");
        if (holder.PidStart is { } start && start != started)
            return (false, $"{who} is gone (the pid now belongs to another process)");
        return (true, $"{who} is alive");
    }

    /// <summary>Empties the file (nobody holds it now) and lets go of the lock.</summary>
    public void Dispose()
    {
        if (released)
            return;
        released = true;
        try
        {
            stream.SetLength(0);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Closing lets go of the lock all the same; the details left behind read as a holder that is gone.
        }
        stream.Dispose();
    }

    private static bool IsSelf(LockHolder holder, LockHolder self) =>
        holder.Pid == self.Pid && Hosts.Same(holder.Host, self.Host) && holder.BootId == self.BootId && holder.PidStart == self.PidStart;

    private static string ReadAll(FileStream stream)
    {
        stream.Position = 0;
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        stream.Position = 0;
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool TryLock(FileStream stream)
    {
        if (OperatingSystem.IsMacOS())
            return true; // No record locks through .NET there: the holder's details decide alone.
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                stream.Lock(0, long.MaxValue);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }
        var request = new Flock { Type = WriteLock, Whence = SeekSet, Start = 0, Length = 0, Pid = 0 };
        bool added = false;
        var handle = stream.SafeFileHandle;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            if (Fcntl(fd, SetOpenFileLock, ref request) == 0)
                return true;
            int error = Marshal.GetLastPInvokeError();
            if (error is TryAgain or AccessDenied)
                return false;
            if (error == InvalidArgument)
            {
                // A kernel before 3.15 has no open-file-description locks: a POSIX record lock does the same
                // between processes.
                request.Pid = 0;
                if (Fcntl(fd, SetProcessLock, ref request) == 0)
                    return true;
                error = Marshal.GetLastPInvokeError();
                if (error is TryAgain or AccessDenied)
                    return false;
            }
            throw new IOException($"{stream.Name}: cannot lock it (fcntl failed with errno {error.ToString(CultureInfo.InvariantCulture)})");
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    private const int SetProcessLock = 6; // F_SETLK
    private const int SetOpenFileLock = 37; // F_OFD_SETLK
    private const short WriteLock = 1; // F_WRLCK
    private const short SeekSet = 0;
    private const int TryAgain = 11; // EAGAIN
    private const int AccessDenied = 13; // EACCES
    private const int InvalidArgument = 22; // EINVAL

    /// <summary>struct flock of Linux on 64-bit machines.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
        public int Padding;
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, ref Flock request);
}
