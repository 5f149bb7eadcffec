using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;

namespace Repro.Runner;

/// <summary><c>repro status DIR</c>: each run of the latest sweep finished, running, pending or failed, from the folder and Slurm.</summary>
public static class StatusCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var directory = new Argument<string>("DIR")
        {
            Description = "A results folder (every experiment in it) or one experiment's folder.",
        };
        var command = new Command("status",
            "Show each run of a results folder's latest sweeps as finished, running, pending or failed, from its files and, " +
            "where Slurm's commands are on the PATH, squeue and sacct.")
        {
            directory,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            string dir = parsed.GetValue(directory)!;
            var runs = SweepStatus.RunsIn(dir);
            ISlurmCluster? cluster = null;
            try
            {
                cluster = environment.Slurm();
            }
            catch (ReproInputException)
            {
                environment.Out.WriteLine("(Slurm's commands are not on the PATH: states from the results folder alone)");
            }
            string results = ResultsFolderOf(dir, runs);
            var statuses = SweepStatus.Of(runs, results, cluster);
            var output = environment.Out;
            int experimentWidth = statuses.Max(s => s.Run.Experiment.Length);
            foreach (var status in statuses)
            {
                string state = status.State.ToString().ToLowerInvariant();
                string line = $"{status.Run.Experiment.PadRight(experimentWidth)}  {status.Run.RunId}  {state,-8}";
                output.WriteLine(status.Detail.Length > 0 ? $"{line}  {status.Detail}" : line.TrimEnd());
            }
            var counts = Enum.GetValues<RunState>().Select(s => $"{statuses.Count(x => x.State == s)} {s.ToString().ToLowerInvariant()}");
            output.WriteLine($"{statuses.Count} runs: {string.Join(", ", counts)}");
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>The results folder that holds the runs (DIR, or DIR's parent when DIR is one experiment's folder).</summary>
    private static string ResultsFolderOf(string dir, IReadOnlyList<RunReference> runs) =>
        Path.GetDirectoryName(Path.GetDirectoryName(runs[0].Directory)!) ?? dir;
}
