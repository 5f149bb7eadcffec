namespace Repro.Experiments.Config;

/// <summary>
/// A paper claim stated as a check on measured metrics, from a config's <c>claims:</c> list.
/// <see cref="Where"/> filters runs by flattened parameter key (e.g. "options.labels" -> "random");
/// <see cref="Aggregate"/> is mean, min or max over the matching runs; <see cref="Compare"/> is &gt;=, &lt;=, &gt; or &lt;.
/// </summary>
public sealed record ClaimSpec(
    string Name,
    string Metric,
    IReadOnlyDictionary<string, string> Where,
    string Aggregate,
    string Compare,
    double Threshold,
    string? Paper)
{
    public static readonly IReadOnlyList<string> Aggregates = ["mean", "min", "max"];

    public static readonly IReadOnlyList<string> Comparisons = [">=", "<=", ">", "<"];

    /// <summary>True when <paramref name="measured"/> satisfies the comparison against the threshold.</summary>
    public bool Holds(double measured) => Compare switch
    {
        ">=" => measured >= Threshold,
        "<=" => measured <= Threshold,
        ">" => measured > Threshold,
        "<" => measured < Threshold,
        _ => false,
    };
}

/// <summary>How far a metric may move in <c>repro compare</c> before it counts as a regression.</summary>
public sealed record ToleranceSpec(double? Abs, double? Rel);
