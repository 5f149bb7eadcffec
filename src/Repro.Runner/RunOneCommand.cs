using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Running;

namespace Repro.Runner;

/// <summary>
/// Hidden verb behind <c>repro run</c> with more than one job (<c>--jobs N</c> or a config's <c>jobs</c>): runs
/// the single run whose resolved config.yaml is in RUN_DIR and records it there. Exit code 0 ok, 1 failed, 2 bad input.
/// </summary>
public static class RunOneCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var runDirectory = new Argument<string>("RUN_DIR") { Description = "Run folder holding the resolved config.yaml." };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var source = new Option<string?>("--source") { Description = "Config file the run came from (provenance)." };
        var profile = new Option<string?>("--profile") { Description = "Profile the run came from (provenance)." };
        var swept = new Option<string[]>("--swept") { Description = "Swept keys, for summary.csv's param columns." };

        var command = new Command("run-one", "Run one resolved run (used by run with more than one job).")
        {
            runDirectory, device, threads, source, profile, swept,
        };
        command.Hidden = true;
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            string dir = parsed.GetValue(runDirectory)!;
            string configPath = ResultPaths.Config(dir);
            var resolved = new ConfigResolver(environment.Registry).Resolve(configPath, profile: null).Single();
            var flat = ConfigWriter.Flatten(resolved.Resolved);
            var run = new ResolvedRun
            {
                Experiment = resolved.Experiment,
                SourceFile = parsed.GetValue(source) ?? configPath,
                Profile = parsed.GetValue(profile),
                Description = resolved.Description,
                Seed = resolved.Seed,
                Threads = resolved.Threads,
                Options = resolved.Options,
                Claims = resolved.Claims,
                Tolerances = resolved.Tolerances,
                SweptParameters = (parsed.GetValue(swept) ?? [])
                    .Select(k => new KeyValuePair<string, string>(k, flat.TryGetValue(k, out var v) ? v : ""))
                    .ToList(),
                Resolved = resolved.Resolved,
            };
            using var console = ConsoleLog.Create(environment.Out, interactive: false, ConsoleLog.ChildTemplate);
            var runner = new SweepRunner(new SweepSettings(), CodeVersion.Detect(), environment.Engine(), console);
            string id = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            var summary = runner.Execute(new PlannedRun(run, id, dir), parsed.GetValue(device)!, parsed.GetValue(threads),
                cancel: environment.Cancel);
            return summary.IsOk ? Cli.Success : Cli.Failure;
        }));
        return command;
    }
}
