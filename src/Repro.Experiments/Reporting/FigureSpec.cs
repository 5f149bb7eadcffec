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

    public double? YMin { get; init; }

    public double? YMax { get; init; }

    public List<FigureSeries> Series { get; init; } = new();

    public List<ReferenceLine> ReferenceLines { get; init; } = new();
}

/// <summary>
/// One image of a heat-map figure: a matrix drawn cell by cell (<c>with image</c>), row 0 at the top.
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

public enum FigureKind
{
    Plot,
    HeatMap,
}

/// <summary>
/// A figure to render: its panels and the one data table the gnuplot script reads. Written as
/// <c>&lt;name&gt;.data.csv</c> (data), <c>&lt;name&gt;.gp</c> (script) and <c>&lt;name&gt;.png</c>/<c>.svg</c>.
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

    /// <summary>What the script plots, written beside it as CSV; the renderer never sees anything else.</summary>
    public ResultTable Data { get; }

    public int GridRows { get; }

    public int GridCols { get; }

    public IReadOnlyList<PlotPanel> PlotPanels { get; private init; } = Array.Empty<PlotPanel>();

    public IReadOnlyList<HeatMapPanel> HeatMapPanels { get; private init; } = Array.Empty<HeatMapPanel>();

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
                if ((s.FilterColumn is null) != (s.FilterValue is null))
                    throw new ArgumentException($"figure '{name}' series '{s.Label}': a filter needs both column and value");
            }
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

    private static void CheckGrid(string name, int rows, int cols, int panels)
    {
        if (rows < 1 || cols < 1)
            throw new ArgumentException($"figure '{name}': a grid needs at least 1x1, got {rows}x{cols}");
        if (panels == 0 || panels > rows * cols)
            throw new ArgumentException($"figure '{name}': {panels} panels do not fit a {rows}x{cols} grid");
    }
}
