namespace Repro.Experiments.Reporting;

/// <summary>One point of a series as read from the figure's CSV: x, y and the optional error (NaN without one).</summary>
public readonly record struct SeriesPoint(double X, double Y, double Error);

/// <summary>
/// A figure's data file as the renderer reads it: columns by name, numbers in the invariant culture as
/// <see cref="CellFormat"/> writes them. Bad cells are bad input that names the file and line.
/// </summary>
public sealed class FigureData
{
    private readonly Dictionary<string, int> columns = new(StringComparer.Ordinal);

    public FigureData(CsvData csv)
    {
        Csv = csv ?? throw new ArgumentNullException(nameof(csv));
        for (int i = 0; i < csv.Header.Count; i++)
            columns.TryAdd(csv.Header[i], i);
    }

    public CsvData Csv { get; }

    public int RowCount => Csv.Records.Count;

    public int Column(string name) =>
        columns.TryGetValue(name, out int index) ? index : Csv.Require(name);

    public string Text(int row, int column) => Csv.Records[row][column];

    /// <summary>The cell as a number; an empty cell is NaN (a missing value), text that is no number is an error.</summary>
    public double Number(int row, int column) => Csv.OptionalNumber(Csv.Records[row], column) ?? double.NaN;

    /// <summary>
    /// The rows of <paramref name="series"/> in file order (its filter applied, compared with the text as written),
    /// without rows whose x or y is missing or not finite.
    /// </summary>
    public IReadOnlyList<SeriesPoint> Points(FigureSeries series)
    {
        int x = Column(series.X), y = Column(series.Y);
        int error = series.YError is { } e ? Column(e) : -1;
        int filter = series.FilterColumn is { } f ? Column(f) : -1;
        var points = new List<SeriesPoint>();
        for (int row = 0; row < RowCount; row++)
        {
            if (filter >= 0 && !string.Equals(Text(row, filter), series.FilterValue, StringComparison.Ordinal))
                continue;
            double px = Number(row, x), py = Number(row, y);
            if (!double.IsFinite(px) || !double.IsFinite(py))
                continue;
            points.Add(new SeriesPoint(px, py, error >= 0 ? Number(row, error) : double.NaN));
        }
        return points;
    }
}
