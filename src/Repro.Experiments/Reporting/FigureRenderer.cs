using System.Text;
using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;

namespace Repro.Experiments.Reporting;

/// <summary>The files one figure became, as names relative to the report folder.</summary>
public sealed record FigureFiles(string Data, string Png, string Svg);

/// <summary>
/// Where one panel's data area landed on the figure, in pixels from the figure's top left, and the coordinates at
/// its edges. <see cref="ToPixel"/> takes data coordinates for plot panels and (column, row) for heat-map and
/// image panels. <see cref="Legend"/> is the corner its legend was drawn in ("top right", ...), "below" or
/// "shared" when it is drawn outside the axes, null without one.
/// </summary>
public sealed record PanelLayout(
    float Left, float Top, float Right, float Bottom,
    double XMin, double XMax, double YMin, double YMax,
    bool LogX, bool LogY, bool Picture, string? Legend)
{
    public (float X, float Y) ToPixel(double x, double y)
    {
        double px = LogX ? Math.Log10(x) : x;
        double py = Picture ? -y : LogY ? Math.Log10(y) : y;
        return ((float)(Left + (px - XMin) / (XMax - XMin) * (Right - Left)),
            (float)(Bottom - (py - YMin) / (YMax - YMin) * (Bottom - Top)));
    }
}

/// <summary>A figure drawn in memory: the PNG and SVG bytes and where each panel sits.</summary>
public sealed class RenderedFigure
{
    internal RenderedFigure(int width, int height, byte[] png, byte[] svg, IReadOnlyList<PanelLayout> panels)
    {
        Width = width;
        Height = height;
        Png = png;
        Svg = svg;
        Panels = panels;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Png { get; }

    /// <summary>UTF-8 SVG; the same drawing as the PNG, with text as text.</summary>
    public byte[] Svg { get; }

    public IReadOnlyList<PanelLayout> Panels { get; }
}

/// <summary>
/// Draws a <see cref="FigureSpec"/> with ScottPlot, in this process, from the figure's data CSV alone: the spec
/// says which columns and rows make each panel, the CSV holds every number drawn. A grid is one canvas: the
/// figure's title on top, one shared legend under it when every panel lists the same series, then the panels row
/// by row. The same CSV gives the same PNG and SVG bytes.
/// </summary>
public sealed class FigureRenderer
{
    private const float TitleHeight = 30;
    private const float Margin = 6;

    public static string DataFileName(string figureName) => Path.GetFileName(ResultPaths.FigureData(".", figureName));

    public static FigureFiles Files(FigureSpec spec) =>
        new(DataFileName(spec.Name), Path.GetFileName(ResultPaths.Figure(".", spec.Name, "png")),
            Path.GetFileName(ResultPaths.Figure(".", spec.Name, "svg")));

    /// <summary>Writes <c>&lt;name&gt;.data.csv</c>, the one file the figure is drawn from.</summary>
    public FigureFiles WriteData(FigureSpec spec, string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(ResultPaths.FigureData(directory, spec.Name), new CsvTableExporter().Export(spec.Data));
        return Files(spec);
    }

    /// <summary>Writes the data CSV, then draws the PNG and SVG from it.</summary>
    public FigureFiles Render(FigureSpec spec, string directory)
    {
        WriteData(spec, directory);
        DrawFiles(spec, directory);
        return Files(spec);
    }

    /// <summary>Draws <c>&lt;name&gt;.png</c> and <c>&lt;name&gt;.svg</c> from the <c>&lt;name&gt;.data.csv</c> already in <paramref name="directory"/>.</summary>
    public RenderedFigure DrawFiles(FigureSpec spec, string directory)
    {
        var figure = Draw(spec, CsvFiles.Read(ResultPaths.FigureData(directory, spec.Name)));
        AtomicFile.Write(ResultPaths.Figure(directory, spec.Name, "png"), s => s.Write(figure.Png));
        AtomicFile.Write(ResultPaths.Figure(directory, spec.Name, "svg"), s => s.Write(figure.Svg));
        return figure;
    }

    /// <summary>Draws the figure from its data table as written to CSV and read back, without touching the disk.</summary>
    public RenderedFigure Draw(FigureSpec spec) =>
        Draw(spec, CsvFiles.Parse(new CsvTableExporter().Export(spec.Data), DataFileName(spec.Name)));

    public RenderedFigure Draw(FigureSpec spec, CsvData csv)
    {
        ArgumentNullException.ThrowIfNull(spec);
        FigureStyle.EnsureFonts();
        var data = new FigureData(csv);

        byte[] png;
        IReadOnlyList<PanelLayout> layouts;
        var raster = Compose(spec, data);
        var info = new SKImageInfo(raster.Width, raster.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using (var surface = SKSurface.Create(info) ?? throw new InvalidOperationException($"figure '{spec.Name}': cannot make a {raster.Width}x{raster.Height} canvas"))
        {
            layouts = raster.Draw(surface.Canvas);
            using var image = surface.Snapshot();
            using var encoded = image.Encode(SKEncodedImageFormat.Png, 100);
            png = encoded.ToArray();
        }

        // A fresh composition: ScottPlot plots keep state from their last render.
        var vector = Compose(spec, data);
        byte[] svg;
        using (var stream = new MemoryStream())
        {
            using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, vector.Width, vector.Height), stream))
                vector.Draw(canvas);
            svg = StableSvg(stream.ToArray());
        }
        return new RenderedFigure(raster.Width, raster.Height, png, svg, layouts);
    }

    /// <summary>
    /// Makes Skia's SVG the same for the same figure and asks viewers to draw it like the PNG. Skia numbers clip
    /// paths from a counter shared by the whole process, so ids are renumbered in order of appearance. Rectangles
    /// (heat-map cells, frames, boxes) go on whole pixels, so neighbouring cells show no seam, and embedded
    /// pictures are scaled without smoothing.
    /// </summary>
    private static byte[] StableSvg(byte[] svg)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var perKind = new Dictionary<string, int>(StringComparer.Ordinal);
        string text = SvgId.Replace(Encoding.UTF8.GetString(svg), m =>
        {
            string id = m.Groups["id"].Value, kind = m.Groups["kind"].Value;
            if (!ids.TryGetValue(id, out var renamed))
            {
                int n = perKind.GetValueOrDefault(kind);
                perKind[kind] = n + 1;
                ids[id] = renamed = $"{kind}_{n}";
            }
            return m.Groups["before"].Value + renamed;
        });
        text = text
            .Replace("<rect ", "<rect shape-rendering=\"crispEdges\" ", StringComparison.Ordinal)
            .Replace("<image ", "<image image-rendering=\"pixelated\" ", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    private static readonly Regex SvgId = new(@"(?<before>id=""|url\(#|href=""#)(?<id>(?<kind>[a-z]+)_[0-9a-f]+)", RegexOptions.CultureInvariant);

    private static Composition Compose(FigureSpec spec, FigureData data)
    {
        bool grid = spec.GridRows * spec.GridCols > 1;
        string PanelTitle(string own) => grid || own.Length > 0 ? own : spec.Title;

        var panels = new List<PanelPlot>();
        if (spec.Kind == FigureKind.Plot)
        {
            foreach (var panel in spec.PlotPanels)
                panels.Add(FigurePanels.Plot(panel, PanelTitle(panel.Title), data));
        }
        else if (spec.Kind == FigureKind.HeatMap)
        {
            int first = 0;
            foreach (var panel in spec.HeatMapPanels)
            {
                panels.Add(FigurePanels.HeatMap(panel, PanelTitle(panel.Title), data, first));
                first += panel.Values.GetLength(0) * panel.Values.GetLength(1);
            }
        }
        else
        {
            for (int p = 0; p < spec.ImagePanels.Count; p++)
            {
                var panel = spec.ImagePanels[p];
                panels.Add(FigurePanels.Image(panel, PanelTitle(panel.Title), data, spec.ImageRows[panel.Image], spec.BoxRows[p]));
            }
        }

        int width = spec.GridCols * spec.PanelWidth;
        var composition = new Composition { Width = width };
        float top = 0, bottom = 0;
        if (grid && spec.Title.Length > 0)
        {
            composition.Title = new LabelStyle
            {
                Text = spec.Title, FontName = FigureStyle.FontFamily, FontSize = FigureStyle.FigureTitleSize, Bold = true,
                Alignment = Alignment.MiddleCenter,
            };
            Fit(composition.Title, width - 2 * Margin);
            float height = TitleHeight + (composition.Title.Text.Contains('\n') ? FigureStyle.FigureTitleSize * 1.2f : 0);
            composition.TitleCentre = new Pixel(width / 2f, height / 2f + 2);
            top += height;
        }
        if (spec.Kind == FigureKind.Plot && grid && SharedLegend(spec.PlotPanels))
        {
            // Every panel lists the same series: one legend for all, instead of one over each panel's data.
            var (legend, height) = LegendStrip(panels[0].Plot, width);
            composition.Legend = legend;
            composition.LegendRect = new PixelRect(Margin, width - Margin, top + height - Margin, top + Margin);
            composition.Shared = true;
            top += height;
            foreach (var p in panels)
                p.Plot.Legend.IsVisible = false;
        }
        else if (grid)
        {
            // No strip for a grid's own legends: "below" falls back to the top right corner.
            foreach (var p in panels.Where(p => p.LegendBelow))
                p.Plot.Legend.IsVisible = p.Plot.Legend.GetItems().Length > 0;
        }
        else if (panels[0].LegendBelow && panels[0].Plot.Legend.GetItems().Length > 0)
        {
            var (legend, height) = LegendStrip(panels[0].Plot, width);
            composition.Legend = legend;
            float end = top + spec.PanelHeight;
            composition.LegendRect = new PixelRect(Margin, width - Margin, end, end - height + 2 * Margin);
            bottom = height - Margin;
        }
        for (int i = 0; i < panels.Count; i++)
        {
            int row = i / spec.GridCols, col = i % spec.GridCols;
            var rect = new PixelRect(col * spec.PanelWidth, (col + 1) * spec.PanelWidth,
                top + (row + 1) * spec.PanelHeight - bottom, top + row * spec.PanelHeight);
            Fit(panels[i].Plot.Axes.Title.Label, spec.PanelWidth - 2 * Margin);
            composition.Panels.Add((panels[i], rect));
        }
        composition.Height = (int)Math.Ceiling(top + spec.GridRows * spec.PanelHeight);
        return composition;
    }

    /// <summary>A horizontal legend of <paramref name="source"/>'s entries, wrapped to the figure's width, and the strip height it needs.</summary>
    private static (Legend Legend, float Height) LegendStrip(Plot source, int width)
    {
        var holder = new Plot();
        FigurePanels.StyleLegend(holder.Legend);
        holder.Legend.ManualItems = source.Legend.GetItems().ToList();
        holder.Legend.DisplayPlottableLegendItems = false;
        holder.Legend.Orientation = Orientation.Horizontal;
        holder.Legend.OutlineColor = Colors.Transparent;
        holder.Legend.BackgroundColor = Colors.Transparent;
        using var paint = Paint.NewDisposablePaint();
        var size = holder.Legend.GetLayout(new PixelSize(width - 2 * Margin, 1000), paint).LegendRect.Size;
        return (holder.Legend, size.Height + 2 * Margin);
    }

    /// <summary>True when every panel's legend would list the same entries in the same order and look.</summary>
    private static bool SharedLegend(IReadOnlyList<PlotPanel> panels)
    {
        static string Key(PlotPanel panel) => string.Join("\n",
            panel.Series.Select((s, i) => (s, i)).Where(p => p.s.Label.Length > 0)
                .Select(p => $"{p.s.Label}|{p.s.Style}|{p.s.YError is null}|{FigureStyle.SeriesColour(p.s, p.i)}|{FigureStyle.PointShape(p.i)}")
                .Concat(panel.ReferenceLines.Where(r => r.Label.Length > 0).Select(r => "ref|" + r.Label)));
        string first = Key(panels[0]);
        return first.Length > 0 && panels.All(p => Key(p) == first);
    }

    /// <summary>
    /// Makes a title fit <paramref name="width"/>: first in two lines, broken at the space nearest its middle
    /// (a parenthesis preferred), then with a smaller font, down to a floor.
    /// </summary>
    private static void Fit(LabelStyle label, float width)
    {
        using var paint = Paint.NewDisposablePaint();
        bool Fits() => label.Measure(label.Text, paint).Width <= width;
        if (label.Text.Length == 0 || Fits())
            return;
        string text = label.Text;
        int middle = text.Length / 2;
        int paren = text.IndexOf(" (", StringComparison.Ordinal);
        int space = Enumerable.Range(0, text.Length).Where(i => text[i] == ' ').OrderBy(i => Math.Abs(i - middle)).DefaultIfEmpty(-1).First();
        int split = paren > 0 && Math.Abs(paren - middle) < text.Length / 4 ? paren : space;
        if (split > 0)
            label.Text = text[..split] + "\n" + text[(split + 1)..];
        while (label.FontSize > FigureStyle.MinimumTitleSize && !Fits())
            label.FontSize -= 0.5f;
    }

    private sealed class Composition
    {
        public int Width { get; init; }

        public int Height { get; set; }

        public LabelStyle? Title { get; set; }

        public Pixel TitleCentre { get; set; }

        public Legend? Legend { get; set; }

        public PixelRect LegendRect { get; set; }

        /// <summary>The legend strip serves every panel of a grid (else it is one panel's legend placed below it).</summary>
        public bool Shared { get; set; }

        public List<(PanelPlot Panel, PixelRect Rect)> Panels { get; } = new();

        public IReadOnlyList<PanelLayout> Draw(SKCanvas canvas)
        {
            canvas.Clear(SKColors.White);
            using var paint = Paint.NewDisposablePaint();
            Title?.Render(canvas, TitleCentre, paint);
            Legend?.Render(canvas, paint, LegendRect, Alignment.UpperCenter);
            var layouts = new List<PanelLayout>();
            SKSurface? scratch = null;
            try
            {
                foreach (var (panel, rect) in Panels)
                {
                    var plot = panel.Plot;
                    if (panel.Picture is not null || (panel.ChooseLegendCorner && plot.Legend.IsVisible))
                    {
                        // A first pass on a scratch canvas says where ScottPlot puts the data area and how big the legend is.
                        scratch ??= SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
                        plot.Render(scratch.Canvas, rect);
                        if (panel.Picture is { } cells)
                            plot.Layout.Fixed(Fitted(plot.RenderManager.LastRender.DataRect, cells.Columns, cells.Rows));
                        else
                            plot.Legend.Alignment = EmptiestCorner(panel);
                    }
                    plot.Render(canvas, rect);
                    var area = plot.RenderManager.LastRender.DataRect;
                    var limits = plot.Axes.GetLimits();
                    string? legend = plot.Legend.IsVisible ? Corner(plot.Legend.Alignment) : Legend is null ? null : Shared ? "shared" : "below";
                    layouts.Add(new PanelLayout(area.Left, area.Top, area.Right, area.Bottom,
                        limits.Left, limits.Right, limits.Bottom, limits.Top, panel.LogX, panel.LogY, panel.Picture is not null, legend));
                }
            }
            finally
            {
                scratch?.Dispose();
            }
            return layouts;
        }

        private static string Corner(Alignment alignment) => alignment switch
        {
            Alignment.UpperLeft => "top left",
            Alignment.LowerLeft => "bottom left",
            Alignment.LowerRight => "bottom right",
            _ => "top right",
        };

        /// <summary>The largest rectangle of square cells inside <paramref name="area"/>, centred in it.</summary>
        private static PixelRect Fitted(PixelRect area, int columns, int rows)
        {
            float cell = Math.Min(area.Width / columns, area.Height / rows);
            float w = cell * columns, h = cell * rows;
            float left = area.Left + (area.Width - w) / 2, top = area.Top + (area.Height - h) / 2;
            return new PixelRect(left, left + w, top + h, top);
        }

        /// <summary>The corner whose legend box covers the fewest drawn points; ties go to top right, top left, bottom right, bottom left.</summary>
        private static Alignment EmptiestCorner(PanelPlot panel)
        {
            var plot = panel.Plot;
            var area = plot.RenderManager.LastRender.DataRect;
            var limits = plot.Axes.GetLimits();
            var size = plot.Legend.LastRenderSize;
            var inner = area.Contract(plot.Legend.Margin);
            var best = Alignment.UpperRight;
            int fewest = int.MaxValue;
            foreach (var corner in new[] { Alignment.UpperRight, Alignment.UpperLeft, Alignment.LowerRight, Alignment.LowerLeft })
            {
                var box = new PixelRect(new Pixel(0, 0), size).AlignedInside(inner, corner).Expand(3);
                int covered = 0;
                foreach (var c in panel.Ink)
                {
                    float x = (float)(area.Left + (c.X - limits.Left) / (limits.Right - limits.Left) * area.Width);
                    float y = (float)(area.Bottom - (c.Y - limits.Bottom) / (limits.Top - limits.Bottom) * area.Height);
                    if (x >= box.Left && x <= box.Right && y >= box.Top && y <= box.Bottom)
                        covered++;
                }
                if (covered < fewest)
                {
                    fewest = covered;
                    best = corner;
                }
            }
            return best;
        }
    }
}
