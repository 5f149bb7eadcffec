using System.Runtime.InteropServices;
using Xunit;

namespace Repro.Setup.Tests;

public class LibStdcxxMarkerFixTests
{
    const string Marker = LibStdcxxMarkerFix.MarkerSymbol;

    [NeedsTorchSharpLibraryFact]
    public void RealLibrary_IsPatchedInOneFieldOnly_AndASecondRunChangesNothing()
    {
        using var dir = new TempFolder();
        var library = dir.File("libLibTorchSharp.so");
        File.Copy(TestFiles.TorchSharpLibrary!, library);
        File.SetUnixFileMode(library, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        var original = File.ReadAllBytes(library);
        var before = Assert.Single(ElfVersionNeeds.Read(library).Requirements, r => r.Version == "GLIBCXX_3.4.32");
        Assert.Equal(0, before.Flags);

        var first = LibStdcxxMarkerFix.Apply(library, TestFiles.SystemLibStdcxx);

        Assert.Equal(LibStdcxxFixOutcome.Patched, first.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], first.Versions);
        var patchedRequirement = Assert.Single(first.Patched);
        Assert.Equal(before.FlagsOffset, patchedRequirement.FlagsOffset);
        var patched = File.ReadAllBytes(library);
        Assert.Equal(original.Length, patched.Length);
        // vna_flags goes 0x0000 -> 0x0002: of its two bytes only the low (little-endian first) one changes.
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Equal([(int)before.FlagsOffset], changed);
        Assert.Equal(2, patched[before.FlagsOffset]);
        Assert.Equal(0, patched[before.FlagsOffset + 1]);
        var after = ElfVersionNeeds.Read(library).Requirements;
        Assert.True(Assert.Single(after, r => r.Version == "GLIBCXX_3.4.32").IsWeak);
        Assert.Equal(1, after.Count(r => r.IsWeak));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead,
            File.GetUnixFileMode(library));
        Assert.Equal(["libLibTorchSharp.so"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        var second = LibStdcxxMarkerFix.Apply(library, TestFiles.SystemLibStdcxx);

        Assert.Equal(LibStdcxxFixOutcome.AlreadyWeak, second.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], second.Versions);
        Assert.Empty(second.Patched);
        Assert.Equal(patched, File.ReadAllBytes(library));
    }

    [NeedsTorchSharpLibraryFact]
    public void RealLibrary_IsLeftAlone_WhenTheSystemLibStdcxxDefinesGlibcxx3432()
    {
        using var dir = new TempFolder();
        var library = dir.File("libLibTorchSharp.so");
        File.Copy(TestFiles.TorchSharpLibrary!, library);
        var original = File.ReadAllBytes(library);
        // What GCC 13's libstdc++ looks like to the fix: everything Debian 12's has, plus GLIBCXX_3.4.32.
        var newer = new MiniElf { Soname = "libstdc++.so.6" };
        newer.Definitions.AddRange(ElfVersionNeeds.Read(TestFiles.SystemLibStdcxx).Definitions.Skip(1));
        newer.Definitions.AddRange(["GLIBCXX_3.4.31", "GLIBCXX_3.4.32"]);
        var systemLibStdcxx = dir.File("libstdc++.so.6");
        File.WriteAllBytes(systemLibStdcxx, newer.Build());

        var result = LibStdcxxMarkerFix.Apply(library, systemLibStdcxx);

        Assert.Equal(LibStdcxxFixOutcome.NotNeeded, result.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], result.Versions);
        Assert.Equal(original, File.ReadAllBytes(library));
    }

    /// <summary>
    /// ld.so checks versions when the library is loaded, so loading it is the real test. Its dependencies are found
    /// through RUNPATH $ORIGIN, so the package's libtorch files are linked in beside the copy (not copied: ~500 MB).
    /// </summary>
    [NeedsTorchSharpLibraryFact(withLibTorch: true)]
    public void RealLibrary_LoadsAfterPatching_AndNotBefore()
    {
        using var dir = new TempFolder();
        foreach (var dependency in Directory.EnumerateFiles(TestFiles.LibTorchNativeFolder, "*.so*"))
            File.CreateSymbolicLink(dir.File(Path.GetFileName(dependency)), dependency);
        var library = dir.File("libLibTorchSharp.so");
        File.Copy(TestFiles.TorchSharpLibrary!, library);
        var systemHasIt = ElfVersionNeeds.Read(TestFiles.SystemLibStdcxx).Definitions.Contains("GLIBCXX_3.4.32");

        if (!systemHasIt)
            Assert.False(NativeLibrary.TryLoad(library, out _), "the unpatched library loaded although the system libstdc++ lacks GLIBCXX_3.4.32");
        LibStdcxxMarkerFix.Apply(library, TestFiles.SystemLibStdcxx);

        Assert.True(NativeLibrary.TryLoad(library, out var handle), $"the patched {library} did not load");
        Assert.NotEqual(IntPtr.Zero, NativeLibrary.GetExport(handle, "THSTorch_get_num_threads"));
    }

    [Fact]
    public void MarkerOnlyRequirement_IsMarkedWeak()
    {
        using var dir = new TempFolder();
        var library = Write(dir, "lib.so", Library(("_ZNSt6thread4joinEv", 2), (Marker, 3)));

        var result = LibStdcxxMarkerFix.Apply(library, Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4", "GLIBCXX_3.4.30")));

        Assert.Equal(LibStdcxxFixOutcome.Patched, result.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], result.Versions);
        Assert.Equal([false, true, false], ElfVersionNeeds.Read(library).Requirements.Select(r => r.IsWeak));
    }

    [Fact]
    public void SystemWithTheVersion_LeavesTheLibraryByteIdentical()
    {
        using var dir = new TempFolder();
        var library = Write(dir, "lib.so", Library((Marker, 3)));
        var original = File.ReadAllBytes(library);
        var modified = File.GetLastWriteTimeUtc(library);

        var result = LibStdcxxMarkerFix.Apply(library,
            Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "GLIBC_2.2.5")));

        Assert.Equal(LibStdcxxFixOutcome.NotNeeded, result.Outcome);
        Assert.Equal(["GLIBCXX_3.4.32"], result.Versions);
        Assert.Equal(original, File.ReadAllBytes(library));
        Assert.Equal(modified, File.GetLastWriteTimeUtc(library));
    }

    [Fact]
    public void AnotherSymbolNeedingTheMissingVersion_IsRefused_AndNothingIsWritten()
    {
        using var dir = new TempFolder();
        var library = Write(dir, "lib.so", Library((Marker, 3), ("_ZNSt8__format5_SinkIcE8_M_resetESt4spanIcEm", 3)));
        var original = File.ReadAllBytes(library);

        var e = Assert.Throws<InvalidOperationException>(() =>
            LibStdcxxMarkerFix.Apply(library, Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4", "GLIBCXX_3.4.30"))));

        Assert.Contains(library, e.Message);
        Assert.Contains("GLIBCXX_3.4.32", e.Message);
        Assert.Contains("_ZNSt8__format5_SinkIcE8_M_resetESt4spanIcEm", e.Message);
        Assert.Equal(original, File.ReadAllBytes(library));
    }

    [Fact]
    public void MissingVersionOtherThanTheMarkers_IsRefused()
    {
        using var dir = new TempFolder();
        // Nothing but the marker uses GLIBCXX_3.4.32 here, but GLIBCXX_3.4.30 is missing too and a real function needs it.
        var library = Write(dir, "lib.so", Library(("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE", 2), (Marker, 3)));
        var original = File.ReadAllBytes(library);

        var e = Assert.Throws<InvalidOperationException>(() =>
            LibStdcxxMarkerFix.Apply(library, Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4"))));

        Assert.Contains("GLIBCXX_3.4.30", e.Message);
        Assert.Equal(original, File.ReadAllBytes(library));
    }

    [Fact]
    public void LibraryWithoutLibStdcxxRequirements_HasNoSuchRequirement()
    {
        using var dir = new TempFolder();
        var library = Write(dir, "libplain.so", new MiniElf { Requirements = { ("libc.so.6", "GLIBC_2.34", 0, 2) } });
        var original = File.ReadAllBytes(library);

        var result = LibStdcxxMarkerFix.Apply(library, Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4")));

        Assert.Equal(LibStdcxxFixOutcome.NoSuchRequirement, result.Outcome);
        Assert.Equal(original, File.ReadAllBytes(library));
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("text")]
    public void CorruptLibrary_IsRejected_NamingTheFile(string kind)
    {
        using var dir = new TempFolder();
        var whole = Library((Marker, 3)).Build();
        var library = dir.File("broken.so");
        if (kind == "truncated") File.WriteAllBytes(library, whole[..(whole.Length / 2)]);
        else File.WriteAllText(library, "#!/bin/sh\necho this is a script, not a library\n");
        var original = File.ReadAllBytes(library);

        var e = Assert.Throws<InvalidDataException>(() =>
            LibStdcxxMarkerFix.Apply(library, Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4"))));

        Assert.Contains(library, e.Message);
        Assert.Equal(original, File.ReadAllBytes(library));
    }

    [Fact]
    public void CorruptSystemLibStdcxx_IsRejected_NamingIt()
    {
        using var dir = new TempFolder();
        var library = Write(dir, "lib.so", Library((Marker, 3)));
        var systemLibStdcxx = dir.File("libstdc++.so.6");
        File.WriteAllBytes(systemLibStdcxx, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1]);

        var e = Assert.Throws<InvalidDataException>(() => LibStdcxxMarkerFix.Apply(library, systemLibStdcxx));
        Assert.Contains(systemLibStdcxx, e.Message);
    }

    [NeedsSystemLibStdcxxFact]
    public void FindSystemLibStdcxx_ResolvesTheSymlinkToTheRealFile()
    {
        var found = LibStdcxxMarkerFix.FindSystemLibStdcxx();

        Assert.True(File.Exists(found));
        Assert.Null(new FileInfo(found).LinkTarget);
        Assert.Matches(@"libstdc\+\+\.so\.6\.0\.\d+$", found);
    }

    /// <summary>A library that needs GLIBCXX_3.4.30 (index 2) and GLIBCXX_3.4.32 (index 3) from libstdc++.</summary>
    internal static MiniElf Library(params (string Name, ushort Version)[] undefinedSymbols)
    {
        var elf = new MiniElf
        {
            Soname = "lib.so",
            Requirements =
            {
                ("libstdc++.so.6", "GLIBCXX_3.4.30", 0, 2),
                ("libstdc++.so.6", "GLIBCXX_3.4.32", 0, 3),
                ("libc.so.6", "GLIBC_2.2.5", 0, 4),
            },
            Symbols = { ("THSTorch_get_num_threads", 1, true), ("malloc", 4, false) },
        };
        elf.Symbols.AddRange(undefinedSymbols.Select(s => (s.Name, s.Version, false)));
        return elf;
    }

    internal static MiniElf SystemWith(params string[] versions)
    {
        var elf = new MiniElf { Soname = "libstdc++.so.6" };
        elf.Definitions.AddRange(versions);
        return elf;
    }

    internal static string Write(TempFolder dir, string name, MiniElf elf)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, elf.Build());
        return path;
    }
}
