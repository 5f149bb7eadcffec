using System.CommandLine;
using System.Globalization;
using Repro.Experiments.Config;
using Repro.Experiments.Running;

namespace Repro.Runner;

/// <summary>
/// <c>repro nightly [CONFIG...] [--profile P] [--set key=value]... [--results DIR] [--baseline DIR] [--jobs N] [--device D]
/// [--launcher local|slurm] [--abs metric=x]... [--rel metric=y]...</c>: run, compare with the baseline, exit 1 on a regression.
/// </summary>
public static class NightlyCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var configs = new Argument<string[]>("CONFIG")
        {
            Description = "Config files (YAML) to run (default: every configs/*.yaml).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var profile = new Option<string>("--profile")
        {
            Description = "Profile to run the configs at; the baseline should hold runs of the same profile.",
            DefaultValueFactory = _ => ConfigResolver.DefaultProfile,
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a config value, as for repro run (repeatable).",
            HelpName = "key.path=value",
        };
        var results = new Option<string?>("--results")
        {
            Description = "Results folder of this check (default: results-nightly/<UTC date-time>); an existing one resumes.",
            HelpName = "DIR",
        };
        var baseline = new Option<string>("--baseline")
        {
            Description = "Results folder to compare with.",
            DefaultValueFactory = _ => ResultPaths.DefaultResultsDirectory,
            HelpName = "DIR",
        };
        var jobs = new Option<int?>("--jobs") { Description = "Runs at once, as for repro run.", HelpName = "N" };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => "auto" };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        var launcher = new Option<string>("--launcher")
        {
            Description = "local: run here; slurm: one Slurm array task per run, followed to the end (repro run --launcher slurm --wait; " +
                          "Slurm settings from the configs' launcher: section or --set launcher.partition=P).",
            DefaultValueFactory = _ => "local",
        };
        launcher.AcceptOnlyFromAmong("local", "slurm");
        var waitLock = new Option<bool>("--wait-lock")
        {
            Description = "Wait while another repro run holds the results folder, as for repro run (default: exit 2 naming it).",
        };
        var abs = CompareCommand.AbsOption();
        var rel = CompareCommand.RelOption();
        var command = new Command("nightly",
            "Run the configs into a new dated results folder, compare it with the baseline (each config's tolerances; " +
            "timings reported, not judged) and write DIR/nightly.md. Exit code 1 on a regression or a failed run, 2 on bad input.")
        {
            configs, profile, set, results, baseline, jobs, device, launcher, waitLock, abs, rel,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var settings = new NightlySettings
            {
                Configs = parsed.GetValue(configs) ?? [],
                Profile = parsed.GetValue(profile)!,
                Overrides = parsed.GetValue(set) ?? [],
                ResultsDirectory = parsed.GetValue(results),
                BaselineDirectory = parsed.GetValue(baseline)!,
                Compare = CompareCommand.Options(parsed.GetValue(abs), parsed.GetValue(rel)),
            };
            int? jobCount = parsed.GetValue(jobs);
            string deviceName = parsed.GetValue(device)!;
            bool slurm = parsed.GetValue(launcher) == "slurm";
            bool waitForLock = parsed.GetValue(waitLock);
            // The runs go through repro run itself: the same checks, resumption, jobs and Slurm launcher.
            int RunSweep(NightlySweep sweep)
            {
                var arguments = new List<string> { "run" };
                arguments.AddRange(sweep.Configs);
                arguments.AddRange(["--profile", sweep.Profile, "--results", sweep.ResultsDirectory, "--device", deviceName]);
                foreach (var value in sweep.Overrides)
                    arguments.AddRange(["--set", value]);
                if (jobCount is { } n)
                    arguments.AddRange(["--jobs", n.ToString(CultureInfo.InvariantCulture)]);
                if (slurm)
                    arguments.AddRange(["--launcher", "slurm", "--wait"]);
                if (waitForLock)
                    arguments.Add("--wait-lock");
                return Cli.Invoke([.. arguments], environment);
            }
            return new NightlyJob(settings, RunSweep, environment.Out).Run().ExitCode;
        }));
        return command;
    }
}
