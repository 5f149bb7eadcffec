using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace Repro.Experiments.Reporting;

/// <summary>
/// One panel ready to draw: its ScottPlot plot and what the figure's layout needs to know about it.
/// </summary>
internal sealed class PanelPlot(Plot plot)
{
    public Plot Plot { get; } = plot;

    public bool LogX { get; init; }

    public bool LogY { get; init; }

    /// <summary>Heat maps and pictures: cells of this many columns and rows, drawn square.</summary>
    public (int Columns, int Rows)? Picture { get; init; }

    /// <summary>Where data is drawn, in plotted coordinates: points, and samples along lines and bars.</summary>
    public List<Coordinates> Ink { get; } = new();

    /// <summary>The legend goes into the corner of the data area that hides the least data.</summary>
    public bool ChooseLegendCorner { get; init; }

    /// <summary>The legend goes under the axes, outside the data area.</summary>
    public bool LegendBelow { get; init; }
}

/// <summary>
/// Builds the ScottPlot plot of one panel from the figure's data file. Plot panels use data coordinates (log10 of
/// them on a log axis); heat-map and image panels put column c, row r at (c, -r), so row 0 is at the top.
/// </summary>
internal static class FigurePanels
{
    /// <summary>Samples per line segment when looking for the emptiest corner.</summary>
    private const int SegmentSamples = 12;

    /// <summary>Room beside the data, as fractions of its extent, so points on the extremes stay clear of the frame.</summary>
    private const double XMargin = 0.02, YMargin = 0.05;

    public static Plot NewPlot(string title)
    {
        FigureStyle.EnsureFonts();
        var plot = new Plot();
        // Panels share one canvas: a panel must not clear what the others drew.
        plot.RenderManager.ClearCanvasBeforeEachRender = false;
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Axes.Title.Label.Text = title;
        plot.Axes.Title.Label.FontSize = FigureStyle.PanelTitleSize;
        plot.Axes.Title.Label.Bold = false;
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.Label.FontSize = FigureStyle.AxisLabelSize;
            axis.Label.Bold = false;
            axis.TickLabelStyle.FontSize = FigureStyle.TickLabelSize;
            axis.TickGenerator = Ticks();
        }
        StyleLegend(plot.Legend);
        return plot;
    }

    /// <summary>Linear ticks, sparser than ScottPlot's default, labelled in the invariant culture without thousands separators.</summary>
    public static ScottPlot.TickGenerators.NumericAutomatic Ticks() => new()
    {
        LabelFormatter = v => CellFormat.Number(Math.Round(v, 10)),
        TickDensity = 0.6,
    };

    public static void StyleLegend(Legend legend)
    {
        legend.FontSize = FigureStyle.LegendSize;
        legend.FontName = FigureStyle.FontFamily;
        legend.ShadowColor = Colors.Transparent;
        legend.OutlineColor = Color.FromHex("#aaaaaa");
        legend.BackgroundColor = Colors.White.WithAlpha(0.75);
        legend.Padding = new PixelPadding(6, 4);
        legend.InterItemPadding = new PixelPadding(8, 8, 2, 2);
        legend.SymbolWidth = 24;
    }

    public static PanelPlot Plot(PlotPanel panel, string title, FigureData data)
    {
        var plot = NewPlot(title);
        var result = new PanelPlot(plot)
        {
            LogX = panel.LogX, LogY = panel.LogY,
            ChooseLegendCorner = panel.KeyPosition is null, LegendBelow = panel.KeyPosition == "below",
        };
        plot.Axes.Bottom.Label.Text = panel.XLabel;
        plot.Axes.Left.Label.Text = panel.YLabel;
        double X(double v) => panel.LogX ? Math.Log10(v) : v;
        double Y(double v) => panel.LogY ? Math.Log10(v) : v;
        bool Drawable(double v, bool log) => !log || v > 0;

        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < panel.Series.Count; i++)
        {
            var series = panel.Series[i];
            var points = data.Points(series).Where(p => Drawable(p.X, panel.LogX) && Drawable(p.Y, panel.LogY)).ToList();
            bool errors = series.YError is not null;
            bool lines = series.Style is SeriesStyle.Lines or SeriesStyle.LinesPoints or SeriesStyle.ErrorLines;
            bool marks = series.Style is not SeriesStyle.Lines || errors;
            var colour = FigureStyle.SeriesColour(series, i);

            double[] px = points.Select(p => X(p.X)).ToArray();
            double[] py = points.Select(p => Y(p.Y)).ToArray();
            var scatter = plot.Add.Scatter(px, py);
            scatter.Color = colour;
            scatter.LineWidth = lines ? FigureStyle.LineWidth : 0;
            scatter.MarkerShape = marks ? FigureStyle.PointShape(i) : MarkerShape.None;
            scatter.MarkerSize = FigureStyle.PointSize;
            scatter.MarkerLineWidth = 1;
            scatter.LegendText = series.Label;
            xs.AddRange(px);
            ys.AddRange(py);
            for (int k = 0; k < px.Length; k++)
            {
                result.Ink.Add(new Coordinates(px[k], py[k]));
                if (lines && k > 0)
                    for (int t = 1; t < SegmentSamples; t++)
                        result.Ink.Add(new Coordinates(px[k - 1] + (px[k] - px[k - 1]) * t / SegmentSamples, py[k - 1] + (py[k] - py[k - 1]) * t / SegmentSamples));
            }

            if (errors)
            {
                // Bars in plotted units: on a log axis a symmetric error is lopsided, and a bar below 0 is cut at the point.
                var up = points.Select(p => double.IsFinite(p.Error) ? Y(p.Y + Math.Abs(p.Error)) - Y(p.Y) : 0).ToArray();
                var down = points.Select(p => !double.IsFinite(p.Error) ? 0
                    : panel.LogY && p.Y - Math.Abs(p.Error) <= 0 ? 0 : Y(p.Y) - Y(p.Y - Math.Abs(p.Error))).ToArray();
                var bars = new ErrorBar(px, py, null, null, up, down) { CapSize = 4 };
                bars.Color = colour;
                bars.LineWidth = 1;
                plot.Add.Plottable(bars);
                ys.AddRange(py.Select((v, k) => v + up[k]));
                ys.AddRange(py.Select((v, k) => v - down[k]));
                for (int k = 0; k < px.Length; k++)
                    for (int t = 0; t <= 4; t++)
                        result.Ink.Add(new Coordinates(px[k], py[k] - down[k] + (up[k] + down[k]) * t / 4));
            }
        }
        foreach (var reference in panel.ReferenceLines)
        {
            if (!Drawable(reference.Y, panel.LogY))
                continue;
            var line = plot.Add.HorizontalLine(Y(reference.Y));
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = FigureStyle.LineWidth;
            line.Color = FigureStyle.Parse(FigureStyle.ReferenceColour);
            line.LegendText = reference.Label;
            line.EnableAutoscale = false;
            ys.Add(Y(reference.Y));
        }

        var (xMin, xMax) = Range(xs, XMargin, panel.XMin is { } a && Drawable(a, panel.LogX) ? X(a) : null,
            panel.XMax is { } b && Drawable(b, panel.LogX) ? X(b) : null, panel.LogX);
        var (yMin, yMax) = Range(ys, YMargin, panel.YMin is { } c && Drawable(c, panel.LogY) ? Y(c) : null,
            panel.YMax is { } d && Drawable(d, panel.LogY) ? Y(d) : null, panel.LogY);
        plot.Axes.SetLimits(xMin, xMax, yMin, yMax);
        // Over four units or more, ticks between integers only crowd the axis (layers 1..7, steps).
        ((ScottPlot.TickGenerators.NumericAutomatic)plot.Axes.Bottom.TickGenerator).IntegerTicksOnly = xMax - xMin >= 4;
        ((ScottPlot.TickGenerators.NumericAutomatic)plot.Axes.Left.TickGenerator).IntegerTicksOnly = yMax - yMin >= 4;
        foreach (var reference in panel.ReferenceLines.Where(r => Drawable(r.Y, panel.LogY)))
            for (int t = 0; t <= 4 * SegmentSamples; t++)
                result.Ink.Add(new Coordinates(xMin + (xMax - xMin) * t / (4 * SegmentSamples), Y(reference.Y)));
        if (panel.LogX)
            plot.Axes.Bottom.TickGenerator = LogTicks.Generator(xMin, xMax);
        if (panel.LogY)
            plot.Axes.Left.TickGenerator = LogTicks.Generator(yMin, yMax);

        plot.Legend.Alignment = panel.KeyPosition switch
        {
            "bottom left" => Alignment.LowerLeft,
            "bottom right" => Alignment.LowerRight,
            "top left" => Alignment.UpperLeft,
            _ => Alignment.UpperRight,
        };
        plot.Legend.IsVisible = plot.Legend.GetItems().Length > 0 && !result.LegendBelow;
        return result;
    }

    /// <summary>The data's extent widened by <paramref name="margin"/> of it on each free end; fixed ends stay put.</summary>
    private static (double Min, double Max) Range(List<double> values, double margin, double? fixedMin, double? fixedMax, bool log)
    {
        var finite = values.Where(double.IsFinite).ToList();
        double lo = finite.Count > 0 ? finite.Min() : log ? 0 : 0;
        double hi = finite.Count > 0 ? finite.Max() : 1;
        if (fixedMin is { } fmin && fixedMax is null && hi <= fmin) hi = fmin + 1;
        if (fixedMax is { } fmax && fixedMin is null && lo >= fmax) lo = fmax - 1;
        if (hi - lo <= 0)
        {
            double half = lo == 0 || log ? 0.5 : Math.Abs(lo) * 0.05;
            lo -= half;
            hi += half;
        }
        double span = hi - lo;
        double min = fixedMin ?? lo - margin * span;
        double max = fixedMax ?? hi + margin * span;
        if (max <= min) max = min + 1;
        return (min, max);
    }

    public static PanelPlot HeatMap(HeatMapPanel panel, string title, FigureData data, int firstRow)
    {
        var plot = NewPlot(title);
        int rows = panel.Values.GetLength(0), cols = panel.Values.GetLength(1);
        int rowColumn = data.Column("row"), colColumn = data.Column("col"), valueColumn = data.Column("value");
        var values = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                values[r, c] = double.NaN;
        for (int i = firstRow; i < firstRow + rows * cols; i++)
        {
            int r = (int)data.Number(i, rowColumn), c = (int)data.Number(i, colColumn);
            if (r < 0 || r >= rows || c < 0 || c >= cols)
                throw new ReproInputException($"{data.Csv.Source}:{data.Csv.Records[i].Line}: cell ({r}, {c}) lies outside the {rows}x{cols} map '{panel.Title}'");
            values[r, c] = data.Number(i, valueColumn);
        }

        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = panel.Grey ? new GreyColormap() : new HotColormap();
        heatmap.Extent = new CoordinateRect(-0.5, cols - 0.5, -(rows - 0.5), 0.5);
        // One rectangle per cell: an SVG viewer would blur a tiny embedded bitmap when scaling it up.
        heatmap.RenderStrategy = new Heatmap.RenderStrategies.Rectangles();
        var finite = values.Cast<double>().Where(double.IsFinite).ToList();
        if (finite.Count > 0 && finite.Min() == finite.Max())
        {
            // A flat map gets the middle of the palette and a scale around its one value, not the palette's dark end.
            double v = finite[0], half = v == 0 ? 1 : Math.Abs(v) * 0.01;
            heatmap.ManualRange = new ScottPlot.Range(v - half, v + half);
        }
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = panel.ColourLabel;
        bar.LabelStyle.FontSize = FigureStyle.AxisLabelSize;
        bar.LabelStyle.Bold = false;
        bar.Axis.TickLabelStyle.FontSize = FigureStyle.TickLabelSize;
        bar.Axis.TickGenerator = Ticks();
        PictureAxes(plot, cols, rows);
        return new PanelPlot(plot) { Picture = (cols, rows) };
    }

    public static PanelPlot Image(ImagePanel panel, string title, FigureData data, (int First, int Height, int Width) picture, (int First, int Count) boxes)
    {
        var plot = NewPlot(title);
        int x = data.Column("x"), y = data.Column("y"), rgb = data.Column("rgb");
        int width = picture.Width, height = picture.Height;
        using (var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque)))
        {
            for (int i = picture.First; i < picture.First + width * height; i++)
            {
                int px = (int)data.Number(i, x), py = (int)data.Number(i, y), colour = (int)data.Number(i, rgb);
                if (px < 0 || px >= width || py < 0 || py >= height)
                    throw new ReproInputException($"{data.Csv.Source}:{data.Csv.Records[i].Line}: pixel ({px}, {py}) lies outside the {width}x{height} picture '{panel.Image}'");
                bitmap.SetPixel(px, py, new SKColor((byte)(colour >> 16), (byte)(colour >> 8), (byte)colour));
            }
            var image = plot.Add.ImageRect(new ScottPlot.Image(bitmap), new CoordinateRect(-0.5, width - 0.5, -(height - 0.5), 0.5));
            image.AntiAlias = false;
        }

        int x2 = data.Column("x2"), y2 = data.Column("y2"), label = data.Column("label");
        for (int i = boxes.First; i < boxes.First + boxes.Count; i++)
        {
            var colour = FigureStyle.FromRgb((int)data.Number(i, rgb));
            // A box covers pixels x..x2 inclusive: its outline runs along the outer pixel edges.
            double left = data.Number(i, x) - 0.5, right = data.Number(i, x2) + 0.5;
            double top = data.Number(i, y) - 0.5, bottom = data.Number(i, y2) + 0.5;
            var box = plot.Add.Rectangle(left, right, -bottom, -top);
            box.FillColor = Colors.Transparent;
            box.LineColor = colour;
            box.LineWidth = 1.5f;
            string caption = data.Text(i, label);
            if (caption.Length == 0)
                continue;
            // The caption sits on the box's top edge, outside it, or inside when the box touches the picture's top.
            bool inside = top < 0.08 * height;
            var text = plot.Add.Text(caption, left, -top);
            text.LabelFontSize = FigureStyle.CaptionSize;
            text.LabelFontColor = Colors.White;
            text.LabelBackgroundColor = colour.WithAlpha(0.8);
            text.LabelPadding = 1;
            text.LabelAlignment = inside ? Alignment.UpperLeft : Alignment.LowerLeft;
        }
        PictureAxes(plot, width, height);
        return new PanelPlot(plot) { Picture = (width, height) };
    }

    /// <summary>A picture's axes: the exact extent of its cells, no ticks or grid, only the frame.</summary>
    private static void PictureAxes(Plot plot, int width, int height)
    {
        plot.Axes.SetLimits(-0.5, width - 0.5, -(height - 0.5), 0.5);
        plot.HideGrid();
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
            axis.MajorTickStyle.Length = 0;
            axis.MinorTickStyle.Length = 0;
        }
    }
}
