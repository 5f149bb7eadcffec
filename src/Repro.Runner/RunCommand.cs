using System.CommandLine;
using Repro.Experiments.Config;
using Repro.Experiments.Running;

namespace Repro.Runner;

/// <summary><c>repro run CONFIG... [--profile] [--set key=value]... [--results DIR] [--device] [--jobs N] [--force]</c>.</summary>
public static class RunCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var configs = new Argument<string[]>("CONFIG")
        {
            Description = "Config files (YAML) to run; every run of every file is checked before the first one starts.",
            Arity = ArgumentArity.OneOrMore,
        };
        var profile = new Option<string>("--profile")
        {
            Description = "Profile defined in the configs: smoke (seconds, for tests), quick (minutes) or full (paper scale).",
            DefaultValueFactory = _ => ConfigResolver.DefaultProfile,
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a config value, e.g. --set options.train.epochs=3 (YAML value; repeatable; applied after the profile, before the sweep).",
            HelpName = "key.path=value",
        };
        var results = new Option<string>("--results")
        {
            Description = "Results folder.",
            DefaultValueFactory = _ => ResultPaths.DefaultResultsDirectory,
            HelpName = "DIR",
        };
        var device = new Option<string>("--device")
        {
            Description = "auto (cuda when available, else cpu), cpu or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        var jobs = new Option<int?>("--jobs")
        {
            Description = "Runs at once, each in its own process; the thread budget is split between them. " +
                          "Default: each config's 'jobs' key, else 1.",
            HelpName = "N",
        };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
                r.AddError("--jobs must be at least 1");
        });
        var force = new Option<bool>("--force") { Description = "Run again runs that already finished." };

        var command = new Command("run",
            "Run the experiments of config files. Finished runs are skipped; a failed run is recorded and the sweep goes on. " +
            "Exit code 1 when any run failed, 2 on bad input.")
        {
            configs, profile, set, results, device, jobs, force,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var resolver = new ConfigResolver(environment.Registry);
            var overrides = parsed.GetValue(set) ?? [];
            string profileName = parsed.GetValue(profile)!;
            // Resolve and bind everything first: a typo in the last config fails now, not after hours of training.
            var runs = parsed.GetValue(configs)!
                .SelectMany(path => resolver.Resolve(path, profileName, overrides))
                .ToList();
            InputChecks.CheckData(runs, RunContext.DefaultDataRoot());

            using var console = ConsoleLog.Create(environment.Out, environment.Interactive);
            var runner = new SweepRunner(
                new SweepSettings
                {
                    ResultsDirectory = parsed.GetValue(results)!,
                    Device = parsed.GetValue(device)!,
                    Jobs = parsed.GetValue(jobs),
                    Force = parsed.GetValue(force),
                    Interactive = environment.Interactive,
                },
                CodeVersion.Detect(),
                environment.Engine(),
                console)
            {
                ReportBuilder = environment.ReportBuilder ?? DefaultReportBuilder,
            };
            var outcome = runner.Run(runs, environment.Cancel);
            console.Information("{Total} runs: {Completed} ran ({Failed} failed), {AlreadyDone} already done{Cancelled}",
                runs.Count, outcome.Completed, outcome.Failed, outcome.AlreadyDone, outcome.Cancelled ? ", cancelled" : "");
            return outcome.ExitCode;
        }));
        return command;
    }

    internal static void DefaultReportBuilder(string resultsDirectory, string experimentName,
        Repro.Experiments.IExperiment experiment, IReadOnlyList<ClaimSpec> claims) =>
        Repro.Experiments.Reporting.ReportBuilder.Build(resultsDirectory, experimentName, experiment, claims);
}
