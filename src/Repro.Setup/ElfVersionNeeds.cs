using System.Buffers.Binary;
using System.Text;

namespace Repro.Setup;

/// <summary>One Elf64_Vernaux entry: a symbol version the library requires from another file.</summary>
public sealed record VersionRequirement(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
{
    public const ushort WeakFlag = 0x2; // VER_FLG_WEAK: ld.so only warns when the version is missing
    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>A .dynsym entry with the version index .gnu.version gives it (hidden bit stripped).</summary>
public sealed record DynamicSymbol(string Name, ushort VersionIndex, bool IsDefined);

/// <summary>
/// Reads the symbol-versioning sections of an ELF64 little-endian shared library and patches the flags of a
/// version requirement in place. Sections are found by type, not by name, so stripped names do not matter.
/// </summary>
public sealed class ElfVersionNeeds
{
    const uint ShtStrtab = 3, ShtNobits = 8, ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    const int ElfHeaderSize = 64, SectionHeaderSize = 64, SymbolSize = 24;

    readonly byte[] _data;
    readonly string _file;
    readonly List<Section> _sections = new();

    public IReadOnlyList<VersionRequirement> Requirements { get; }
    public IReadOnlyList<string> Definitions { get; }
    public IReadOnlyList<DynamicSymbol> Symbols { get; }

    readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);

    ElfVersionNeeds(byte[] data, string file)
    {
        _data = data;
        _file = file;
        ReadSectionHeaders();
        Requirements = ReadRequirements();
        Definitions = ReadDefinitions();
        Symbols = ReadSymbols();
    }

    public static ElfVersionNeeds Read(string path) => Parse(File.ReadAllBytes(path), path);

    public static ElfVersionNeeds Parse(byte[] data, string file) => new(data, file);

    /// <summary>Sets VER_FLG_WEAK on one requirement of <paramref name="image"/>; touches only its vna_flags field.</summary>
    public static void MarkWeak(Span<byte> image, VersionRequirement requirement)
    {
        var field = image.Slice(checked((int)requirement.FlagsOffset), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)(requirement.Flags | VersionRequirement.WeakFlag));
    }

    void ReadSectionHeaders()
    {
        if (_data.Length < 4 || _data[0] != 0x7f || _data[1] != (byte)'E' || _data[2] != (byte)'L' || _data[3] != (byte)'F')
            throw Bad("not an ELF file");
        if (_data.Length < ElfHeaderSize) throw Bad("truncated ELF header");
        if (_data[4] != 2 || _data[5] != 1) throw Bad("not a 64-bit little-endian ELF file");

        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        if (shnum == 0) return; // no section headers: nothing versioned to find
        if (shentsize < SectionHeaderSize) throw Bad($"section header size {shentsize} is too small");
        Check(shoff, (long)shentsize * shnum, "section header table");

        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            var s = new Section(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), U32(h + 44));
            if (s.Type != ShtNobits) Check(s.Offset, s.Size, $"section {i}");
            _sections.Add(s);
        }
    }

    List<VersionRequirement> ReadRequirements()
    {
        var result = new List<VersionRequirement>();
        foreach (var sec in SectionsOfType(ShtGnuVerneed))
        {
            var strtab = LinkedStrings(sec);
            long entry = sec.Offset;
            for (uint n = 0; n < sec.Info; n++)
            {
                Check(entry, 16, "Elf64_Verneed", sec);
                string file = Str(strtab, U32(entry + 4));
                long aux = entry + U32(entry + 8);
                for (int k = 0, cnt = U16(entry + 2); k < cnt; k++)
                {
                    Check(aux, 16, "Elf64_Vernaux", sec);
                    result.Add(new VersionRequirement(file, Str(strtab, U32(aux + 8)), U16(aux + 4), U16(aux + 6), aux + 4));
                    uint next = U32(aux + 12);
                    if (next == 0) break;
                    aux += next;
                }
                uint nextEntry = U32(entry + 12);
                if (nextEntry == 0) break;
                entry += nextEntry;
            }
        }
        return result;
    }

    List<string> ReadDefinitions()
    {
        var result = new List<string>();
        foreach (var sec in SectionsOfType(ShtGnuVerdef))
        {
            var strtab = LinkedStrings(sec);
            long entry = sec.Offset;
            for (uint n = 0; n < sec.Info; n++)
            {
                Check(entry, 20, "Elf64_Verdef", sec);
                // The first Verdaux names the version itself; later ones name its parents.
                if (U16(entry + 6) > 0)
                {
                    long aux = entry + U32(entry + 12);
                    Check(aux, 8, "Elf64_Verdaux", sec);
                    result.Add(Str(strtab, U32(aux)));
                }
                uint next = U32(entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    List<DynamicSymbol> ReadSymbols()
    {
        var result = new List<DynamicSymbol>();
        var dynsym = SectionsOfType(ShtDynsym).FirstOrDefault();
        var versym = SectionsOfType(ShtGnuVersym).FirstOrDefault();
        if (dynsym.Type == 0) return result;
        var strtab = LinkedStrings(dynsym);
        long count = dynsym.Size / SymbolSize;
        if (versym.Type != 0 && versym.Size < count * 2) throw Bad(".gnu.version is shorter than .dynsym");
        for (long i = 0; i < count; i++)
        {
            long sym = dynsym.Offset + i * SymbolSize;
            ushort version = versym.Type == 0 ? (ushort)1 : (ushort)(U16(versym.Offset + i * 2) & 0x7fff);
            result.Add(new DynamicSymbol(Str(strtab, U32(sym)), version, IsDefined: U16(sym + 6) != 0));
        }
        return result;
    }

    IEnumerable<Section> SectionsOfType(uint type) => _sections.Where(s => s.Type == type);

    Section LinkedStrings(Section sec)
    {
        if (sec.Link >= _sections.Count || _sections[(int)sec.Link].Type != ShtStrtab)
            throw Bad($"section link {sec.Link} is not a string table");
        return _sections[(int)sec.Link];
    }

    string Str(Section strtab, uint offset)
    {
        if (offset >= strtab.Size) throw Bad($"string offset {offset} is outside its string table");
        var span = _data.AsSpan((int)(strtab.Offset + offset), (int)(strtab.Size - offset));
        int end = span.IndexOf((byte)0);
        if (end < 0) throw Bad("unterminated string");
        return Encoding.UTF8.GetString(span[..end]);
    }

    void Check(long offset, long size, string what, Section? within = null)
    {
        long lo = within?.Offset ?? 0, hi = within is { } w ? w.Offset + w.Size : _data.Length;
        if (offset < lo || size < 0 || offset > hi - size)
            throw Bad($"{what} at 0x{offset:x} (+{size}) lies outside {(within is null ? "the file" : "its section")}");
    }

    ushort U16(long o) => BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(checked((int)o), 2));
    uint U32(long o) => BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(checked((int)o), 4));
    ulong U64(long o) => BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(checked((int)o), 8));

    InvalidDataException Bad(string why) => new($"{_file}: {why}");
}
