using System.Text.RegularExpressions;

namespace Repro.Experiments.Reporting;

/// <summary>
/// The names an experiment measures, declared once: its runs' summary metrics and its report's measures. A name
/// may hold placeholders for the parts a sweep or a data set decides: <c>{n}</c> (an integer, e.g.
/// <c>bnb_n{n}_accuracy</c>), <c>{layers}</c> (integers joined by '_', e.g. <c>error_change_{layers}</c>) and
/// <c>{name}</c> (a lower-case word with digits and '_', e.g. a class name in <c>ap11_{name}</c>). The config
/// layer refuses a claim whose metric no declared name matches; a report that adds an undeclared measure is a
/// programming error.
/// </summary>
public sealed class MeasureCatalog
{
    private readonly List<(string pattern, Regex regex)> names = new();

    public MeasureCatalog(IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
            if (!names.Exists(n => n.pattern == pattern))
                names.Add((pattern, ToRegex(pattern)));
    }

    /// <summary>The declared names, placeholders included, in declaration order.</summary>
    public IReadOnlyList<string> Names => names.Select(n => n.pattern).ToList();

    public bool Contains(string measure) => names.Exists(n => n.regex.IsMatch(measure));

    /// <summary>A catalog with both sets of names (e.g. an experiment's own and a shared group's).</summary>
    public MeasureCatalog With(IEnumerable<string> more) => new(Names.Concat(more));

    private static Regex ToRegex(string pattern)
    {
        var parts = Regex.Split(pattern, @"(\{n\}|\{layers\}|\{name\})");
        var regex = string.Concat(parts.Select(p => p switch
        {
            "{n}" => "[0-9]+",
            "{layers}" => "[0-9]+(?:_[0-9]+)*",
            "{name}" => "[a-z0-9][a-z0-9_]*",
            _ when p.Contains('{') || p.Contains('}') => throw new ArgumentException($"measure name '{pattern}': unknown placeholder (use {{n}}, {{layers}} or {{name}})"),
            _ => Regex.Escape(p),
        }));
        return new Regex("^" + regex + "$", RegexOptions.CultureInvariant);
    }
}
