using System.Diagnostics;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Running;

public sealed class FolderLockTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string LockFile => folder.Combine("results", ResultPaths.ResultsLockFileName);

    private static LockHolder Self => LockHolder.OfThisProcess();

    [Fact]
    public void A_held_lock_is_refused_with_its_holders_details_until_it_is_let_go()
    {
        var first = FolderLock.TryAcquire(LockFile, Self with { Command = "repro run a.yaml" });
        Assert.True(first.Acquired);
        // Open-file-description locks: a second open in the same process is turned away as another process would be.
        var second = FolderLock.TryAcquire(LockFile, Self);
        Assert.False(second.Acquired);
        Assert.Equal(Environment.ProcessId, second.Holder!.Pid);
        Assert.Equal("repro run a.yaml", second.Holder.Command);
        Assert.Contains($"pid {Environment.ProcessId} on {Hosts.ThisHost} (repro run a.yaml) since ", second.HolderText);

        first.Lock!.Dispose();
        Assert.Equal("", File.ReadAllText(LockFile));
        var third = FolderLock.TryAcquire(LockFile, Self);
        using var held = third.Lock;
        Assert.True(third.Acquired);
        Assert.Null(third.TakenOver);
    }

    [Fact]
    public void Details_left_by_a_process_that_is_gone_are_taken_over_and_named()
    {
        int gone = EndedPid();
        File.WriteAllText(LockFile.EnsureFolder(), (Self with { Pid = gone, Command = "repro run killed.yaml" }).ToJson());
        var attempt = FolderLock.TryAcquire(LockFile, Self);
        using var held = attempt.Lock;
        Assert.True(attempt.Acquired);
        Assert.Equal(gone, attempt.Holder!.Pid);
        Assert.Equal($"pid {gone} on {Hosts.ThisHost} is gone", attempt.TakenOver);
        Assert.Equal(Environment.ProcessId, LockHolder.TryParse(File.ReadAllText(LockFile))!.Pid);
    }

    [Fact]
    public void Details_from_an_earlier_boot_are_taken_over_even_when_the_pid_is_alive_now()
    {
        File.WriteAllText(LockFile.EnsureFolder(), (Self with { Pid = Environment.ProcessId == 1 ? 2 : 1, BootId = "an-earlier-boot" }).ToJson());
        var attempt = FolderLock.TryAcquire(LockFile, Self);
        using var held = attempt.Lock;
        Assert.True(attempt.Acquired);
        Assert.EndsWith("ran before this machine last booted", attempt.TakenOver);
    }

    [Fact]
    public void A_free_lock_whose_details_name_a_live_process_is_not_taken()
    {
        // The lock file was deleted and made again under a live holder: its details are the second word.
        using var live = Process.Start("sleep", "30")!;
        try
        {
            var details = Self with { Pid = live.Id, PidStart = Hosts.ProcessStart(live.Id), Command = "repro run live.yaml" };
            File.WriteAllText(LockFile.EnsureFolder(), details.ToJson());
            var attempt = FolderLock.TryAcquire(LockFile, Self);
            Assert.False(attempt.Acquired);
            Assert.Equal(live.Id, attempt.Holder!.Pid);
        }
        finally
        {
            live.Kill();
        }
    }

    [Fact]
    public void A_reused_pid_does_not_keep_a_lock()
    {
        var holder = new LockHolder { Host = "node7", BootId = "b", Pid = 42, PidStart = 100, Since = DateTimeOffset.UnixEpoch };
        Assert.Equal((true, "pid 42 on node7 is alive"), FolderLock.Judge(holder, "node7", "b", _ => 100));
        Assert.Equal((false, "pid 42 on node7 is gone (the pid now belongs to another process)"), FolderLock.Judge(holder, "node7", "b", _ => 200));
        Assert.Equal((false, "pid 42 on node7 is gone"), FolderLock.Judge(holder, "node7", "b", _ => null));
        Assert.Equal((false, "pid 42 on node7 ran before this machine last booted"), FolderLock.Judge(holder, "node7", "c", _ => 100));
        Assert.False(FolderLock.Judge(holder, "node8", "b", _ => 100).Alive);
    }

    [Fact]
    public void Waiting_says_once_whom_it_waits_for_and_returns_the_held_attempt_when_cancelled()
    {
        using var first = FolderLock.TryAcquire(LockFile, Self with { Command = "repro run a.yaml" }).Lock;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var told = new List<string>();
        var attempt = FolderLock.Acquire(LockFile, Self, wait: true, a => told.Add(a.HolderText), cancel.Token, TimeSpan.FromMilliseconds(20));
        Assert.False(attempt.Acquired);
        Assert.Contains("(repro run a.yaml)", Assert.Single(told));
    }

    private static int EndedPid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }
}

internal static class PathFolders
{
    /// <summary>Creates the folder of <paramref name="path"/> and returns the path.</summary>
    public static string EnsureFolder(this string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
