using ScottPlot;
using ScottPlot.FontResolvers;
using SkiaSharp;

namespace Repro.Experiments.Reporting;

/// <summary>
/// The look every figure shares: one sans font, the series colours and point shapes in the order series are
/// listed, the heat-map palettes and the text sizes.
/// </summary>
public static class FigureStyle
{
    /// <summary>Every text of every figure; Debian package fonts-dejavu-core.</summary>
    public const string FontFamily = "DejaVu Sans";

    private const string DejaVuFolder = "/usr/share/fonts/truetype/dejavu";

    private static readonly Lazy<bool> FontsReady = new(SetUpFonts, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Series colours when a series names none: matplotlib's tab10, readable on white and in print.</summary>
    public static readonly IReadOnlyList<string> SeriesColours =
    [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ];

    /// <summary>Point shapes in series order (+, x, *, squares, circles, triangles, diamonds), so series stay apart in grey.</summary>
    public static readonly IReadOnlyList<MarkerShape> PointShapes =
    [
        MarkerShape.Cross, MarkerShape.Eks, MarkerShape.Asterisk, MarkerShape.OpenSquare, MarkerShape.FilledSquare,
        MarkerShape.OpenCircle, MarkerShape.FilledCircle, MarkerShape.OpenTriangleUp, MarkerShape.FilledTriangleUp,
        MarkerShape.OpenDiamond, MarkerShape.FilledDiamond,
    ];

    /// <summary>Reference lines (the paper's number, chance): dashed, in a grey no series uses.</summary>
    public const string ReferenceColour = "#555555";

    public const float FigureTitleSize = 15;
    public const float PanelTitleSize = 13;
    public const float AxisLabelSize = 12;
    public const float TickLabelSize = 11;
    public const float LegendSize = 11;
    public const float CaptionSize = 9;
    public const float MinimumTitleSize = 8;
    public const float LineWidth = 1.2f;
    public const float PointSize = 7;

    /// <summary>
    /// Makes <see cref="FontFamily"/> ScottPlot's default font. Debian's DejaVu Sans files are loaded by path when
    /// present, so the same file draws every glyph whatever else the machine has installed (a figure is then
    /// byte-identical across machines); otherwise the family is looked up among the installed fonts.
    /// </summary>
    public static void EnsureFonts() => _ = FontsReady.Value;

    private static bool SetUpFonts()
    {
        string regular = Path.Combine(DejaVuFolder, "DejaVuSans.ttf");
        string bold = Path.Combine(DejaVuFolder, "DejaVuSans-Bold.ttf");
        if (File.Exists(regular))
        {
            // Ahead of the system resolver, which would pick among every file that calls itself DejaVu Sans.
            Fonts.FontResolvers.Insert(0, new FileFontResolver(FontFamily, regular, FontWeight.Normal, FontSlant.Upright, FontSpacing.Normal));
            if (File.Exists(bold))
                Fonts.FontResolvers.Insert(0, new FileFontResolver(FontFamily, bold, FontWeight.Bold, FontSlant.Upright, FontSpacing.Normal));
        }
        else if (!SKFontManager.Default.FontFamilies.Contains(FontFamily, StringComparer.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"font '{FontFamily}' not found: install it (Debian package fonts-dejavu-core) to draw figures");
        }
        Fonts.Default = FontFamily;
        Fonts.Sans = FontFamily;
        return true;
    }

    public static Color Parse(string hex) => Color.FromHex(hex);

    /// <summary>0xRRGGBB as used by <see cref="ImageBox.Colour"/> and the pixels of image figures.</summary>
    public static Color FromRgb(int rgb) => new((byte)((rgb >> 16) & 0xff), (byte)((rgb >> 8) & 0xff), (byte)(rgb & 0xff));

    public static Color SeriesColour(FigureSeries series, int index) =>
        Parse(series.Colour ?? SeriesColours[index % SeriesColours.Count]);

    public static MarkerShape PointShape(int index) => PointShapes[index % PointShapes.Count];
}

/// <summary>
/// The "hot" heat-map palette: red = 3t, green = 3t - 1, blue = 3t - 2, each clipped to [0, 1], so black, red,
/// yellow, white at t = 0, 1/3, 2/3, 1 with straight lines between them.
/// </summary>
public sealed class HotColormap : IColormap
{
    public string Name => "hot";

    public Color GetColor(double position)
    {
        if (double.IsNaN(position))
            return Colors.Transparent;
        double t = Math.Clamp(position, 0, 1);
        return new Color(Channel(3 * t), Channel(3 * t - 1), Channel(3 * t - 2));
    }

    private static byte Channel(double v) => (byte)Math.Round(255 * Math.Clamp(v, 0, 1));
}

/// <summary>Black to white, for input pictures shown beside their maps.</summary>
public sealed class GreyColormap : IColormap
{
    public string Name => "grey";

    public Color GetColor(double position)
    {
        if (double.IsNaN(position))
            return Colors.Transparent;
        byte v = (byte)Math.Round(255 * Math.Clamp(position, 0, 1));
        return new Color(v, v, v);
    }
}

/// <summary>
/// Ticks for a log axis drawn as log10 of the data: major ticks at powers of ten labelled with the value itself
/// (1, 10, 100), also at 2 and 5 times them when fewer than three powers fall in the range, and minor ticks at
/// the other integer multiples.
/// </summary>
public static class LogTicks
{
    public static ScottPlot.TickGenerators.NumericManual Generator(double log10Min, double log10Max)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (position, label) in Ticks(log10Min, log10Max))
        {
            if (label is null)
                ticks.AddMinor(position);
            else
                ticks.AddMajor(position, label);
        }
        return ticks;
    }

    /// <summary>(log10 position, label or null for a minor tick) for every tick inside [min, max].</summary>
    public static IReadOnlyList<(double Position, string? Label)> Ticks(double log10Min, double log10Max)
    {
        const double slack = 1e-9;
        int first = (int)Math.Floor(log10Min + slack), last = (int)Math.Ceiling(log10Max - slack);
        int powersInside = Enumerable.Range(first, last - first + 1).Count(d => d >= log10Min - slack && d <= log10Max + slack);
        var labelled = powersInside < 3 ? new[] { 1, 2, 5 } : new[] { 1 };
        var ticks = new List<(double, string?)>();
        for (int decade = first; decade <= last; decade++)
        {
            for (int m = 1; m <= 9; m++)
            {
                double value = m * Math.Pow(10, decade);
                double position = Math.Log10(value);
                if (position < log10Min - slack || position > log10Max + slack)
                    continue;
                ticks.Add((position, labelled.Contains(m) ? Label(m, decade) : null));
            }
        }
        return ticks;
    }

    private static string Label(int multiple, int decade) =>
        decade >= 0
            ? CellFormat.Number(multiple * Math.Pow(10, decade))
            : CellFormat.Number(Math.Round(multiple * Math.Pow(10, decade), -decade));
}
