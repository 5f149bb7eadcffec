using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Config;
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
            "Rebuild every table, figure and claim of a results folder from its CSV files, without training.")
        {
            directory,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            string dir = parsed.GetValue(directory)!;
            var builder = environment.ReportBuilder ?? RunCommand.DefaultReportBuilder;
            var experiments = FindExperimentFolders(dir);
            foreach (var (resultsDir, name) in experiments)
            {
                if (!environment.Registry.TryGet(name, out var experiment))
                    throw new ReproInputException(
                        $"{Path.Combine(resultsDir, name)}: no registered experiment '{name}'{environment.Registry.Suggestion(name)}");
                var claims = ReadClaims(resultsDir, name);
                builder(resultsDir, name, experiment, claims);
                environment.Out.WriteLine($"{name}: report written to {ResultPaths.ReportDirectory(resultsDir, name)}");
            }
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>
    /// The (results folder, experiment name) pairs under <paramref name="dir"/>: its subfolders holding
    /// report/runs.csv, or <paramref name="dir"/> itself when it is one experiment's folder.
    /// </summary>
    public static IReadOnlyList<(string ResultsDirectory, string Experiment)> FindExperimentFolders(string dir)
    {
        if (!Directory.Exists(dir))
            throw new ReproInputException($"{dir}: results folder not found");
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        if (File.Exists(ResultPaths.Runs(Path.Combine(full, ResultPaths.ReportFolderName))))
            return [(Path.GetDirectoryName(full)!, Path.GetFileName(full))];
        var found = Directory.GetDirectories(dir)
            .Where(d => File.Exists(ResultPaths.Runs(Path.Combine(d, ResultPaths.ReportFolderName))))
            .Select(d => (dir, Path.GetFileName(d)))
            .OrderBy(p => p.Item2, StringComparer.Ordinal)
            .ToList();
        if (found.Count == 0)
            throw new ReproInputException($"{dir}: no experiment folder with {ResultPaths.ReportFolderName}/{ResultPaths.RunsFileName} in it");
        return found;
    }

    /// <summary>The claims of the latest sweep: the <c>claims:</c> of the first run's config.yaml in runs.csv.</summary>
    public static IReadOnlyList<ClaimSpec> ReadClaims(string resultsDirectory, string experiment)
    {
        string runsPath = ResultPaths.Runs(ResultPaths.ReportDirectory(resultsDirectory, experiment));
        var lines = File.ReadAllLines(runsPath).Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
            return [];
        string config = ResultPaths.Config(ResultPaths.RunDirectory(resultsDirectory, experiment, lines[0]));
        if (!File.Exists(config))
            return [];
        return ConfigSections.BindClaims(YamlConfigReader.ReadFile(config).Get("claims"));
    }
}
