using System.Text;
using CsvHelper;

namespace Repro.Experiments.Reporting;

/// <summary>A CSV file read whole: its header and records, each with the file line it started on.</summary>
public sealed class CsvData
{
    public CsvData(string source, IReadOnlyList<string> header, IReadOnlyList<CsvRecord> records)
    {
        Source = source;
        Header = header;
        Records = records;
    }

    /// <summary>The path errors name.</summary>
    public string Source { get; }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<CsvRecord> Records { get; }

    public int IndexOf(string column) => Header.ToList().IndexOf(column);

    /// <summary>The index of a column the file must have; a missing one is bad input naming the file.</summary>
    public int Require(string column)
    {
        int index = IndexOf(column);
        if (index < 0)
            throw new ReproInputException(
                $"{Source}:1: missing column '{column}' (columns: {string.Join(", ", Header)})");
        return index;
    }

    /// <summary>
    /// A cell as a number in the forms <see cref="CellFormat"/> writes (NaN and Inf included); null when empty. Any
    /// other text is bad input naming file, line and column: a corrupt cell must not become a missing value.
    /// </summary>
    public double? OptionalNumber(CsvRecord record, int column)
    {
        string text = record[column];
        if (text.Length == 0)
            return null;
        return CellFormat.TryParse(text, out double value) ? value : throw BadCell(record, column, "a number");
    }

    /// <summary>A cell that must hold a number; empty or other text is bad input naming file, line and column.</summary>
    public double Number(CsvRecord record, int column) =>
        OptionalNumber(record, column) ?? throw BadCell(record, column, "a number");

    /// <summary>A cell that must hold an integer; anything else is bad input naming file, line and column.</summary>
    public long Integer(CsvRecord record, int column) =>
        long.TryParse(record[column], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw BadCell(record, column, "an integer");

    /// <summary>A cell that must hold one of <paramref name="allowed"/>.</summary>
    public string OneOf(CsvRecord record, int column, params string[] allowed) =>
        allowed.Contains(record[column], StringComparer.Ordinal)
            ? record[column]
            : throw BadCell(record, column, string.Join(", ", allowed[..^1]) + (allowed.Length > 1 ? " or " : "") + allowed[^1]);

    /// <summary>"file:line: column 'c' holds 'text', not <paramref name="expected"/>" (or "is empty, ...").</summary>
    public ReproInputException BadCell(CsvRecord record, int column, string expected)
    {
        string name = column >= 0 && column < Header.Count ? Header[column] : $"#{column + 1}";
        string text = record[column];
        return new ReproInputException(text.Length == 0
            ? $"{Source}:{record.Line}: column '{name}' is empty, expected {expected}"
            : $"{Source}:{record.Line}: column '{name}' holds '{text}', not {expected}");
    }
}

public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields)
{
    public string this[int index] => index >= 0 && index < Fields.Count ? Fields[index] : "";
}

/// <summary>
/// CSV through CsvHelper with one fixed dialect for everything the reports write: comma, RFC 4180 quoting,
/// "\n" line ends (so files are byte-identical on every OS), UTF-8 without byte-order mark.
/// </summary>
public static class CsvFiles
{
    public static string Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> records)
    {
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\n" }, leaveOpen: true))
        {
            foreach (var field in header)
                csv.WriteField(field);
            csv.EndRecord();
            foreach (var record in records)
            {
                if (record.Count != header.Count)
                    throw new ArgumentException($"a CSV record has {record.Count} fields for {header.Count} columns");
                foreach (var field in record)
                    csv.WriteField(field);
                csv.EndRecord();
            }
        }
        return text.ToString();
    }

    public static CsvData Read(string path)
    {
        string content;
        try
        {
            content = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            throw new ReproInputException($"{path}: file not found");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ReproInputException($"{path}: file not found");
        }
        catch (IOException e)
        {
            throw new ReproInputException($"{path}: cannot read: {e.Message}", e);
        }
        return Parse(content, path);
    }

    public static CsvData Parse(string content, string source)
    {
        try
        {
            using var csv = CsvReader.FromText(content, new CsvReaderOptions { TrackLineNumbers = true });
            var header = csv.Headers.ToList();
            if (header.Count == 0 || header.All(h => h.Length == 0))
                throw new ReproInputException($"{source}: empty CSV, expected a header row");
            var records = new List<CsvRecord>();
            while (csv.Read())
            {
                if (csv.FieldCount > header.Count)
                    throw new ReproInputException(
                        $"{source}:{csv.LineNumber}: {csv.FieldCount} fields for {header.Count} columns");
                var fields = new string[csv.FieldCount];
                for (int i = 0; i < fields.Length; i++)
                    fields[i] = csv.GetString(i);
                records.Add(new CsvRecord(checked((int)csv.LineNumber), fields));
            }
            return new CsvData(source, header, records);
        }
        catch (CsvFormatException e)
        {
            throw new ReproInputException($"{source}: malformed CSV: {e.Message.Split('\n')[0]}", e);
        }
    }
}
