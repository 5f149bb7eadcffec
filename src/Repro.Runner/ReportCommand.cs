using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;

namespace Repro.Runner;

/// <summary><c>repro report DIR</c>: rebuilds every table, figure and claim from the CSV files, without training.</summary>
public static class ReportCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var directory = new Argument<string>("DIR")
        {
            Description = "A results folder (every experiment in it) or one experiment's folder.",
        };
        var command = new Command("report",
            "Rebuild every table, figure and claim of a results folder from its CSV files, without training " +
            "(each profile's report: report/ and report-<profile>/), and the results page DIR/index.html.")
        {
            directory,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var builder = environment.ReportBuilder ?? RunCommand.DefaultReportBuilder;
            var reports = ReportFolders.Find(parsed.GetValue(directory)!);
            // Everything is checked before the first report is rewritten.
            var experiments = new List<IExperiment>();
            foreach (var report in reports)
            {
                if (!environment.Registry.TryGet(report.Experiment, out var experiment))
                    throw new ReproInputException(
                        $"{report.ExperimentDirectory}: no registered experiment '{report.Experiment}'{environment.Registry.Suggestion(report.Experiment)}");
                experiments.Add(experiment);
                WritableFolder.Check(report.Directory, report.Directory);
            }
            WritableFolder.Check(parsed.GetValue(directory)!, parsed.GetValue(directory)!);
            var pages = new List<ExperimentReport>();
            for (int i = 0; i < reports.Count; i++)
            {
                var report = reports[i];
                var claims = ReadClaims(report);
                builder(report.ResultsDirectory, report.Experiment, experiments[i], claims, report.Directory);
                environment.Out.WriteLine($"{report.Experiment}: report written to {report.Directory}");
                pages.Add(ResultsPage.Read(report, experiments[i], claims));
            }
            // The page goes last: every report it links to is in place by then.
            string page = ResultsPage.Write(parsed.GetValue(directory)!, pages);
            environment.Out.WriteLine($"results page written to {page}");
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>The claims of a report's sweep: the <c>claims:</c> of the config.yaml of the first run its runs.csv lists.</summary>
    public static IReadOnlyList<ClaimSpec> ReadClaims(ReportFolder report)
    {
        var runs = ReportFolders.ListedRuns(report.Directory);
        if (runs.Count == 0)
            return [];
        string config = ResultPaths.Config(Path.Combine(report.ExperimentDirectory, runs[0]));
        if (!File.Exists(config))
            return [];
        return ConfigSections.BindClaims(YamlConfigReader.ReadFile(config).Get("claims"));
    }
}
