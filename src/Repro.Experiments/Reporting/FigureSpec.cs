namespace Repro.Experiments.Reporting;

public enum SeriesStyle
{
    Lines,
    Points,
    LinesPoints,

    /// <summary>Points with vertical error bars; needs <see cref="FigureSeries.YError"/>.</summary>
    ErrorBars,

    /// <summary>Lines through points with vertical error bars; needs <see cref="FigureSeries.YError"/>.</summary>
    ErrorLines,
}

/// <summary>
/// One curve: columns of the figure's data table by name. <see cref="FilterColumn"/> = <see cref="FilterValue"/>
/// keeps only matching rows, so one tidy table (condition, step, loss) feeds one curve per condition.
/// </summary>
public sealed record FigureSeries(string Label, string X, string Y)
{
    public string? YError { get; init; }

    public SeriesStyle Style { get; init; } = SeriesStyle.LinesPoints;

    public string? FilterColumn { get; init; }

    public string? FilterValue { get; init; }

    /// <summary>Line and point colour as #rrggbb, so a set of dots and the line through their means match; empty for <see cref="FigureStyle.SeriesColours"/> in series order.</summary>
    public string? Colour { get; init; }

    public FigureSeries Where(string column, string value) => this with { FilterColumn = column, FilterValue = value };
}

/// <summary>A horizontal line across a panel, e.g. the paper's number or chance level.</summary>
public sealed record ReferenceLine(string Label, double Y);

/// <summary>One set of axes. A figure holds one, or a grid of them.</summary>
public sealed class PlotPanel
{
    public string Title { get; init; } = "";

    public string XLabel { get; init; } = "";

    public string YLabel { get; init; } = "";

    public bool LogX { get; init; }

    public bool LogY { get; init; }

    /// <summary>Fixed x-axis ends; null fits the data (a curve that starts past 0 then hides where it starts).</summary>
    public double? XMin { get; init; }

    public double? XMax { get; init; }

    public double? YMin { get; init; }

    public double? YMax { get; init; }

    public List<FigureSeries> Series { get; init; } = new();

    /// <summary>
    /// Where the key goes: "bottom left", "bottom right", "top left" or "top right" inside the data area, or "below"
    /// the axes (single-panel figures; a grid whose panels list the same series gets one key above them all); null
    /// puts it in the corner where it hides the least data.
    /// </summary>
    public string? KeyPosition { get; init; }

    public List<ReferenceLine> ReferenceLines { get; init; } = new();
}

/// <summary>
/// One image of a heat-map figure: a matrix drawn cell by cell with a colour bar, row 0 at the top.
/// Grey panels show the input image an occlusion map was computed on.
/// </summary>
public sealed class HeatMapPanel
{
    public HeatMapPanel(string title, double[,] values, bool grey = false)
    {
        Title = title;
        Values = values ?? throw new ArgumentNullException(nameof(values));
        Grey = grey;
        if (values.GetLength(0) == 0 || values.GetLength(1) == 0)
            throw new ArgumentException($"heat-map panel '{title}' is empty", nameof(values));
    }

    public string Title { get; }

    public double[,] Values { get; }

    public bool Grey { get; }

    /// <summary>Colour-scale label, e.g. "P(true class)".</summary>
    public string ColourLabel { get; init; } = "";
}

/// <summary>A rectangle drawn over an image panel (a detection or a ground-truth box), in the image's pixel coordinates.</summary>
public sealed record ImageBox(double X1, double Y1, double X2, double Y2, string Label, int Colour);

/// <summary>
/// One panel of an image figure: an RGB picture (shared by key between panels, stored once) with boxes and
/// captions over it, row 0 at the top.
/// </summary>
public sealed class ImagePanel
{
    public ImagePanel(string title, string image, IReadOnlyList<ImageBox> boxes)
    {
        Title = title;
        Image = image;
        Boxes = boxes;
    }

    public string Title { get; }

    /// <summary>Key of the picture in the figure's image dictionary.</summary>
    public string Image { get; }

    public IReadOnlyList<ImageBox> Boxes { get; }
}

public enum FigureKind
{
    Plot,
    HeatMap,
    Images,
}

/// <summary>
/// A figure to render: its panels and the one data table they are drawn from. Written as
/// <c>&lt;name&gt;.data.csv</c> (data) and <c>&lt;name&gt;.png</c>/<c>.svg</c> (drawn by <see cref="FigureRenderer"/>).
/// For heat maps the data table is made from the matrices: columns panel,row,col,value, panels one after another.
/// </summary>
public sealed class FigureSpec
{
    private FigureSpec(string name, string title, FigureKind kind, ResultTable data, int rows, int cols)
    {
        ResultTable.CheckName(name, "figure");
        Name = name;
        Title = title ?? "";
        Kind = kind;
        Data = data;
        GridRows = rows;
        GridCols = cols;
    }

    public string Name { get; }

    public string Title { get; }

    public FigureKind Kind { get; }

    /// <summary>What the figure plots, written beside it as CSV; the renderer reads every number from that file.</summary>
    public ResultTable Data { get; }

    public int GridRows { get; }

    public int GridCols { get; }

    public IReadOnlyList<PlotPanel> PlotPanels { get; private init; } = Array.Empty<PlotPanel>();

    public IReadOnlyList<HeatMapPanel> HeatMapPanels { get; private init; } = Array.Empty<HeatMapPanel>();

    public IReadOnlyList<ImagePanel> ImagePanels { get; private init; } = Array.Empty<ImagePanel>();

    /// <summary>For image figures: each picture's first data row, rows (height) and columns (width).</summary>
    public IReadOnlyDictionary<string, (int First, int Height, int Width)> ImageRows { get; private init; } =
        new Dictionary<string, (int, int, int)>();

    /// <summary>For image figures: each panel's first box row and box count.</summary>
    public IReadOnlyList<(int First, int Count)> BoxRows { get; private init; } = Array.Empty<(int, int)>();

    /// <summary>Pixel size of one panel; the image is a grid of them.</summary>
    public int PanelWidth { get; init; } = 640;

    public int PanelHeight { get; init; } = 480;

    /// <summary>A single-panel line/point plot.</summary>
    public static FigureSpec Plot(string name, string title, ResultTable data, PlotPanel panel) =>
        Grid(name, title, data, 1, 1, new[] { panel });

    /// <summary>A rows x cols grid of plots sharing one data table, filled row by row (e.g. a 3x3 figure).</summary>
    public static FigureSpec Grid(string name, string title, ResultTable data, int rows, int cols, IReadOnlyList<PlotPanel> panels)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckGrid(name, rows, cols, panels.Count);
        foreach (var panel in panels)
        {
            foreach (var s in panel.Series)
            {
                foreach (var column in new[] { s.X, s.Y, s.YError, s.FilterColumn })
                    if (column is not null && !data.HasColumn(column))
                        throw new ArgumentException(
                            $"figure '{name}' series '{s.Label}': no column '{column}' in data table '{data.Name}'");
                if (s.Style is SeriesStyle.ErrorBars or SeriesStyle.ErrorLines && s.YError is null)
                    throw new ArgumentException($"figure '{name}' series '{s.Label}': error bars need a YError column");
                if (s.Colour is { } colour && !System.Text.RegularExpressions.Regex.IsMatch(colour, "^#[0-9a-fA-F]{6}$"))
                    throw new ArgumentException($"figure '{name}' series '{s.Label}': colour '{colour}' is not #rrggbb");
                if ((s.FilterColumn is null) != (s.FilterValue is null))
                    throw new ArgumentException($"figure '{name}' series '{s.Label}': a filter needs both column and value");
            }
            if (panel.KeyPosition is { } key && key is not ("bottom left" or "bottom right" or "top left" or "top right" or "below"))
                throw new ArgumentException($"figure '{name}' panel '{panel.Title}': key position '{key}' is not one of bottom left, bottom right, top left, top right, below");
            if (panel.Series.Count == 0)
                throw new ArgumentException($"figure '{name}' panel '{panel.Title}' has no series");
        }
        return new FigureSpec(name, title, FigureKind.Plot, data, rows, cols)
        {
            PlotPanels = panels.ToList(),
            PanelWidth = rows * cols == 1 ? 640 : 420,
            PanelHeight = rows * cols == 1 ? 480 : 320,
        };
    }

    /// <summary>Heat maps (occlusion maps) side by side or in a grid, with optional grey image panels among them.</summary>
    public static FigureSpec HeatMap(string name, string title, int rows, int cols, IReadOnlyList<HeatMapPanel> panels)
    {
        CheckGrid(name, rows, cols, panels.Count);
        var data = new ResultTable(name, title,
            ResultColumn.Text("panel"), ResultColumn.Integer("row"), ResultColumn.Integer("col"), ResultColumn.Number("value"));
        for (int p = 0; p < panels.Count; p++)
        {
            var values = panels[p].Values;
            for (int r = 0; r < values.GetLength(0); r++)
                for (int c = 0; c < values.GetLength(1); c++)
                    data.AddRow(panels[p].Title, r, c, values[r, c]);
        }
        return new FigureSpec(name, title, FigureKind.HeatMap, data, rows, cols)
        {
            HeatMapPanels = panels.ToList(),
            PanelWidth = 360,
            PanelHeight = 320,
        };
    }

    /// <summary>
    /// Pictures with boxes drawn over them (e.g. detections on test images). <paramref name="images"/> maps a key to
    /// packed RGB pixels (0xRRGGBB) [height, width]. The data table holds one row per pixel (kind "pixel": x, y, rgb)
    /// of every picture once, then one row per box (kind "box": x, y, x2, y2, rgb colour, label), panel by panel.
    /// </summary>
    public static FigureSpec Images(string name, string title, int rows, int cols, IReadOnlyDictionary<string, int[,]> images, IReadOnlyList<ImagePanel> panels)
    {
        CheckGrid(name, rows, cols, panels.Count);
        var data = new ResultTable(name, title,
            ResultColumn.Text("kind"), ResultColumn.Text("image"), ResultColumn.Number("x"), ResultColumn.Number("y"),
            ResultColumn.Integer("rgb"), ResultColumn.Number("x2"), ResultColumn.Number("y2"), ResultColumn.Text("label"));
        var imageRows = new Dictionary<string, (int, int, int)>();
        int row = 0;
        foreach (var key in panels.Select(p => p.Image).Distinct())
        {
            if (!images.TryGetValue(key, out var pixels))
                throw new ArgumentException($"figure '{name}': no picture '{key}'");
            int h = pixels.GetLength(0), w = pixels.GetLength(1);
            if (h == 0 || w == 0) throw new ArgumentException($"figure '{name}': picture '{key}' is empty");
            imageRows[key] = (row, h, w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    data.AddRow("pixel", key, x, y, pixels[y, x], 0, 0, "");
            row += h * w;
        }
        var boxRows = new List<(int, int)>();
        foreach (var panel in panels)
        {
            boxRows.Add((row, panel.Boxes.Count));
            foreach (var b in panel.Boxes)
                data.AddRow("box", panel.Image, b.X1, b.Y1, b.Colour, b.X2, b.Y2, b.Label);
            row += panel.Boxes.Count;
        }
        return new FigureSpec(name, title, FigureKind.Images, data, rows, cols)
        {
            ImagePanels = panels.ToList(),
            ImageRows = imageRows,
            BoxRows = boxRows,
            PanelWidth = 300,
            PanelHeight = 320,
        };
    }

    private static void CheckGrid(string name, int rows, int cols, int panels)
    {
        if (rows < 1 || cols < 1)
            throw new ArgumentException($"figure '{name}': a grid needs at least 1x1, got {rows}x{cols}");
        if (panels == 0 || panels > rows * cols)
            throw new ArgumentException($"figure '{name}': {panels} panels do not fit a {rows}x{cols} grid");
    }
}
