using Repro.Experiments.Running.Launchers;

namespace Repro.Experiments.Config;

/// <summary>
/// Binding of the harness sections (<c>claims:</c>, <c>tolerances:</c>, <c>launcher:</c>) and the canonical YAML
/// form of the first two.
/// </summary>
public static class ConfigSections
{
    private static readonly string[] ClaimKeys = ["name", "metric", "where", "aggregate", "compare", "threshold", "paper"];

    public static IReadOnlyList<ClaimSpec> BindClaims(ConfigNode? node)
    {
        if (node is null or ConfigScalar { Value: null })
            return [];
        if (node is not ConfigList list)
            throw new ReproInputException($"{node.Mark}: 'claims' expects a list of claims, got {OptionsBinder.Describe(node)}");
        var claims = new List<ClaimSpec>();
        for (int i = 0; i < list.Items.Count; i++)
        {
            string path = $"claims[{i}]";
            if (list.Items[i] is not ConfigMap map)
                throw new ReproInputException($"{list.Items[i].Mark}: '{path}' expects a section with name, metric, compare, threshold");
            foreach (var key in map.Keys)
                if (!ClaimKeys.Contains(key))
                    throw new ReproInputException($"{map.KeyMark(key)}: unknown key '{key}' in {path}{KeyNames.Suggestion(key, ClaimKeys)}");
            string name = RequiredText(map, "name", path);
            string metric = RequiredText(map, "metric", path);
            var where = new Dictionary<string, string>(StringComparer.Ordinal);
            if (map.Get("where") is { } whereNode and not ConfigScalar { Value: null })
            {
                if (whereNode is not ConfigMap whereMap)
                    throw new ReproInputException($"{whereNode.Mark}: '{path}.where' expects a map of parameter key to value");
                foreach (var (key, value) in whereMap.Entries)
                    where[key] = value is ConfigScalar s ? s.Value ?? "null" : ConfigWriter.Flow(value);
            }
            string aggregate = OptionalChoice(map, "aggregate", path, ClaimSpec.Aggregates) ?? "mean";
            string compare = OptionalChoice(map, "compare", path, ClaimSpec.Comparisons)
                             ?? throw new ReproInputException($"{map.Mark}: '{path}' needs 'compare' (one of >=, <=, >, <)");
            var thresholdNode = map.Get("threshold") ?? throw new ReproInputException($"{map.Mark}: '{path}' needs 'threshold'");
            double threshold = (double)OptionsBinder.Convert(typeof(double), thresholdNode, $"{path}.threshold")!;
            string? paper = map.Get("paper") is { } p ? (string?)OptionsBinder.Convert(typeof(string), p, $"{path}.paper") : null;
            claims.Add(new ClaimSpec(name, metric, where, aggregate, compare, threshold, paper));
        }
        return claims;
    }

    public static IReadOnlyDictionary<string, ToleranceSpec> BindTolerances(ConfigNode? node)
    {
        var result = new SortedDictionary<string, ToleranceSpec>(StringComparer.Ordinal);
        if (node is null or ConfigScalar { Value: null })
            return result;
        if (node is not ConfigMap map)
            throw new ReproInputException($"{node.Mark}: 'tolerances' expects a map of metric to {{abs: x}} or {{rel: y}}");
        foreach (var (metric, value) in map.Entries)
        {
            string path = $"tolerances.{metric}";
            if (value is not ConfigMap t)
                throw new ReproInputException($"{value.Mark}: '{path}' expects {{abs: x}} or {{rel: y}}, got {OptionsBinder.Describe(value)}");
            foreach (var key in t.Keys)
                if (key is not ("abs" or "rel"))
                    throw new ReproInputException($"{t.KeyMark(key)}: unknown key '{key}' in {path}{KeyNames.Suggestion(key, ["abs", "rel"])}");
            double? abs = t.Get("abs") is { } a ? NonNegative(a, $"{path}.abs") : null;
            double? rel = t.Get("rel") is { } r ? NonNegative(r, $"{path}.rel") : null;
            if (abs is null && rel is null)
                throw new ReproInputException($"{t.Mark}: '{path}' needs abs or rel");
            result[metric] = new ToleranceSpec(abs, rel);
        }
        return result;
    }

    /// <summary>
    /// The <c>launcher:</c> section: Slurm's settings for the runs of this config, bound strictly (an unknown key is
    /// the usual did-you-mean error) and checked (time and memory formats, counts), each value remembering its line.
    /// </summary>
    public static SlurmLauncherOptions BindLauncher(ConfigNode? node)
    {
        if (node is null or ConfigScalar { Value: null })
            return new SlurmLauncherOptions();
        var options = (SlurmLauncherOptions)OptionsBinder.Bind(typeof(SlurmLauncherOptions), node, "launcher");
        foreach (var (key, value) in ((ConfigMap)node).Entries)
            options.Sources[key] = value.Mark.ToString();
        options.Validate();
        return options;
    }

    public static ConfigList ClaimsToNode(IReadOnlyList<ClaimSpec> claims, SourceMark mark)
    {
        var list = new ConfigList([], mark);
        foreach (var c in claims)
        {
            var map = new ConfigMap(mark);
            map.Set("name", new ConfigScalar(c.Name, mark, quoted: true));
            map.Set("metric", new ConfigScalar(c.Metric, mark, quoted: true));
            if (c.Where.Count > 0)
            {
                var where = new ConfigMap(mark);
                foreach (var (k, v) in c.Where.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    where.Set(k, new ConfigScalar(v, mark));
                map.Set("where", where);
            }
            map.Set("aggregate", new ConfigScalar(c.Aggregate, mark, quoted: true));
            map.Set("compare", new ConfigScalar(c.Compare, mark, quoted: true));
            map.Set("threshold", new ConfigScalar(OptionsBinder.FormatNumber(c.Threshold), mark));
            if (c.Paper is not null)
                map.Set("paper", new ConfigScalar(c.Paper, mark, quoted: true));
            list.Items.Add(map);
        }
        return list;
    }

    public static ConfigMap TolerancesToNode(IReadOnlyDictionary<string, ToleranceSpec> tolerances, SourceMark mark)
    {
        var map = new ConfigMap(mark);
        foreach (var (metric, t) in tolerances.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var entry = new ConfigMap(mark);
            if (t.Abs is { } abs)
                entry.Set("abs", new ConfigScalar(OptionsBinder.FormatNumber(abs), mark));
            if (t.Rel is { } rel)
                entry.Set("rel", new ConfigScalar(OptionsBinder.FormatNumber(rel), mark));
            map.Set(metric, entry);
        }
        return map;
    }

    private static string RequiredText(ConfigMap map, string key, string path)
    {
        var node = map.Get(key) ?? throw new ReproInputException($"{map.Mark}: '{path}' needs '{key}'");
        return node is ConfigScalar { Value: { } s } ? s
            : throw new ReproInputException($"{node.Mark}: '{path}.{key}' expects text, got {OptionsBinder.Describe(node)}");
    }

    private static string? OptionalChoice(ConfigMap map, string key, string path, IReadOnlyList<string> choices)
    {
        if (map.Get(key) is not { } node)
            return null;
        if (node is ConfigScalar { Value: { } s } && choices.Contains(s))
            return s;
        throw new ReproInputException(
            $"{node.Mark}: '{path}.{key}' expects one of {string.Join(", ", choices)}, got {OptionsBinder.Describe(node)}");
    }

    private static double NonNegative(ConfigNode node, string path)
    {
        double v = (double)OptionsBinder.Convert(typeof(double), node, path)!;
        if (v < 0)
            throw new ReproInputException(
                $"{node.Mark}: '{path}' must not be negative, got {v.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }
}
