using System.Runtime.InteropServices;

namespace Repro.Experiments.Running;

/// <summary>
/// Ties a child <c>repro run-one</c> to the <c>repro run</c> that started it: the kernel kills the child when the
/// parent ends, however it ends (prctl PR_SET_PDEATHSIG, SIGKILL), and a child whose parent ended before it could
/// ask for that (it has been handed to init or a subreaper) learns so at once from its parent pid. The kernel's
/// part is Linux's; other Unix systems get the start-up check alone.
/// </summary>
public static class ParentProcess
{
    /// <summary>
    /// Asks to be killed when the parent ends; false when the parent is no longer <paramref name="expectedParent"/>
    /// (it ended before), and the caller should stop before touching anything.
    /// </summary>
    public static bool Bind(int expectedParent)
    {
        if (OperatingSystem.IsWindows())
            return true;
        if (OperatingSystem.IsLinux() && SetDeathSignal(DeathSignalOption, Kill, 0, 0, 0) != 0)
            throw new InvalidOperationException($"prctl(PR_SET_PDEATHSIG) failed with errno {Marshal.GetLastPInvokeError()}");
        // Checked after the request, so that a parent ending between the two is seen here or kills us then.
        return ParentId() == expectedParent;
    }

    private const int DeathSignalOption = 1; // PR_SET_PDEATHSIG
    private const ulong Kill = 9; // SIGKILL

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int SetDeathSignal(int option, ulong signal, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int ParentId();
}
