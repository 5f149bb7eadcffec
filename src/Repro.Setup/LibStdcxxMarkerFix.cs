namespace Repro.Setup;

public enum LibStdcxxFixOutcome
{
    /// <summary>Missing versions were marked weak.</summary>
    Patched,
    /// <summary>Every missing version is already weak; the file was not rewritten.</summary>
    AlreadyWeak,
    /// <summary>The system libstdc++ defines every version the library requires.</summary>
    NotNeeded,
    /// <summary>The library requires no version from libstdc++.so.6.</summary>
    NoSuchRequirement,
}

/// <param name="Versions">The missing versions (Patched, AlreadyWeak) or the marker's versions (NotNeeded).</param>
public sealed record LibStdcxxFixResult(LibStdcxxFixOutcome Outcome, IReadOnlyList<string> Versions, IReadOnlyList<VersionRequirement> Patched);

/// <summary>
/// GCC 13 makes every object that includes &lt;iostream&gt; reference std::ios_base_library_init@GLIBCXX_3.4.32, a
/// link-time marker that nothing calls. A library built that way refuses to load against an older libstdc++
/// (Debian 12 ships GCC 12, up to GLIBCXX_3.4.30) although it needs nothing new from it. Marking the requirement
/// weak turns ld.so's hard error into nothing; it is done only when the marker is the sole user of the version,
/// because any other symbol needing it would genuinely be missing at run time.
/// </summary>
public static class LibStdcxxMarkerFix
{
    public const string LibStdcxxSoname = "libstdc++.so.6";
    public const string MarkerSymbol = "_ZSt21ios_base_library_initv";

    static readonly string[] UsualLibStdcxxPaths =
    [
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    ];

    /// <summary>The system libstdc++ the dynamic loader would pick, with symlinks resolved.</summary>
    public static string FindSystemLibStdcxx()
    {
        foreach (var path in UsualLibStdcxxPaths)
        {
            if (!File.Exists(path)) continue;
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        throw new FileNotFoundException($"no system {LibStdcxxSoname} found in: {string.Join(", ", UsualLibStdcxxPaths)}");
    }

    public static LibStdcxxFixResult Apply(string torchSharpLibrary) => Apply(torchSharpLibrary, FindSystemLibStdcxx());

    public static LibStdcxxFixResult Apply(string torchSharpLibrary, string systemLibStdcxx)
    {
        var original = File.ReadAllBytes(torchSharpLibrary);
        var elf = ElfVersionNeeds.Parse(original, torchSharpLibrary);
        var available = ElfVersionNeeds.Read(systemLibStdcxx).Definitions.ToHashSet(StringComparer.Ordinal);

        var fromLibStdcxx = elf.Requirements.Where(r => r.File == LibStdcxxSoname).ToList();
        if (fromLibStdcxx.Count == 0)
            return new(LibStdcxxFixOutcome.NoSuchRequirement, [], []);

        var missing = fromLibStdcxx.Where(r => !available.Contains(r.Version)).ToList();
        if (missing.Count == 0)
        {
            var markerVersions = elf.Symbols.Where(s => s.Name == MarkerSymbol)
                .Select(s => fromLibStdcxx.FirstOrDefault(r => r.Index == s.VersionIndex)?.Version)
                .OfType<string>().Distinct().ToList();
            return new(LibStdcxxFixOutcome.NotNeeded, markerVersions, []);
        }

        foreach (var requirement in missing)
        {
            var users = elf.Symbols.Where(s => s.VersionIndex == requirement.Index && !s.IsDefined)
                .Select(s => s.Name).Distinct().ToList();
            var realUsers = users.Where(n => n != MarkerSymbol).ToList();
            if (realUsers.Count > 0 || !requirement.Version.StartsWith("GLIBCXX_", StringComparison.Ordinal))
                throw new InvalidOperationException(
                    $"{torchSharpLibrary}: needs {requirement.Version} from {LibStdcxxSoname}, which {systemLibStdcxx} lacks, " +
                    $"for {(realUsers.Count > 0 ? string.Join(", ", realUsers.Take(5)) : "symbols other than " + MarkerSymbol)}" +
                    $"{(realUsers.Count > 5 ? $" and {realUsers.Count - 5} more" : "")}; " +
                    "this is a real incompatibility (a newer libstdc++ is required), not patching");
        }

        var toPatch = missing.Where(r => !r.IsWeak).ToList();
        var names = missing.Select(r => r.Version).ToList();
        if (toPatch.Count == 0)
            return new(LibStdcxxFixOutcome.AlreadyWeak, names, []);

        var patched = (byte[])original.Clone();
        foreach (var requirement in toPatch)
            ElfVersionNeeds.MarkWeak(patched, requirement);
        WriteAtomically(torchSharpLibrary, patched);
        return new(LibStdcxxFixOutcome.Patched, names, toPatch);
    }

    /// <summary>
    /// A process that has the library mapped, or a crash mid-write, must never see a half-written file:
    /// write beside it and rename over it, keeping its permissions.
    /// </summary>
    static void WriteAtomically(string path, byte[] contents)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(full));
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
