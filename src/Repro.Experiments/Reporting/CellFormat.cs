namespace Repro.Experiments.Reporting;

/// <summary>
/// Number formatting shared by every view, always in the invariant culture: a results file must not change with
/// the machine's locale (a German locale would otherwise write "0,91" and break every CSV reader).
/// </summary>
public static class CellFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A number as stored in CSV: fixed decimals when the column declares them, else shortest round-trip.</summary>
    public static string Csv(ResultColumn column, double value)
    {
        if (column.Kind == ColumnKind.Integer && double.IsFinite(value))
            return NoNegativeZero(Math.Round(value).ToString("0", Invariant));
        int? decimals = column.Kind == ColumnKind.Percent && column.Decimals is { } d ? d + 2 : column.Decimals;
        return Fixed(value, decimals);
    }

    /// <summary>A number as people read it in Markdown and LaTeX; percent columns are scaled by 100.</summary>
    public static string Display(ResultColumn column, double value)
    {
        switch (column.Kind)
        {
            case ColumnKind.Integer when double.IsFinite(value):
                return NoNegativeZero(Math.Round(value).ToString("0", Invariant));
            case ColumnKind.Percent:
                return Fixed(value * 100.0, column.Decimals ?? 1);
            default:
                if (column.Decimals is { } d)
                    return Fixed(value, d);
                return double.IsFinite(value) ? NoNegativeZero(value.ToString("G6", Invariant)) : Special(value);
        }
    }

    /// <summary>Shortest round-trip text of a value, invariant; "-0" is written as "0".</summary>
    public static string Number(double value) =>
        double.IsFinite(value) ? NoNegativeZero(value.ToString("R", Invariant)) : Special(value);

    public static string Fixed(double value, int? decimals)
    {
        if (!double.IsFinite(value))
            return Special(value);
        if (decimals is not { } d)
            return Number(value);
        return NoNegativeZero(value.ToString("F" + d.ToString(Invariant), Invariant));
    }

    /// <summary>Reads what <see cref="Number"/> and <see cref="Fixed"/> write, including "Inf" and "-Inf".</summary>
    public static bool TryParse(string? text, out double value)
    {
        switch (text?.Trim())
        {
            case "Inf" or "+Inf" or "inf" or "Infinity":
                value = double.PositiveInfinity;
                return true;
            case "-Inf" or "-inf" or "-Infinity":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, Invariant, out value);
        }
    }

    /// <summary>"NaN", "Inf", "-Inf": what most CSV readers accept.</summary>
    private static string Special(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";

    // "-0.00" (what .NET writes for -0.001 at two decimals) reads as a sign that is not there.
    private static string NoNegativeZero(string text)
    {
        if (text.Length < 2 || text[0] != '-')
            return text;
        foreach (char c in text.AsSpan(1))
            if (c is not ('0' or '.'))
                return text;
        return text.Substring(1);
    }
}
