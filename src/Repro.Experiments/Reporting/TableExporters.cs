using System.Text;

namespace Repro.Experiments.Reporting;

/// <summary>A view of a <see cref="ResultTable"/> as text in one file format. Exporters only draw; they never compute.</summary>
public interface ITableExporter
{
    /// <summary>File extension without the dot: "csv", "md", "tex".</summary>
    string Extension { get; }

    string Export(ResultTable table);
}

public static class TableExporters
{
    public static readonly IReadOnlyList<ITableExporter> Default =
        new ITableExporter[] { new CsvTableExporter(), new MarkdownTableExporter(), new LatexTableExporter() };
}

/// <summary>
/// The data file: one header row of column names, numbers in the invariant culture. A column whose cells carry a
/// standard deviation gets a <c>&lt;name&gt;_std</c> column right after it, so the file stays one value per cell.
/// </summary>
public sealed class CsvTableExporter : ITableExporter
{
    public string Extension => "csv";

    public static string StdColumnName(string column) => column + "_std";

    public string Export(ResultTable table)
    {
        var withStd = table.Columns.Select((c, i) => table.Rows.Any(r => r[i].Std is not null)).ToArray();
        var header = new List<string>();
        for (int i = 0; i < table.Columns.Count; i++)
        {
            header.Add(table.Columns[i].Name);
            if (withStd[i])
                header.Add(StdColumnName(table.Columns[i].Name));
        }
        var records = table.Rows.Select(row =>
        {
            var fields = new List<string>(header.Count);
            for (int i = 0; i < table.Columns.Count; i++)
            {
                var column = table.Columns[i];
                var cell = row[i];
                fields.Add(cell.Number is { } n ? CellFormat.Csv(column, n) : cell.Text ?? "");
                if (withStd[i])
                    fields.Add(cell.Std is { } s ? CellFormat.Csv(column, s) : "");
            }
            return (IReadOnlyList<string>)fields;
        });
        return CsvFiles.Write(header, records);
    }

    /// <summary>Reads a CSV written by any tool as a table of text cells (reference tables, report inputs).</summary>
    public static ResultTable Read(string path, string name, string? title = null) =>
        ToTable(CsvFiles.Read(path), name, title);

    internal static ResultTable ToTable(CsvData data, string name, string? title = null)
    {
        ResultTable table;
        try
        {
            table = new ResultTable(name, title ?? name, data.Header.Select(h => ResultColumn.Text(h)));
        }
        catch (ArgumentException e)
        {
            throw new ReproInputException($"{data.Source}:1: bad header: {e.Message}", e);
        }
        foreach (var record in data.Records)
        {
            var cells = new ResultCell[data.Header.Count];
            for (int i = 0; i < cells.Length; i++)
                cells[i] = record[i].Length == 0 ? ResultCell.Empty : ResultCell.Of(record[i]);
            table.AddRow(cells);
        }
        return table;
    }
}

/// <summary>A GitHub pipe table, padded so the plain text lines up; numbers right-aligned.</summary>
public sealed class MarkdownTableExporter : ITableExporter
{
    public string Extension => "md";

    public string Export(ResultTable table)
    {
        var columns = table.Columns;
        var header = columns.Select(c => Escape(c.Header)).ToArray();
        var body = table.Rows.Select(r => r.Select((cell, i) => Escape(Display(columns[i], cell))).ToArray()).ToList();
        var widths = new int[columns.Count];
        for (int i = 0; i < columns.Count; i++)
            widths[i] = Math.Max(3, Math.Max(header[i].Length, body.Count == 0 ? 0 : body.Max(r => r[i].Length)));

        var sb = new StringBuilder();
        AppendRow(sb, header, widths, columns, isHeader: true);
        sb.Append('|');
        for (int i = 0; i < columns.Count; i++)
        {
            sb.Append(' ');
            sb.Append(columns[i].IsNumeric ? new string('-', widths[i] - 1) + ":" : ":" + new string('-', widths[i] - 1));
            sb.Append(" |");
        }
        sb.Append('\n');
        foreach (var row in body)
            AppendRow(sb, row, widths, columns, isHeader: false);
        return sb.ToString();
    }

    internal static string Display(ResultColumn column, ResultCell cell)
    {
        if (cell.Number is { } n)
        {
            var text = CellFormat.Display(column, n) + (column.Kind == ColumnKind.Percent ? "%" : "");
            return cell.Std is { } s ? text + " ± " + CellFormat.Display(column, s) : text;
        }
        return cell.Text ?? "-";
    }

    private static void AppendRow(StringBuilder sb, string[] cells, int[] widths, IReadOnlyList<ResultColumn> columns, bool isHeader)
    {
        sb.Append('|');
        for (int i = 0; i < cells.Length; i++)
        {
            sb.Append(' ');
            bool right = columns[i].IsNumeric && !isHeader;
            sb.Append(right ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]));
            sb.Append(" |");
        }
        sb.Append('\n');
    }

    internal static string Escape(string text) =>
        text.Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r", "").Replace("\n", " ");
}

/// <summary>A booktabs table (\toprule, \midrule, \bottomrule) ready to \input into a paper.</summary>
public sealed class LatexTableExporter : ITableExporter
{
    public string Extension => "tex";

    public string Export(ResultTable table)
    {
        var columns = table.Columns;
        var sb = new StringBuilder();
        sb.Append("% requires \\usepackage{booktabs}\n");
        sb.Append("\\begin{table}[ht]\n");
        sb.Append("\\centering\n");
        sb.Append("\\caption{").Append(Escape(table.Title)).Append("}\n");
        sb.Append("\\label{tab:").Append(table.Name).Append("}\n");
        sb.Append("\\begin{tabular}{").Append(string.Concat(columns.Select(c => c.IsNumeric ? 'r' : 'l'))).Append("}\n");
        sb.Append("\\toprule\n");
        sb.Append(string.Join(" & ", columns.Select(c => Escape(c.Header)))).Append(" \\\\\n");
        sb.Append("\\midrule\n");
        foreach (var row in table.Rows)
            sb.Append(string.Join(" & ", row.Select((cell, i) => Cell(columns[i], cell)))).Append(" \\\\\n");
        sb.Append("\\bottomrule\n");
        sb.Append("\\end{tabular}\n");
        sb.Append("\\end{table}\n");
        return sb.ToString();
    }

    private static string Cell(ResultColumn column, ResultCell cell)
    {
        if (cell.Number is { } n)
        {
            var text = CellFormat.Display(column, n) + (column.Kind == ColumnKind.Percent ? "\\%" : "");
            return cell.Std is { } s ? text + " $\\pm$ " + CellFormat.Display(column, s) : text;
        }
        return cell.Text is { } t ? Escape(t) : "--";
    }

    /// <summary>Escapes the characters LaTeX treats as commands in running text.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\\': sb.Append("\\textbackslash{}"); break;
                case '_': sb.Append("\\_"); break;
                case '%': sb.Append("\\%"); break;
                case '&': sb.Append("\\&"); break;
                case '#': sb.Append("\\#"); break;
                case '$': sb.Append("\\$"); break;
                case '{': sb.Append("\\{"); break;
                case '}': sb.Append("\\}"); break;
                case '~': sb.Append("\\textasciitilde{}"); break;
                case '^': sb.Append("\\textasciicircum{}"); break;
                case '±': sb.Append("$\\pm$"); break;
                case '\r': break;
                case '\n': sb.Append(' '); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
