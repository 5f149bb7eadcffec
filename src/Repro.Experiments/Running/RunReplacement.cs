using System.Runtime.InteropServices;

namespace Repro.Experiments.Running;

/// <summary>
/// How a finished run is trained again (<c>--force</c>) without losing it: the new attempt is trained in
/// <c>.&lt;run-id&gt;.rerun/</c> beside the run folder, and only once it holds a complete, ok result does it take the
/// run folder's place, in one rename that swaps the two folders (renameat2 RENAME_EXCHANGE); the earlier result,
/// now under the rerun name, is then deleted. A file system that cannot swap (NFS) gets two renames, the earlier
/// result moving aside to <c>.&lt;run-id&gt;.replaced/</c> for the moment between them. Whatever is killed when,
/// the run folder holds either the earlier result whole or the new one whole, and <see cref="Recover"/> (the next
/// time, under the run's lock) finishes or undoes a replacement cut short and removes what is left over.
/// Every step is taken by the process holding the run's lock.
/// </summary>
public static class RunReplacement
{
    /// <summary>True when a replacement of <paramref name="runDirectory"/> left something behind.</summary>
    public static bool HasLeftovers(string runDirectory) =>
        Directory.Exists(ResultPaths.Rerun(runDirectory)) || Directory.Exists(ResultPaths.Replaced(runDirectory));

    /// <summary>
    /// Puts right what a killed replacement left: when the run folder is missing (killed between the two renames),
    /// the new result takes its place when complete, else the earlier result goes back; then the leftovers go.
    /// Returns what it did, in words, or null when there was nothing to do.
    /// </summary>
    public static string? Recover(string runDirectory)
    {
        string rerun = ResultPaths.Rerun(runDirectory);
        string replaced = ResultPaths.Replaced(runDirectory);
        if (!Directory.Exists(rerun) && !Directory.Exists(replaced))
            return null;
        string? done = null;
        if (!Directory.Exists(runDirectory))
        {
            if (IsOk(rerun))
            {
                Directory.Move(rerun, runDirectory);
                done = "the rerun had finished: its result is now the run's";
            }
            else if (Directory.Exists(replaced))
            {
                Directory.Move(replaced, runDirectory);
                done = "the rerun had not finished: the earlier result is back";
            }
        }
        bool removed = Delete(rerun) | Delete(replaced);
        return done ?? (removed ? "removed what a rerun left behind; the run folder's result is whole" : null);
    }

    /// <summary>
    /// Makes the complete result in <paramref name="rerunDirectory"/> the run's: swaps it with
    /// <paramref name="runDirectory"/> in one rename (or two, where the file system cannot swap), then deletes the
    /// earlier result.
    /// </summary>
    public static void Replace(string runDirectory, string rerunDirectory)
    {
        if (Exchange(rerunDirectory, runDirectory))
        {
            // The earlier result is now under the rerun name.
            Delete(rerunDirectory);
            return;
        }
        string replaced = ResultPaths.Replaced(runDirectory);
        Delete(replaced);
        Directory.Move(runDirectory, replaced);
        Directory.Move(rerunDirectory, runDirectory);
        Delete(replaced);
    }

    private static bool IsOk(string runDirectory) => RunSummary.TryRead(ResultPaths.Summary(runDirectory)) is { IsOk: true };

    private static bool Delete(string directory)
    {
        if (!Directory.Exists(directory))
            return false;
        Directory.Delete(directory, recursive: true);
        return true;
    }

    /// <summary>Swaps two folders atomically; false when this system or file system cannot.</summary>
    private static bool Exchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        int result;
        try
        {
            result = RenameAt2(CurrentDirectory, a, CurrentDirectory, b, RenameExchange);
        }
        catch (EntryPointNotFoundException)
        {
            // A C library before glibc 2.28 has no renameat2 wrapper.
            return false;
        }
        if (result == 0)
            return true;
        int error = Marshal.GetLastPInvokeError();
        if (error is InvalidArgument or NotSupported or NotImplemented)
            return false;
        throw new IOException($"{b}: cannot swap in {a} (renameat2 failed with errno {error.ToString(CultureInfo.InvariantCulture)})");
    }

    private const int CurrentDirectory = -100; // AT_FDCWD
    private const uint RenameExchange = 2; // RENAME_EXCHANGE
    private const int InvalidArgument = 22;
    private const int NotImplemented = 38;
    private const int NotSupported = 95;

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirectory,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);
}
