namespace Repro.Experiments.Config;

/// <summary>Where a config value came from: a file position, or a command-line override such as <c>--set a.b=1</c>.</summary>
public readonly record struct SourceMark(string Source, int Line, int Column)
{
    public static SourceMark Of(string source) => new(source, 0, 0);

    /// <summary>"configs/x.yaml:12" for file positions, the bare source otherwise; the prefix of every config error.</summary>
    public override string ToString() =>
        Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{Source}:{Line}") : Source;
}

/// <summary>
/// A config value with its source position. The YAML parser's own objects are turned into these immediately so
/// merging (base, profiles, --set, sweep) keeps, for every value, the file and line an error should point at.
/// </summary>
public abstract class ConfigNode
{
    protected ConfigNode(SourceMark mark) => Mark = mark;

    public SourceMark Mark { get; }

    public abstract ConfigNode DeepClone();
}

public sealed class ConfigScalar : ConfigNode
{
    public ConfigScalar(string? value, SourceMark mark, bool quoted = false) : base(mark)
    {
        Value = value;
        Quoted = quoted;
    }

    /// <summary>The text of the scalar; null for YAML null (<c>~</c>, <c>null</c> or an empty plain value).</summary>
    public string? Value { get; }

    /// <summary>True when the YAML wrote the scalar in quotes, so it is text even if it reads like a number.</summary>
    public bool Quoted { get; }

    public override ConfigNode DeepClone() => new ConfigScalar(Value, Mark, Quoted);

    public override string ToString() => Value ?? "null";
}

public sealed class ConfigList : ConfigNode
{
    public ConfigList(IEnumerable<ConfigNode> items, SourceMark mark) : base(mark) => Items = items.ToList();

    public List<ConfigNode> Items { get; }

    public override ConfigNode DeepClone() => new ConfigList(Items.Select(i => i.DeepClone()), Mark);
}

/// <summary>A mapping; keys keep their written order, which is the order sweeps expand in.</summary>
public sealed class ConfigMap : ConfigNode
{
    private readonly List<KeyValuePair<string, ConfigNode>> entries = new();
    private readonly Dictionary<string, SourceMark> keyMarks = new(StringComparer.Ordinal);

    public ConfigMap(SourceMark mark) : base(mark) { }

    public IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries => entries;

    public IEnumerable<string> Keys => entries.Select(e => e.Key);

    public int Count => entries.Count;

    public bool ContainsKey(string key) => keyMarks.ContainsKey(key);

    public ConfigNode? Get(string key)
    {
        foreach (var e in entries)
            if (e.Key == key)
                return e.Value;
        return null;
    }

    /// <summary>Position of the key itself (not its value), for "unknown key" errors.</summary>
    public SourceMark KeyMark(string key) => keyMarks.TryGetValue(key, out var m) ? m : Mark;

    public void Set(string key, ConfigNode value, SourceMark? keyMark = null)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].Key == key)
            {
                entries[i] = new(key, value);
                if (keyMark is { } km)
                    keyMarks[key] = km;
                return;
            }
        }
        entries.Add(new(key, value));
        keyMarks[key] = keyMark ?? value.Mark;
    }

    public bool Remove(string key)
    {
        int index = entries.FindIndex(e => e.Key == key);
        if (index < 0)
            return false;
        entries.RemoveAt(index);
        keyMarks.Remove(key);
        return true;
    }

    public override ConfigNode DeepClone()
    {
        var copy = new ConfigMap(Mark);
        foreach (var e in entries)
            copy.Set(e.Key, e.Value.DeepClone(), KeyMark(e.Key));
        return copy;
    }

    /// <summary>
    /// Deep merge: maps merge key by key with <paramref name="over"/> winning, anything else (scalars, lists)
    /// is replaced whole. Neither input is modified.
    /// </summary>
    public static ConfigMap Merge(ConfigMap under, ConfigMap over)
    {
        var result = (ConfigMap)under.DeepClone();
        foreach (var e in over.Entries)
        {
            if (result.Get(e.Key) is ConfigMap existing && e.Value is ConfigMap overMap)
                result.Set(e.Key, Merge(existing, overMap), over.KeyMark(e.Key));
            else
                result.Set(e.Key, e.Value.DeepClone(), over.KeyMark(e.Key));
        }
        return result;
    }
}
