using System.IO.Compression;

namespace Repro.Experiments.Data;

/// <summary>File access shared by the loaders, turning every I/O failure into a message naming the file.</summary>
internal static class DataFiles
{
    public static void RequireDirectory(string path, string what)
    {
        if (!Directory.Exists(path)) throw new ReproInputException($"{what} folder {path} does not exist");
    }

    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new ReproInputException($"missing data file {path}");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ReproInputException($"missing data file {path} (its folder does not exist)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"cannot read data file {path}: {e.Message}", e);
        }
    }

    /// <summary>The file's bytes, gunzipped when it starts with the gzip magic (whatever its name).</summary>
    public static byte[] ReadMaybeGzipped(string path)
    {
        var bytes = ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B) return bytes;
        try
        {
            using var input = new MemoryStream(bytes, writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream(bytes.Length * 2);
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ReproInputException($"{path} is not a valid gzip file (truncated or corrupt): {e.Message}", e);
        }
    }

    /// <summary>
    /// Byte to [0, 1] as torchvision's ToTensor does it (x / 255 in single precision), by table so that every
    /// loader produces the identical float for a grey level.
    /// </summary>
    public static readonly float[] UnitScale = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();

    public static void ScaleBytes(ReadOnlySpan<byte> source, Span<float> target)
    {
        var table = UnitScale;
        for (int i = 0; i < source.Length; i++) target[i] = table[source[i]];
    }

    public static int ReadBigEndianInt32(byte[] bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}
