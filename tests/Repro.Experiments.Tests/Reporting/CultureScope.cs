using System.Globalization;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>
/// Sets the current culture for the lifetime of the scope. Where the runtime has no culture data (invariant
/// globalization), the named culture is stood in for by an invariant clone with that culture's number format,
/// which is the part that could leak into files: ',' decimals, '.' or narrow-space grouping.
/// </summary>
public sealed class CultureScope : IDisposable
{
    private readonly CultureInfo previous = CultureInfo.CurrentCulture;
    private readonly CultureInfo previousUi = CultureInfo.CurrentUICulture;

    public CultureScope(string name)
    {
        Culture = Create(name);
        CultureInfo.CurrentCulture = Culture;
        CultureInfo.CurrentUICulture = Culture;
    }

    public static readonly string[] Names = ["de-DE", "fr-FR", "tr-TR"];

    public CultureInfo Culture { get; }

    public static CultureInfo Create(string name)
    {
        try
        {
            var real = new CultureInfo(name);
            if (real.NumberFormat.NumberDecimalSeparator == ",")
                return real;
        }
        catch (CultureNotFoundException)
        {
        }
        var stand = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        var nf = stand.NumberFormat;
        nf.NumberDecimalSeparator = ",";
        nf.PercentDecimalSeparator = ",";
        nf.CurrencyDecimalSeparator = ",";
        nf.NumberGroupSeparator = name == "fr-FR" ? "\u202F" : ".";
        nf.PercentGroupSeparator = nf.NumberGroupSeparator;
        nf.NegativeSign = name == "fr-FR" ? "\u2212" : "-";
        return stand;
    }

    public void Dispose()
    {
        CultureInfo.CurrentCulture = previous;
        CultureInfo.CurrentUICulture = previousUi;
    }
}
