using System.Text.RegularExpressions;

namespace Repro.Experiments.Reporting;

/// <summary>How a column's numbers are meant to be read, which decides how the views draw them.</summary>
public enum ColumnKind
{
    Text,
    Number,
    Integer,

    /// <summary>Values are fractions (0.912); Markdown and LaTeX show them as 91.2%, CSV keeps the fraction.</summary>
    Percent,
}

/// <summary>
/// One column of a <see cref="ResultTable"/>. <paramref name="Decimals"/> fixes the digits after the point in every
/// view (for percent columns: of the percentage); without it CSV keeps the shortest round-trip form.
/// </summary>
public sealed record ResultColumn(string Name, string Header, ColumnKind Kind = ColumnKind.Text, int? Decimals = null)
{
    public static ResultColumn Text(string name, string? header = null) => new(name, header ?? name);

    public static ResultColumn Number(string name, string? header = null, int? decimals = null) =>
        new(name, header ?? name, ColumnKind.Number, decimals);

    public static ResultColumn Integer(string name, string? header = null) =>
        new(name, header ?? name, ColumnKind.Integer);

    public static ResultColumn Percent(string name, string? header = null, int? decimals = null) =>
        new(name, header ?? name, ColumnKind.Percent, decimals);

    public bool IsNumeric => Kind != ColumnKind.Text;
}

/// <summary>A table cell: text, a number with an optional ± standard deviation, or empty.</summary>
public readonly struct ResultCell : IEquatable<ResultCell>
{
    private ResultCell(string? text, double? number, double? std)
    {
        Text = text;
        Number = number;
        Std = std;
    }

    public static ResultCell Empty => default;

    public string? Text { get; }

    public double? Number { get; }

    /// <summary>The spread shown as "± std" beside <see cref="Number"/> (e.g. over seeds).</summary>
    public double? Std { get; }

    public bool IsEmpty => Text is null && Number is null;

    public static ResultCell Of(string? text) => text is null ? Empty : new ResultCell(text, null, null);

    public static ResultCell Of(double value, double? std = null) => new(null, value, std);

    public static ResultCell Of(double? value, double? std = null) => value is { } v ? Of(v, std) : Empty;

    public static implicit operator ResultCell(string? text) => Of(text);

    public static implicit operator ResultCell(double value) => Of(value);

    public static implicit operator ResultCell(int value) => Of(value);

    public static implicit operator ResultCell(long value) => Of(value);

    public bool Equals(ResultCell other) =>
        Text == other.Text && Nullable.Equals(Number, other.Number) && Nullable.Equals(Std, other.Std);

    public override bool Equals(object? obj) => obj is ResultCell other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Text, Number, Std);

    public override string ToString() =>
        Text ?? (Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : "");
}

/// <summary>
/// The one intermediate form of every result: experiments fill it, and the CSV, Markdown and LaTeX exporters and
/// the figure data files only draw it. The name is the file stem of every file it becomes.
/// </summary>
public sealed class ResultTable
{
    private static readonly Regex FileStem = new("^[a-z0-9][a-z0-9_.-]*$", RegexOptions.CultureInvariant);

    private readonly List<ResultColumn> columns;
    private readonly List<ResultCell[]> rows = new();

    public ResultTable(string name, string title, IEnumerable<ResultColumn> columns)
    {
        CheckName(name, "table");
        Name = name;
        Title = title ?? throw new ArgumentNullException(nameof(title));
        this.columns = columns.ToList();
        if (this.columns.Count == 0)
            throw new ArgumentException($"table '{name}' needs at least one column", nameof(columns));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in this.columns)
        {
            if (string.IsNullOrWhiteSpace(c.Name))
                throw new ArgumentException($"table '{name}' has a column with an empty name", nameof(columns));
            if (!seen.Add(c.Name))
                throw new ArgumentException($"table '{name}' has two columns named '{c.Name}'", nameof(columns));
            if (c.Decimals is < 0 or > 15)
                throw new ArgumentException($"table '{name}' column '{c.Name}': decimals must be 0..15", nameof(columns));
        }
    }

    public ResultTable(string name, string title, params ResultColumn[] columns)
        : this(name, title, (IEnumerable<ResultColumn>)columns) { }

    public string Name { get; }

    public string Title { get; }

    public IReadOnlyList<ResultColumn> Columns => columns;

    public IReadOnlyList<IReadOnlyList<ResultCell>> Rows => rows;

    public ResultTable AddRow(params ResultCell[] cells)
    {
        if (cells.Length != columns.Count)
            throw new ArgumentException(
                $"table '{Name}': a row has {cells.Length} cells for {columns.Count} columns", nameof(cells));
        for (int i = 0; i < cells.Length; i++)
        {
            var column = columns[i];
            var cell = cells[i];
            if (column.IsNumeric && cell.Text is not null)
                throw new ArgumentException(
                    $"table '{Name}' column '{column.Name}' is numeric but got text '{cell.Text}'", nameof(cells));
            if (column.Kind == ColumnKind.Integer && cell.Number is { } n && double.IsFinite(n) && n != Math.Round(n))
                throw new ArgumentException(
                    $"table '{Name}' column '{column.Name}' holds integers but got {n.ToString("R", CultureInfo.InvariantCulture)}",
                    nameof(cells));
        }
        rows.Add((ResultCell[])cells.Clone());
        return this;
    }

    public int ColumnIndex(string columnName)
    {
        int index = columns.FindIndex(c => c.Name == columnName);
        if (index < 0)
            throw new ArgumentException(
                $"table '{Name}' has no column '{columnName}' (columns: {string.Join(", ", columns.Select(c => c.Name))})");
        return index;
    }

    public bool HasColumn(string columnName) => columns.Exists(c => c.Name == columnName);

    public ResultCell Cell(int row, string columnName) => rows[row][ColumnIndex(columnName)];

    /// <summary>A cell's value as text, whatever the column kind; numbers in round-trip form.</summary>
    public string Text(int row, string columnName) => Cell(row, columnName).ToString();

    /// <summary>A cell's number; text cells (as in reference tables) are parsed with the invariant culture.</summary>
    public double? Number(int row, string columnName)
    {
        var cell = Cell(row, columnName);
        if (cell.Number is { } n)
            return n;
        return cell.Text is { } t && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : null;
    }

    internal static void CheckName(string name, string what)
    {
        if (name is null || !FileStem.IsMatch(name))
            throw new ArgumentException(
                $"{what} name '{name}' must be a file stem of lower-case letters, digits, '_', '-' or '.'");
    }
}
