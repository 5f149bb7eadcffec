namespace Repro.Experiments;

/// <summary>
/// One experiment: trains and measures given typed options, and later turns the CSV results of its runs into
/// tables and figures. Experiment code never reads YAML; the config layer binds <see cref="OptionsType"/>.
/// </summary>
public interface IExperiment
{
    /// <summary>Registry name, used as the <c>experiment:</c> key of a config and as the results folder name.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>A class with a public parameterless constructor and settable properties, bound from <c>options:</c>.</summary>
    Type OptionsType { get; }

    RunResult Run(object options, RunContext context);

    void Report(ReportContext context);

    /// <summary>
    /// Every summary metric and report measure this experiment produces (claims may name only these); null when
    /// the experiment declares none, and then its claims are not checked against a list.
    /// </summary>
    MeasureCatalog? Measures => null;
}

/// <summary>Base class that gives <see cref="IExperiment"/> typed options.</summary>
public abstract class Experiment<TOptions> : IExperiment where TOptions : class, new()
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public Type OptionsType => typeof(TOptions);

    public abstract RunResult Run(TOptions options, RunContext context);

    public virtual void Report(ReportContext context) { }

    public virtual MeasureCatalog? Measures => null;

    RunResult IExperiment.Run(object options, RunContext context)
    {
        if (options is not TOptions typed)
            throw new ArgumentException(
                $"experiment '{Name}' expects options of type {typeof(TOptions).Name}, got {options?.GetType().Name ?? "null"}",
                nameof(options));
        return Run(typed, context);
    }
}

/// <summary>The final metrics of one run (e.g. test_accuracy), written as the metric columns of summary.csv.</summary>
public sealed class RunResult
{
    public RunResult(IReadOnlyDictionary<string, double> summary)
    {
        Summary = summary ?? throw new ArgumentNullException(nameof(summary));
    }

    public IReadOnlyDictionary<string, double> Summary { get; }

    public static RunResult Of(params (string Metric, double Value)[] metrics) =>
        new(metrics.ToDictionary(m => m.Metric, m => m.Value));
}
