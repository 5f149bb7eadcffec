using System.Buffers.Binary;
using System.Text;

namespace Repro.Setup.Tests;

/// <summary>
/// Writes the smallest ELF64 little-endian file that carries .dynstr, .gnu.version_d, .gnu.version_r, .dynsym and
/// .gnu.version, so the reader and the fix can be tried on versions no library on this machine has.
/// </summary>
sealed class MiniElf
{
    public string Soname { get; init; } = "libfake.so.6";
    public List<string> Definitions { get; } = new();
    public List<(string File, string Version, ushort Flags, ushort Index)> Requirements { get; } = new();
    public List<(string Name, ushort VersionIndex, bool Defined)> Symbols { get; } = new();

    public byte[] Build()
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        var stringOffsets = new Dictionary<string, uint>();
        uint Str(string s)
        {
            if (stringOffsets.TryGetValue(s, out var o)) return o;
            o = (uint)strings.Length;
            strings.Write(Encoding.UTF8.GetBytes(s));
            strings.WriteByte(0);
            return stringOffsets[s] = o;
        }

        // Verdef: the base entry (the soname) first, as ld writes it, then one entry per version.
        var verdef = new MemoryStream();
        var defNames = new[] { Soname }.Concat(Definitions).ToList();
        for (int i = 0; i < defNames.Count; i++)
        {
            var e = new byte[28];
            W16(e, 0, 1); W16(e, 2, (ushort)(i == 0 ? 1 : 0)); W16(e, 4, (ushort)(i + 1)); W16(e, 6, 1);
            W32(e, 12, 20); W32(e, 16, i == defNames.Count - 1 ? 0u : 28u);
            W32(e, 20, Str(defNames[i]));
            verdef.Write(e);
        }

        var verneed = new MemoryStream();
        var byFile = Requirements.GroupBy(r => r.File).ToList();
        for (int f = 0; f < byFile.Count; f++)
        {
            var aux = byFile[f].ToList();
            var e = new byte[16];
            W16(e, 0, 1); W16(e, 2, (ushort)aux.Count); W32(e, 4, Str(byFile[f].Key)); W32(e, 8, 16);
            W32(e, 12, f == byFile.Count - 1 ? 0u : (uint)(16 + 16 * aux.Count));
            verneed.Write(e);
            for (int a = 0; a < aux.Count; a++)
            {
                e = new byte[16];
                W16(e, 4, aux[a].Flags); W16(e, 6, aux[a].Index); W32(e, 8, Str(aux[a].Version));
                W32(e, 12, a == aux.Count - 1 ? 0u : 16u);
                verneed.Write(e);
            }
        }

        var dynsym = new MemoryStream();
        var versym = new MemoryStream();
        dynsym.Write(new byte[24]);
        versym.Write(new byte[2]);
        foreach (var (name, version, defined) in Symbols)
        {
            var e = new byte[24];
            W32(e, 0, Str(name)); e[4] = 0x12; W16(e, 6, (ushort)(defined ? 1 : 0));
            dynsym.Write(e);
            var v = new byte[2];
            W16(v, 0, version);
            versym.Write(v);
        }

        // Section 1 is the string table every other section links to.
        var bodies = new (uint Type, MemoryStream Body, uint Info)[]
        {
            (3, strings, 0),
            (0x6ffffffd, verdef, (uint)defNames.Count),
            (0x6ffffffe, verneed, (uint)byFile.Count),
            (11, dynsym, 1),
            (0x6fffffff, versym, 0),
        };
        var file = new MemoryStream();
        file.Write(new byte[64]);
        var placed = new List<(uint Type, long Offset, long Size, uint Info)>();
        foreach (var (type, body, info) in bodies)
        {
            while (file.Length % 8 != 0) file.WriteByte(0);
            placed.Add((type, file.Length, body.Length, info));
            body.WriteTo(file);
        }
        while (file.Length % 8 != 0) file.WriteByte(0);
        long shoff = file.Length;
        file.Write(new byte[64]);
        foreach (var (type, offset, size, info) in placed)
        {
            var h = new byte[64];
            W32(h, 4, type); W64(h, 24, (ulong)offset); W64(h, 32, (ulong)size);
            // .gnu.version links to .dynsym (section 4); the rest link to the string table.
            W32(h, 40, type switch { 3 => 0u, 0x6fffffff => 4u, _ => 1u }); W32(h, 44, info);
            W64(h, 56, type switch { 11 => 24ul, 0x6fffffff => 2ul, _ => 0ul });
            file.Write(h);
        }

        var bytes = file.ToArray();
        bytes[0] = 0x7f; bytes[1] = (byte)'E'; bytes[2] = (byte)'L'; bytes[3] = (byte)'F';
        bytes[4] = 2; bytes[5] = 1; bytes[6] = 1;                 // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
        W16(bytes, 16, 3); W16(bytes, 18, 62); W32(bytes, 20, 1); // ET_DYN, EM_X86_64
        W64(bytes, 0x28, (ulong)shoff);
        W16(bytes, 0x34, 64); W16(bytes, 0x3A, 64); W16(bytes, 0x3C, (ushort)(placed.Count + 1)); W16(bytes, 0x3E, 0);
        return bytes;
    }

    static void W16(Span<byte> b, int o, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(b[o..], v);
    static void W32(Span<byte> b, int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b[o..], v);
    static void W64(Span<byte> b, int o, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b[o..], v);
}
