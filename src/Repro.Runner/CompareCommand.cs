using System.CommandLine;
using System.Globalization;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using CompareOptions = Repro.Experiments.Reporting.CompareOptions;

namespace Repro.Runner;

/// <summary><c>repro compare BASELINE CANDIDATE [--abs metric=x]... [--rel metric=y]...</c>: exit code 1 on a regression.</summary>
public static class CompareCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var baseline = new Argument<string>("BASELINE") { Description = "Results folder of the baseline." };
        var candidate = new Argument<string>("CANDIDATE") { Description = "Results folder to check against it." };
        var abs = AbsOption();
        var rel = RelOption();
        var html = new Option<string?>("--html")
        {
            Description = "Also write the comparison as a static page (no server, nothing fetched), deltas coloured by tolerance.",
            HelpName = "PAGE",
        };
        var command = new Command("compare",
            "Match the runs of two results folders by config and print metric deltas. Exit code 1 when a metric moves " +
            "past its tolerance (the config's, else abs 1e-6 + rel 1e-6; counts exact). Timings (_seconds, _per_second, " +
            "ms_...) are reported, and judged only where a tolerance names them.")
        {
            baseline, candidate, abs, rel, html,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var options = Options(parsed.GetValue(abs), parsed.GetValue(rel));
            string a = parsed.GetValue(baseline)!, b = parsed.GetValue(candidate)!;
            foreach (var dir in new[] { a, b })
                if (!Directory.Exists(dir))
                    throw new ReproInputException($"{dir}: results folder not found");
            string? page = parsed.GetValue(html);
            if (page is not null && Directory.Exists(page))
                throw new ReproInputException($"--html {page}: a folder; give the page's file name");
            var report = Comparer.Run(a, b, options);
            Comparer.Print(report, environment.Out);
            if (page is not null)
            {
                try
                {
                    environment.Out.WriteLine($"comparison page written to {ComparePage.Write(page, report, a, b)}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ReproInputException($"--html {page}: cannot write it ({WritableFolder.Reason(e)})", e);
                }
            }
            return report.ExitCode;
        }));
        return command;
    }

    public static Option<string[]> AbsOption() => new("--abs")
    {
        Description = "Absolute tolerance for a metric, e.g. --abs test_accuracy=0.01 (repeatable; overrides the config's tolerances).",
        HelpName = "metric=x",
    };

    public static Option<string[]> RelOption() => new("--rel")
    {
        Description = "Relative tolerance for a metric, e.g. --rel train_seconds=0.5, which also makes a timing count (repeatable; overrides the config's tolerances).",
        HelpName = "metric=y",
    };

    /// <summary>The comparison's options from the <c>--abs</c> and <c>--rel</c> flags; both for one metric add up.</summary>
    public static CompareOptions Options(string[]? abs, string[]? rel)
    {
        var options = new CompareOptions();
        foreach (var (metric, value) in ParseTolerances(abs, "--abs"))
            options.Metrics[metric] = (options.Metrics.GetValueOrDefault(metric) ?? Comparer.Exact) with { Abs = value };
        foreach (var (metric, value) in ParseTolerances(rel, "--rel"))
            options.Metrics[metric] = (options.Metrics.GetValueOrDefault(metric) ?? Comparer.Exact) with { Rel = value };
        return options;
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
