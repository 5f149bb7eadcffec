using System.Buffers.Binary;
using Xunit;

namespace Repro.Setup.Tests;

public class ElfVersionNeedsTests
{
    [NeedsSystemLibStdcxxFact]
    public void Debian12LibStdcxx_DefinesGlibcxx3430_ButNot3432()
    {
        var definitions = ElfVersionNeeds.Read(TestFiles.SystemLibStdcxx).Definitions;

        Assert.Contains("GLIBCXX_3.4.30", definitions);
        Assert.Contains("GLIBCXX_3.4", definitions);
        Assert.Contains("CXXABI_1.3", definitions);
        Assert.DoesNotContain("GLIBCXX_3.4.32", definitions);
    }

    [NeedsTorchSharpLibraryFact]
    public void TorchSharpLibrary_RequiresGlibcxx3432_OnlyForTheIosBaseMarker()
    {
        var elf = ElfVersionNeeds.Read(TestFiles.TorchSharpLibrary!);

        var requirement = Assert.Single(elf.Requirements, r => r.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", requirement.File);
        Assert.Equal(0, requirement.Flags);
        var users = elf.Symbols.Where(s => s.VersionIndex == requirement.Index).Select(s => s.Name).ToList();
        Assert.Equal(["_ZSt21ios_base_library_initv"], users);
        // A library this size needs many libstdc++ versions; seeing them proves the whole verneed chain was walked.
        Assert.Contains(elf.Requirements, r => r is { File: "libstdc++.so.6", Version: "GLIBCXX_3.4.30" });
        Assert.Contains(elf.Requirements, r => r is { File: "libc.so.6", Version: "GLIBC_2.34" });
    }

    [Fact]
    public void ReadsWhatTheBuilderWrote()
    {
        var elf = ElfVersionNeeds.Parse(new MiniElf
        {
            Definitions = { "V_1", "V_2" },
            Requirements = { ("liba.so", "A_1", 0, 2), ("libb.so", "B_1", 0, 3), ("libb.so", "B_2", 2, 4) },
            Symbols = { ("uses_a", 2, false), ("uses_b2", 4 | 0x8000, false), ("own", 1, true) },
        }.Build(), "mini.so");

        Assert.Equal(["libfake.so.6", "V_1", "V_2"], elf.Definitions);
        Assert.Equal(
            [("liba.so", "A_1", (ushort)0, (ushort)2), ("libb.so", "B_1", (ushort)0, (ushort)3), ("libb.so", "B_2", (ushort)2, (ushort)4)],
            elf.Requirements.Select(r => (r.File, r.Version, r.Flags, r.Index)));
        Assert.True(elf.Requirements[2].IsWeak);
        // The hidden bit (0x8000) is not part of the index.
        Assert.Equal([("", (ushort)0), ("uses_a", (ushort)2), ("uses_b2", (ushort)4), ("own", (ushort)1)],
            elf.Symbols.Select(s => (s.Name, s.VersionIndex)));
    }

    [Fact]
    public void MarkWeak_WritesOnlyTheVnaFlagsField()
    {
        var image = new MiniElf { Requirements = { ("liba.so", "A_1", 0x10, 2), ("liba.so", "A_2", 0, 3) } }.Build();
        var elf = ElfVersionNeeds.Parse(image, "mini.so");
        var before = (byte[])image.Clone();

        ElfVersionNeeds.MarkWeak(image, elf.Requirements[0]);

        var changed = Enumerable.Range(0, image.Length).Where(i => image[i] != before[i]).ToList();
        Assert.Equal([(int)elf.Requirements[0].FlagsOffset], changed);
        Assert.Equal(0x12, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)elf.Requirements[0].FlagsOffset)));
        var after = ElfVersionNeeds.Parse(image, "mini.so").Requirements;
        Assert.True(after[0].IsWeak);
        Assert.False(after[1].IsWeak);
    }

    [Fact]
    public void NotAnElfFile_IsRejected_NamingTheFile()
    {
        using var dir = new TempFolder();
        var path = dir.File("notes.txt");
        File.WriteAllText(path, "this is not a shared library, it is a text file with enough bytes in it");

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an ELF file", e.Message);
    }

    [Fact]
    public void Elf32_IsRejected()
    {
        var image = new MiniElf().Build();
        image[4] = 1; // ELFCLASS32

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Parse(image, "lib32.so"));
        Assert.Contains("lib32.so", e.Message);
        Assert.Contains("64-bit little-endian", e.Message);
    }

    [Theory]
    [InlineData(10)]   // inside the ELF header
    [InlineData(100)]  // header complete, section data cut short
    [InlineData(-8)]   // only the last section header missing part of itself
    public void TruncatedFile_IsRejected_NamingTheFile(int keep)
    {
        var image = new MiniElf { Definitions = { "V_1" }, Requirements = { ("liba.so", "A_1", 0, 2) } }.Build();
        var truncated = image[..(keep >= 0 ? keep : image.Length + keep)];

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Parse(truncated, "cut.so"));
        Assert.StartsWith("cut.so: ", e.Message);
    }

    [Fact]
    public void SectionPointingOutsideTheFile_IsRejected()
    {
        var image = new MiniElf { Definitions = { "V_1" } }.Build();
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(0x28));
        // Section 2 is .gnu.version_d; move its sh_offset past the end of the file.
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan((int)shoff + 2 * 64 + 24), (ulong)image.Length + 4096);

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Parse(image, "wild.so"));
        Assert.Contains("wild.so", e.Message);
        Assert.Contains("outside the file", e.Message);
    }

    [Fact]
    public void VerneedChainRunningPastItsSection_IsRejected()
    {
        var image = new MiniElf { Requirements = { ("liba.so", "A_1", 0, 2) } }.Build();
        var elf = ElfVersionNeeds.Parse(image, "chain.so");
        // vna_next of the only Vernaux sits 8 bytes after vna_flags; point it far beyond the section, and claim a second one.
        long aux = elf.Requirements[0].FlagsOffset - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)aux + 12), 1 << 20);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan((int)aux - 16 + 2), 2);

        var e = Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Parse(image, "chain.so"));
        Assert.Contains("chain.so", e.Message);
    }
}
