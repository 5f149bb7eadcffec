namespace Repro.Experiments.Running;

/// <summary>
/// Whether repro can write into a folder, asked the only way that covers permissions, read-only mounts and ACLs
/// alike: by creating (and removing) a file there.
/// </summary>
public static class WritableFolder
{
    /// <summary>
    /// Writes and removes a probe file in <paramref name="folder"/>, or, when it does not exist yet, in the nearest
    /// folder above it that does (where it would be created), so that the check itself leaves nothing behind. A
    /// file in the way or a folder that cannot be written is bad input, one line starting with <paramref name="label"/>.
    /// </summary>
    public static void Check(string folder, string label)
    {
        if (File.Exists(folder))
            throw new ReproInputException($"{label}: a file, not a folder");
        string existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
                throw new ReproInputException($"{label}: {existing} is a file, not a folder");
            existing = Path.GetDirectoryName(existing) ?? throw new ReproInputException($"{label}: no such folder");
        }
        string probe = Path.Combine(existing, $".repro-write-check.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write))
            {
            }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string what = existing == Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) ? "cannot write there" : "cannot create the folder";
            throw new ReproInputException($"{label}: {what} ({Reason(e)})", e);
        }
    }

    /// <summary>What the operating system said, without .NET's wording around it ("Access to the path ... is denied.").</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException { InnerException: IOException inner } => inner.Message.ToLowerInvariant(),
        UnauthorizedAccessException => "permission denied",
        _ => e.Message.TrimEnd('.'),
    };
}
