namespace Repro.Experiments.Config;

/// <summary>
/// Turns a config file into the list of runs it describes: loads the <c>base:</c> chain (maps deep-merge, the
/// child wins, lists replace), merges the chosen profile, applies <c>--set</c> overrides, expands <c>sweep:</c>
/// as a cartesian product (first key slowest) and binds and checks every run strictly. Every problem of every run
/// is collected and reported together as one <see cref="ReproInputException"/>, each naming file, line and key.
/// </summary>
public sealed class ConfigResolver
{
    public const string DefaultProfile = "quick";

    public static readonly IReadOnlyList<string> TopLevelKeys =
        ["experiment", "base", "description", "seed", "threads", "jobs", "profiles", "sweep", "claims", "tolerances", "options", "launcher"];

    private static readonly IReadOnlyList<string> ProfileKeys =
        ["description", "seed", "threads", "jobs", "sweep", "claims", "tolerances", "options", "launcher"];

    private readonly ExperimentRegistry registry;

    public ConfigResolver(ExperimentRegistry registry) => this.registry = registry;

    /// <param name="path">Config file path as the user wrote it (used in messages).</param>
    /// <param name="profile">Profile to merge; null applies none (used for a run's own resolved config.yaml).</param>
    /// <param name="overrides"><c>key.path=value</c> strings, applied after the profile and before the sweep.</param>
    /// <exception cref="ReproInputException">With every problem of every run of the file.</exception>
    public IReadOnlyList<ResolvedRun> Resolve(string path, string? profile = DefaultProfile, IReadOnlyList<string>? overrides = null) =>
        ResolveAll([path], profile, overrides);

    /// <summary>
    /// The runs of several config files, each checked in full before any is returned: the problems of every run
    /// of every file are reported together, so that one look at them fixes the sweep.
    /// </summary>
    public IReadOnlyList<ResolvedRun> ResolveAll(IEnumerable<string> paths, string? profile = DefaultProfile, IReadOnlyList<string>? overrides = null)
    {
        var problems = new ConfigProblems();
        var runs = paths.SelectMany(path => Resolve(path, profile, overrides ?? [], problems)).ToList();
        problems.ThrowIfAny();
        return runs;
    }

    private List<ResolvedRun> Resolve(string path, string? profile, IReadOnlyList<string> overrides, ConfigProblems problems)
    {
        var file = problems.Collect(() => LoadWithBases(path, new List<string>(), problems), null);
        if (file is null)
            return [];
        if (file.Count == 0)
        {
            problems.Add($"{path}: the config is empty; it needs at least 'experiment:' (one of: {string.Join(", ", registry.All.Select(e => e.Name))})");
            return [];
        }
        if (file.Get("experiment") is null)
        {
            problems.Add($"{path}: missing key 'experiment' (one of: {string.Join(", ", registry.All.Select(e => e.Name))})");
            return [];
        }
        var runs = Runs((ConfigMap)file.DeepClone(), path, profile, overrides, problems);
        // The main section is what every other profile gets, so a bad value there is reported even where this
        // profile overrides it.
        if (profile is not null && (file.Get("profiles") as ConfigMap)?.ContainsKey(profile) == true)
        {
            var main = new ConfigProblems();
            Runs(file, path, null, overrides, main);
            foreach (var problem in main.All.Where(p => !problems.Contains(p)))
                problems.Add($"{problem} (the main section's value: profile '{profile}' overrides it, other profiles get it)");
        }
        return runs;
    }

    private List<ResolvedRun> Runs(ConfigMap tree, string path, string? profile, IReadOnlyList<string> overrides, ConfigProblems problems)
    {
        var profiled = problems.Collect(() => ApplyProfile(tree, path, profile), null);
        if (profiled is null)
            return [];
        foreach (var assignment in overrides)
            problems.Collect(() => { ApplyOverride(profiled, assignment); return true; }, false);
        var expanded = problems.Collect(() => ExpandSweep(profiled).ToList(), null);
        var runs = new List<ResolvedRun>();
        foreach (var (run, sweptKeys) in expanded ?? [])
            if (Bind(run, sweptKeys, path, profile, problems) is { } resolved)
                runs.Add(resolved);
        return runs;
    }

    private static ConfigMap LoadWithBases(string path, List<string> chain, ConfigProblems problems)
    {
        string full = Path.GetFullPath(path);
        if (chain.Contains(full))
            throw new ReproInputException($"{path}: base chain loops back to this file");
        chain.Add(full);
        var map = YamlConfigReader.ReadFile(path);
        CheckKeys(map, TopLevelKeys, "the config", problems);
        if (map.Get("profiles") is { } profiles)
        {
            if (profiles is not ConfigMap profileMap)
                throw new ReproInputException($"{profiles.Mark}: 'profiles' expects a map of profile name to settings");
            foreach (var (name, body) in profileMap.Entries)
            {
                if (body is ConfigScalar { Value: null })
                    continue;
                if (body is not ConfigMap bodyMap)
                    throw new ReproInputException($"{body.Mark}: profile '{name}' expects a section of settings");
                CheckKeys(bodyMap, ProfileKeys, $"profile '{name}'", problems);
            }
        }
        if (map.Get("base") is not { } baseNode)
            return map;
        if (baseNode is not ConfigScalar { Value: { } basePath })
            throw new ReproInputException($"{baseNode.Mark}: 'base' expects a file path");
        string resolvedBase = Path.Combine(Path.GetDirectoryName(path) ?? "", basePath);
        if (!File.Exists(resolvedBase))
            throw new ReproInputException($"{baseNode.Mark}: base file '{resolvedBase}' not found");
        var parent = LoadWithBases(resolvedBase, chain, problems);
        map.Remove("base");
        return ConfigMap.Merge(parent, map);
    }

    private static ConfigMap ApplyProfile(ConfigMap tree, string path, string? profile)
    {
        var profilesNode = tree.Get("profiles");
        tree.Remove("profiles");
        if (profile is null)
            return tree;
        var profiles = profilesNode as ConfigMap;
        if (profiles?.Get(profile) is { } selected)
            return selected is ConfigMap map ? ConfigMap.Merge(tree, map) : tree;
        if ((profiles is null || profiles.Count == 0) && profile == DefaultProfile)
            return tree;
        string defined = profiles is null || profiles.Count == 0 ? "none" : string.Join(", ", profiles.Keys);
        throw new ReproInputException($"{path}: profile '{profile}' is not defined (defined: {defined})");
    }

    private static void ApplyOverride(ConfigMap tree, string assignment)
    {
        var source = SourceMark.Of($"--set {assignment}");
        int eq = assignment.IndexOf('=');
        if (eq <= 0)
            throw new ReproInputException($"{source}: expected key.path=value");
        string key = assignment[..eq].Trim();
        var value = YamlConfigReader.ParseValue(assignment[(eq + 1)..], source.Source);
        SetPath(tree, key, value, source);
    }

    /// <summary>Sets a dotted key path, creating sections on the way; the first segment must be a top-level key.</summary>
    public static void SetPath(ConfigMap root, string dottedKey, ConfigNode value, SourceMark mark)
    {
        var parts = dottedKey.Split('.');
        if (parts.Any(p => p.Length == 0))
            throw new ReproInputException($"{mark}: '{dottedKey}' is not a key path");
        if (!TopLevelKeys.Contains(parts[0]) || parts[0] is "base" or "profiles")
            throw new ReproInputException(
                $"{mark}: unknown key '{parts[0]}'{KeyNames.Suggestion(parts[0], ProfileKeys.Append("experiment"))}");
        if (parts[0] == "sweep" && parts.Length > 1)
        {
            // Sweep keys are themselves dotted paths: `sweep.options.labels` names the sweep entry "options.labels".
            var sweep = root.Get("sweep") as ConfigMap;
            if (sweep is null)
            {
                sweep = new ConfigMap(mark);
                root.Set("sweep", sweep, mark);
            }
            sweep.Set(string.Join('.', parts[1..]), value, mark);
            return;
        }
        var map = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var next = map.Get(parts[i]);
            if (next is null or ConfigScalar { Value: null })
            {
                var created = new ConfigMap(mark);
                map.Set(parts[i], created, mark);
                map = created;
            }
            else if (next is ConfigMap existing)
            {
                map = existing;
            }
            else
            {
                throw new ReproInputException(
                    $"{mark}: cannot set '{dottedKey}': '{string.Join('.', parts[..(i + 1)])}' is a value, not a section");
            }
        }
        map.Set(parts[^1], value, mark);
    }

    private static IEnumerable<(ConfigMap Tree, IReadOnlyList<string> SweptKeys)> ExpandSweep(ConfigMap tree)
    {
        var sweepNode = tree.Get("sweep");
        tree.Remove("sweep");
        if (sweepNode is null or ConfigScalar { Value: null })
        {
            yield return (tree, []);
            yield break;
        }
        if (sweepNode is not ConfigMap sweep)
            throw new ReproInputException($"{sweepNode.Mark}: 'sweep' expects a map of key path to a list of values");
        var axes = new List<(string Key, SourceMark Mark, List<ConfigNode> Values)>();
        foreach (var (key, values) in sweep.Entries)
        {
            if (values is not ConfigList { Items.Count: > 0 } list)
                throw new ReproInputException($"{values.Mark}: sweep '{key}' expects a non-empty list of values");
            axes.Add((key, sweep.KeyMark(key), list.Items));
        }
        var keys = axes.Select(a => a.Key).ToList();
        var index = new int[axes.Count];
        while (true)
        {
            var copy = (ConfigMap)tree.DeepClone();
            for (int a = 0; a < axes.Count; a++)
            {
                var value = axes[a].Values[index[a]];
                SetPath(copy, axes[a].Key, value.DeepClone(), axes[a].Mark);
            }
            yield return (copy, keys);
            int digit = axes.Count - 1;
            while (digit >= 0 && ++index[digit] == axes[digit].Values.Count)
                index[digit--] = 0;
            if (digit < 0)
                yield break;
        }
    }

    /// <summary>One run of the sweep bound and checked; null, with its problems recorded, when anything is wrong.</summary>
    private ResolvedRun? Bind(ConfigMap tree, IReadOnlyList<string> sweptKeys, string path, string? profile, ConfigProblems problems)
    {
        int before = problems.Met;
        CheckKeys(tree, TopLevelKeys, "the config", problems);
        var experimentNode = tree.Get("experiment")
                             ?? throw new InvalidOperationException("a config without 'experiment' is refused before its runs are bound");
        IExperiment? experiment = null;
        if (experimentNode is not ConfigScalar { Value: { } experimentName })
            problems.Add($"{experimentNode.Mark}: 'experiment' expects an experiment name");
        else if (!registry.TryGet(experimentName, out experiment))
            problems.Add($"{experimentNode.Mark}: unknown experiment '{experimentName}'{registry.Suggestion(experimentName)}");

        string? description = tree.Get("description") is { } d
            ? problems.Collect(() => (string?)OptionsBinder.Convert(typeof(string), d, "description"), null) : null;
        int seed = tree.Get("seed") is { } s ? problems.Collect(() => (int)OptionsBinder.Convert(typeof(int), s, "seed")!, 0) : 0;
        int? threads = tree.Get("threads") is { } t ? problems.Collect(() => (int?)OptionsBinder.Convert(typeof(int?), t, "threads"), null) : null;
        if (threads is < 1)
            problems.Add($"{tree.Get("threads")!.Mark}: 'threads' must be at least 1");
        int? jobs = tree.Get("jobs") is { } j ? problems.Collect(() => (int?)OptionsBinder.Convert(typeof(int?), j, "jobs"), null) : null;
        if (jobs is < 1)
            problems.Add($"{tree.Get("jobs")!.Mark}: 'jobs' must be at least 1");
        var options = experiment is null ? null : OptionsBinder.Bind(experiment.OptionsType, tree.Get("options"), "options", problems);
        var claims = problems.Collect(() => ConfigSections.BindClaims(tree.Get("claims")), []);
        if (experiment?.Measures is { } declared && tree.Get("claims") is ConfigList claimList)
            for (int i = 0; i < claimList.Items.Count; i++)
                if (claimList.Items[i] is ConfigMap claim && claim.Get("metric") is ConfigScalar { Value: { } metric } metricNode && !declared.Contains(metric))
                    problems.Add($"{metricNode.Mark}: claims[{i}].metric '{metric}' is not measured by experiment '{experiment.Name}'{KeyNames.Suggestion(metric, declared.Names)}");
        var tolerances = problems.Collect(() => ConfigSections.BindTolerances(tree.Get("tolerances")), new Dictionary<string, ToleranceSpec>());
        var launcher = problems.Collect(() => ConfigSections.BindLauncher(tree.Get("launcher")), new Running.Launchers.SlurmLauncherOptions());
        if (problems.Met > before || experiment is null || options is null)
            return null;

        var mark = SourceMark.Of(path);
        var resolved = new ConfigMap(mark);
        resolved.Set("experiment", new ConfigScalar(experiment.Name, mark, quoted: true));
        if (description is not null)
            resolved.Set("description", new ConfigScalar(description, mark, quoted: true));
        resolved.Set("seed", new ConfigScalar(seed.ToString(CultureInfo.InvariantCulture), mark));
        resolved.Set("options", OptionsBinder.ToNode(options, mark));
        if (claims.Count > 0)
            resolved.Set("claims", ConfigSections.ClaimsToNode(claims, mark));
        if (tolerances.Count > 0)
            resolved.Set("tolerances", ConfigSections.TolerancesToNode(tolerances, mark));

        var swept = sweptKeys
            .Select(k => new KeyValuePair<string, string>(k, ConfigWriter.ValueAt(resolved, k) is { Length: > 0 } v ? v : ConfigWriter.ValueAt(tree, k)))
            .ToList();

        return new ResolvedRun
        {
            Experiment = experiment,
            SourceFile = path,
            Profile = profile,
            Description = description,
            Seed = seed,
            Threads = threads,
            Jobs = jobs,
            Options = options,
            Claims = claims,
            Tolerances = tolerances,
            Launcher = launcher,
            SweptParameters = swept,
            Resolved = resolved,
        };
    }

    private static void CheckKeys(ConfigMap map, IReadOnlyList<string> allowed, string where, ConfigProblems problems)
    {
        foreach (var key in map.Keys)
            if (!allowed.Contains(key))
                problems.Add($"{map.KeyMark(key)}: unknown key '{key}' in {where}{KeyNames.Suggestion(key, allowed)}");
    }
}
