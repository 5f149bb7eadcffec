using System.IO.Compression;
using System.Text;

namespace Repro.Experiments.Tests.Data;

/// <summary>A temporary folder deleted after the test.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "repro-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts).ToArray());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Writers for small data files in each supported format.</summary>
public static class DataFixtures
{
    public static byte[] IdxImages(int count, int rows, int columns, byte[] pixels, int magic = 2051)
    {
        var header = new List<byte>();
        foreach (int v in new[] { magic, count, rows, columns }) header.AddRange(BigEndian(v));
        return header.Concat(pixels).ToArray();
    }

    public static byte[] IdxLabels(byte[] labels, int magic = 2049) => BigEndian(magic).Concat(BigEndian(labels.Length)).Concat(labels).ToArray();

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] BigEndian(int v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };

    /// <summary>A digit file as the npm package writes it: k/255 rounded to three decimals.</summary>
    public static string DigitJson(IEnumerable<byte> greyLevels) =>
        "{ \"data\": [" + string.Join(",", greyLevels.Select(k => Math.Round(k / 255.0, 3).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]}";

    public static void WriteText(string path, string text) => File.WriteAllText(path, text, new UTF8Encoding(false));
}
