using System.CommandLine;
using System.Globalization;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Reporting;

namespace Repro.Runner;

/// <summary><c>repro compare BASELINE CANDIDATE [--abs metric=x]... [--rel metric=y]...</c>: exit code 1 on a regression.</summary>
public static class CompareCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var baseline = new Argument<string>("BASELINE") { Description = "Results folder of the baseline." };
        var candidate = new Argument<string>("CANDIDATE") { Description = "Results folder to check against it." };
        var abs = new Option<string[]>("--abs")
        {
            Description = "Absolute tolerance for a metric, e.g. --abs test_accuracy=0.01 (repeatable; overrides the config's tolerances).",
            HelpName = "metric=x",
        };
        var rel = new Option<string[]>("--rel")
        {
            Description = "Relative tolerance for a metric, e.g. --rel train_seconds=0.5 (repeatable; overrides the config's tolerances).",
            HelpName = "metric=y",
        };
        var command = new Command("compare",
            "Match the runs of two results folders by config and print metric deltas. Exit code 1 when a metric moves " +
            "past its tolerance.")
        {
            baseline, candidate, abs, rel,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var overrides = new Dictionary<string, ToleranceSpec>(StringComparer.Ordinal);
            foreach (var (metric, value) in ParseTolerances(parsed.GetValue(abs), "--abs"))
                overrides[metric] = (overrides.GetValueOrDefault(metric) ?? new ToleranceSpec(null, null)) with { Abs = value };
            foreach (var (metric, value) in ParseTolerances(parsed.GetValue(rel), "--rel"))
                overrides[metric] = (overrides.GetValueOrDefault(metric) ?? new ToleranceSpec(null, null)) with { Rel = value };
            string a = parsed.GetValue(baseline)!, b = parsed.GetValue(candidate)!;
            foreach (var dir in new[] { a, b })
                if (!Directory.Exists(dir))
                    throw new ReproInputException($"{dir}: results folder not found");
            var options = new Repro.Experiments.Reporting.CompareOptions();
            foreach (var (metric, tolerance) in overrides)
                options.Metrics[metric] = tolerance;
            return Comparer.Compare(a, b, options, environment.Out);
        }));
        return command;
    }

    /// <summary>Parses <c>metric=value</c> flags; a malformed one is bad input naming the flag.</summary>
    public static IEnumerable<(string Metric, double Value)> ParseTolerances(string[]? values, string flag)
    {
        foreach (var text in values ?? [])
        {
            int eq = text.IndexOf('=');
            if (eq <= 0 || !double.TryParse(text[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0)
                throw new ReproInputException($"{flag} {text}: expected metric=non-negative number");
            yield return (text[..eq], v);
        }
    }
}
