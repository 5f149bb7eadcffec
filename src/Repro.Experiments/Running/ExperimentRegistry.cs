using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Repro.Experiments.Tests")]
[assembly: InternalsVisibleTo("repro")]

namespace Repro.Experiments.Running;

/// <summary>
/// Every experiment the harness knows, by name. The list in <see cref="CreateDefault"/> is the single place an
/// experiment is registered: one line each. Tests build their own registry from small test experiments and
/// hand it to the CLI entry point.
/// </summary>
public sealed class ExperimentRegistry
{
    private readonly Dictionary<string, IExperiment> byName = new(StringComparer.Ordinal);
    private readonly List<IExperiment> ordered = new();

    public ExperimentRegistry(IEnumerable<IExperiment> experiments)
    {
        foreach (var e in experiments)
            Add(e);
    }

    /// <summary>The registered experiments, in registration order.</summary>
    public IReadOnlyList<IExperiment> All => ordered;

    /// <summary>The experiments this build ships with.</summary>
    public static ExperimentRegistry CreateDefault() => new(DefaultExperiments());

    private static IEnumerable<IExperiment> DefaultExperiments()
    {
        yield return new Experiments.BaselineExperiment();
        yield return new Experiments.InvarianceExperiment();
        yield return new Experiments.RandomLabelsExperiment();
        yield return new Experiments.LayerAblationExperiment();
        yield return new Experiments.DetectionExperiment();
        yield return new Experiments.TransferExperiment();
        yield return new Experiments.ArchitecturesExperiment();
        yield return new Experiments.AdversarialExperiment();
        yield return new Experiments.AttributionExperiment();
    }

    public bool Contains(string name) => byName.ContainsKey(name);

    public IExperiment Get(string name) =>
        byName.TryGetValue(name, out var e)
            ? e
            : throw new ReproInputException($"unknown experiment '{name}'{KeyNames(name)}");

    public bool TryGet(string name, out IExperiment experiment) => byName.TryGetValue(name, out experiment!);

    public string Suggestion(string name) => KeyNames(name);

    private string KeyNames(string name) => Config.KeyNames.Suggestion(name, ordered.Select(e => e.Name));

    private void Add(IExperiment experiment)
    {
        if (string.IsNullOrWhiteSpace(experiment.Name))
            throw new InvalidOperationException($"experiment {experiment.GetType().Name} has no name");
        if (!byName.TryAdd(experiment.Name, experiment))
            throw new InvalidOperationException(
                $"experiment name '{experiment.Name}' is registered twice ({byName[experiment.Name].GetType().Name} and {experiment.GetType().Name})");
        ordered.Add(experiment);
    }
}
