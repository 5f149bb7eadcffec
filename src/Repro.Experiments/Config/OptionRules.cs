using System.Collections;
using System.Reflection;

namespace Repro.Experiments.Config;

/// <summary>
/// A rule an option's value must keep, declared on the option's property next to its default and checked when a
/// config is bound, before any run starts. On a list, a rule about numbers holds for every entry.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = true)]
public abstract class OptionRuleAttribute : Attribute
{
    /// <summary>True when the rule is about each entry of a list (a conv width) rather than the list itself (its length).</summary>
    public virtual bool PerEntry => true;

    /// <summary>What is wrong with <paramref name="value"/>, as it follows the key in a message; null when it keeps the rule.</summary>
    public abstract string? Problem(object value);

    protected static double? Number(object value) => value switch
    {
        int i => i,
        long l => l,
        double d => d,
        float f => f,
        _ => null,
    };

    protected static string Text(double value) => OptionsBinder.FormatNumber(value);
}

/// <summary>A count or size with a smallest allowed value: <c>[AtLeast(1)]</c> on epochs, <c>[AtLeast(0)]</c> on a weight decay.</summary>
public sealed class AtLeastAttribute(double minimum) : OptionRuleAttribute
{
    public override string? Problem(object value) =>
        Number(value) is { } v && !(v >= minimum) ? $"must be at least {Text(minimum)}, got {Text(v)}" : null;
}

/// <summary>A value above zero: a learning rate, a scale.</summary>
public sealed class PositiveAttribute : OptionRuleAttribute
{
    public override string? Problem(object value) =>
        Number(value) is { } v && !(v > 0) ? $"must be positive, got {Text(v)}" : null;
}

/// <summary>
/// A value in an interval, both ends included unless <see cref="AboveMinimum"/> or <see cref="BelowMaximum"/> leave
/// one out: a probability is in [0, 1], a dropout rate in [0, 1) (a rate of 1 drops every unit).
/// </summary>
public sealed class BetweenAttribute(double minimum, double maximum) : OptionRuleAttribute
{
    public bool AboveMinimum { get; init; }

    public bool BelowMaximum { get; init; }

    public override string? Problem(object value)
    {
        if (Number(value) is not { } v)
            return null;
        bool inside = (AboveMinimum ? v > minimum : v >= minimum) && (BelowMaximum ? v < maximum : v <= maximum);
        return inside ? null
            : $"must be in {(AboveMinimum ? '(' : '[')}{Text(minimum)}, {Text(maximum)}{(BelowMaximum ? ')' : ']')}, got {Text(v)}";
    }
}

/// <summary>A list of a fixed length: one width per conv layer of a network with five.</summary>
public sealed class EntriesAttribute(int count) : OptionRuleAttribute
{
    public override bool PerEntry => false;

    public override string? Problem(object value) =>
        value is ICollection c && c.Count != count ? $"needs {count} entries, got {c.Count}" : null;
}

public sealed class NotEmptyAttribute : OptionRuleAttribute
{
    public override bool PerEntry => false;

    public override string? Problem(object value) => value is ICollection { Count: 0 } ? "needs at least one entry" : null;
}

/// <summary>A list in which no value appears twice (split seeds, copied depths).</summary>
public sealed class DistinctAttribute : OptionRuleAttribute
{
    public override bool PerEntry => false;

    public override string? Problem(object value)
    {
        if (value is not IEnumerable entries)
            return null;
        var seen = new HashSet<object>();
        foreach (var entry in entries)
            if (entry is not null && !seen.Add(entry))
                return $"lists {(Number(entry) is { } n ? Text(n) : entry)} twice";
        return null;
    }
}

/// <summary>
/// Options whose valid values depend on each other or on a sibling section (max_objects at least min_objects,
/// a copied depth below the network's layer count); checked after the rules on their properties.
/// </summary>
public interface ICheckedOptions
{
    /// <summary>Every problem; none when the options are fine.</summary>
    IEnumerable<OptionProblem> Problems();
}

/// <param name="Key">The option at fault: a property name (<c>nameof</c>) or a dotted path of them relative to the
/// section (<c>"Zf.Dropout"</c>).</param>
/// <param name="Message">What is wrong, as it follows the key: "must be at least min_objects (2), got 1".</param>
public readonly record struct OptionProblem(string Key, string Message);

/// <summary>Applies the rules and checks of bound options; every problem names the line of the value at fault and its key.</summary>
public static class OptionChecks
{
    /// <summary>
    /// Checks one bound section: the rules on its properties, then its own checks. <paramref name="map"/> is the
    /// config section it was bound from (null for defaults), whose values give each problem its line.
    /// </summary>
    public static void Check(object section, ConfigMap? map, SourceMark? sectionMark, string path, ConfigProblems problems)
    {
        foreach (var (key, property) in OptionsBinder.SettableProperties(section.GetType()))
        {
            var rules = property.GetCustomAttributes<OptionRuleAttribute>(inherit: true).ToList();
            if (rules.Count == 0 || property.GetValue(section) is not { } value)
                continue;
            var node = map?.Get(key);
            var mark = node?.Mark ?? sectionMark;
            foreach (var rule in rules)
            {
                if (rule.PerEntry && value is IList entries)
                {
                    for (int i = 0; i < entries.Count; i++)
                        if (entries[i] is { } entry && rule.Problem(entry) is { } entryProblem)
                            problems.Add($"{At(EntryMark(node, i, mark))}'{path}.{key}[{i}]' {entryProblem}");
                }
                else if (rule.Problem(value) is { } problem)
                {
                    problems.Add($"{At(mark)}'{path}.{key}' {problem}");
                }
            }
        }
        if (section is ICheckedOptions checkedOptions)
            foreach (var problem in checkedOptions.Problems())
            {
                var (key, mark) = Locate(problem.Key, map, sectionMark);
                problems.Add($"{At(mark)}'{path}{key}' {problem.Message}");
            }
    }

    /// <summary>
    /// Refuses options built in code rather than bound from a config (a test, an experiment's own copy) by the same
    /// rules, with every problem, each naming its key under <paramref name="path"/>.
    /// </summary>
    public static void ThrowIfInvalid(object options, string path)
    {
        var problems = new ConfigProblems();
        CheckTree(options, path, problems);
        problems.ThrowIfAny();
    }

    private static void CheckTree(object section, string path, ConfigProblems problems)
    {
        foreach (var (key, property) in OptionsBinder.SettableProperties(section.GetType()))
            if (OptionsBinder.IsSection(property.PropertyType) && property.GetValue(section) is { } child)
                CheckTree(child, $"{path}.{key}", problems);
        Check(section, null, null, path, problems);
    }

    private static string At(SourceMark? mark) => mark is { } m ? $"{m}: " : "";

    private static SourceMark? EntryMark(ConfigNode? list, int index, SourceMark? fallback) =>
        list is ConfigList l && index < l.Items.Count ? l.Items[index].Mark : fallback;

    /// <summary>The snake_case key path of a problem and the mark of the deepest part of it the config wrote.</summary>
    private static (string Key, SourceMark? Mark) Locate(string propertyPath, ConfigMap? map, SourceMark? mark)
    {
        if (propertyPath.Length == 0)
            return ("", mark);
        var keys = propertyPath.Split('.').Select(KeyNames.ToSnakeCase).ToList();
        ConfigNode? node = map;
        foreach (var key in keys)
        {
            node = (node as ConfigMap)?.Get(key);
            if (node is null)
                break;
            mark = node.Mark;
        }
        return ("." + string.Join('.', keys), mark);
    }
}
