using System.Xml.Linq;
using SkiaSharp;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>Reads what a figure drew: PNG pixels by position, SVG text by element.</summary>
internal static class FigurePixels
{
    public static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a PNG");

    public static (byte R, byte G, byte B) Rgb(SKBitmap bitmap, float x, float y)
    {
        var c = bitmap.GetPixel((int)Math.Floor(x), (int)Math.Floor(y));
        return (c.Red, c.Green, c.Blue);
    }

    public static (byte R, byte G, byte B) Rgb(string hex) =>
        (Convert.ToByte(hex.Substring(1, 2), 16), Convert.ToByte(hex.Substring(3, 2), 16), Convert.ToByte(hex.Substring(5, 2), 16));

    public static (byte R, byte G, byte B) Rgb(int packed) => ((byte)(packed >> 16), (byte)(packed >> 8), (byte)packed);

    public static int Distance((byte R, byte G, byte B) a, (byte R, byte G, byte B) b) =>
        Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B)));

    /// <summary>True when a pixel within <paramref name="radius"/> of (x, y) has <paramref name="colour"/>, give or take anti-aliasing.</summary>
    public static bool ColourNear(SKBitmap bitmap, float x, float y, (byte R, byte G, byte B) colour, int radius = 1, int tolerance = 40)
    {
        for (int dy = -radius; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++)
            {
                float px = x + dx, py = y + dy;
                if (px < 0 || py < 0 || px >= bitmap.Width || py >= bitmap.Height)
                    continue;
                if (Distance(Rgb(bitmap, px, py), colour) <= tolerance)
                    return true;
            }
        return false;
    }

    /// <summary>Every text element's content, trimmed; parsing also proves the SVG is well-formed XML.</summary>
    public static List<string> SvgTexts(byte[] svg)
    {
        using var stream = new MemoryStream(svg);
        var document = XDocument.Load(stream);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Xunit.Assert.Equal(ns + "svg", document.Root!.Name);
        return document.Descendants(ns + "text").Select(t => t.Value.Trim()).ToList();
    }
}
