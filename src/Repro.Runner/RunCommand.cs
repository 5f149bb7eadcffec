using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;

namespace Repro.Runner;

/// <summary>
/// <c>repro run CONFIG... [--profile] [--set key=value]... [--results DIR] [--device] [--jobs N] [--force] [--wait-lock]
/// [--launcher local|slurm [--partition P] [--time T] [--cpus-per-run N] [--mem M] [--gpus-per-run G] [--sbatch-arg A]... [--wait]]</c>.
/// </summary>
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
                          $"Default: each config's 'jobs' key, else 1; at most the core count ({Environment.ProcessorCount} here).",
            HelpName = "N",
            CustomParser = ParseJobs,
        };
        var force = new Option<bool>("--force")
        {
            Description = "Run again runs that already finished; each earlier result stays until its new one is complete.",
        };
        var waitLock = new Option<bool>("--wait-lock")
        {
            Description = "When another repro run holds the results folder, wait for it to finish instead of stopping (exit 2).",
        };
        var launcher = new Option<string>("--launcher")
        {
            Description = "local: run here; slurm: submit the runs that are not finished as one Slurm job array, one task per run (docs/slurm.md).",
            DefaultValueFactory = _ => "local",
        };
        launcher.AcceptOnlyFromAmong("local", "slurm");
        var partition = new Option<string?>("--partition")
        {
            Description = "Slurm partition (over the config's launcher.partition; default: the cluster's).",
            HelpName = "P",
        };
        var time = new Option<string?>("--time") { Description = "Slurm time limit per run (minutes, HH:MM:SS, D-HH:MM).", HelpName = "T" };
        var cpusPerRun = new Option<int?>("--cpus-per-run")
        {
            Description = "CPUs per Slurm task, the run's threads (default: the config's threads over its jobs, else 1).",
            HelpName = "N",
        };
        var mem = new Option<string?>("--mem") { Description = "Memory per Slurm task (4000, 16G).", HelpName = "M" };
        var gpusPerRun = new Option<int?>("--gpus-per-run") { Description = "GPUs per Slurm task; --device auto uses cuda when above 0.", HelpName = "G" };
        var sbatchArgs = new Option<string[]>("--sbatch-arg")
        {
            Description = "A further sbatch option, e.g. --sbatch-arg=--account=proj (repeatable; after the config's launcher.sbatch_args).",
            HelpName = "OPTION",
        };
        var wait = new Option<bool>("--wait")
        {
            Description = "With --launcher slurm: follow the job array until every run is done, then build the reports (exit 1 when a run failed).",
        };
        Option[] slurmOnly = [partition, time, cpusPerRun, mem, gpusPerRun, sbatchArgs, wait];

        var command = new Command("run",
            "Run the experiments of config files. Finished runs are skipped; a failed run is recorded and the sweep goes on. " +
            "Exit code 1 when any run failed, 2 on bad input.")
        {
            configs, profile, set, results, device, jobs, force, waitLock, launcher, partition, time, cpusPerRun, mem, gpusPerRun,
            sbatchArgs, wait,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var resolver = new ConfigResolver(environment.Registry);
            var overrides = parsed.GetValue(set) ?? [];
            string profileName = parsed.GetValue(profile)!;
            // Resolve and bind everything first: a typo in the last config fails now, not after hours of training.
            // A config named twice (or by two spellings of its path) is one config.
            var runs = resolver.ResolveAll(
                parsed.GetValue(configs)!.DistinctBy(Path.GetFullPath, StringComparer.Ordinal), profileName, overrides);
            InputChecks.CheckData(runs, RunContext.DefaultDataRoot());
            InputChecks.CheckResultsFolder(parsed.GetValue(results)!, runs);
            if (parsed.GetValue(launcher) == "slurm")
            {
                if (parsed.GetResult(jobs) is { Implicit: false })
                    throw new ReproInputException("--jobs is for local runs; with --launcher slurm every run is an array task of its own");
                var commandLine = new SlurmLauncherOptions
                {
                    Partition = parsed.GetValue(partition),
                    Time = parsed.GetValue(time),
                    CpusPerRun = parsed.GetValue(cpusPerRun),
                    Mem = parsed.GetValue(mem),
                    GpusPerRun = parsed.GetValue(gpusPerRun),
                    SbatchArgs = [.. parsed.GetValue(sbatchArgs) ?? []],
                };
                // Messages about a value name the flag it came from, as a config value names its line.
                foreach (var (key, option) in new (string, Option)[]
                         {
                             ("partition", partition), ("time", time), ("cpus_per_run", cpusPerRun), ("mem", mem),
                             ("gpus_per_run", gpusPerRun), ("sbatch_args", sbatchArgs),
                         })
                    if (parsed.GetResult(option) is { Implicit: false })
                        commandLine.Sources[key] = option.Name;
                return RunOnSlurm(environment, runs, commandLine, parsed.GetValue(results)!, parsed.GetValue(device)!,
                    parsed.GetValue(force), parsed.GetValue(wait), parsed.GetValue(waitLock));
            }
            if (slurmOnly.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
                throw new ReproInputException($"{given.Name} needs --launcher slurm");

            using var console = ConsoleLog.Create(environment.Out, environment.Interactive);
            int? jobsAsked = parsed.GetValue(jobs);
            if (jobsAsked > Environment.ProcessorCount)
            {
                console.Warning("--jobs {Jobs} is more than this machine's {Cores} cores: running {Running} runs at a time",
                    jobsAsked, Environment.ProcessorCount, Environment.ProcessorCount);
                jobsAsked = Environment.ProcessorCount;
            }
            var runner = new SweepRunner(
                new SweepSettings
                {
                    ResultsDirectory = parsed.GetValue(results)!,
                    Device = parsed.GetValue(device)!,
                    Jobs = jobsAsked,
                    Force = parsed.GetValue(force),
                    WaitForLock = parsed.GetValue(waitLock),
                    Interactive = environment.Interactive,
                },
                CodeVersion.Detect(),
                environment.Engine(),
                console)
            {
                ReportBuilder = environment.ReportBuilder ?? DefaultReportBuilder,
            };
            var outcome = runner.Run(runs, environment.Cancel);
            // Runs that resolve to the same folder (a value listed twice, two configs with one run) run once and count once.
            console.Information("{Total} runs: {Completed} ran ({Failed} failed), {AlreadyDone} already done{Cancelled}",
                runner.Plan(runs).Count, outcome.Completed, outcome.Failed, outcome.AlreadyDone, outcome.Cancelled ? ", cancelled" : "");
            if (runner.Tallies.Count > 0)
                environment.Out.Write("\n" + SweepTally.Format(runner.Tallies, runner.WallSeconds));
            return outcome.ExitCode;
        }));
        return command;
    }

    /// <summary>
    /// Submits the sweep to Slurm (after the Slurm checks: sbatch on the PATH, the partitions, a results folder the
    /// nodes can see) and, with <paramref name="wait"/>, follows it to the end and builds the reports.
    /// </summary>
    private static int RunOnSlurm(CliEnvironment environment, IReadOnlyList<ResolvedRun> runs,
        SlurmLauncherOptions commandLine, string results, string device, bool force, bool wait, bool waitLock)
    {
        commandLine.Validate();
        var cluster = environment.Slurm();
        string resultsDirectory = Path.GetFullPath(results);
        using var console = ConsoleLog.Create(environment.Out, interactive: false);
        var runner = new SweepRunner(
            new SweepSettings { ResultsDirectory = resultsDirectory, Device = device, Force = force },
            CodeVersion.Detect(), environment.Engine(), console)
        {
            ReportBuilder = environment.ReportBuilder ?? DefaultReportBuilder,
        };
        var slurm = new SlurmLauncher(
            new SlurmSweepSettings
            {
                ResultsDirectory = resultsDirectory,
                Device = device,
                Force = force,
                WaitForLock = waitLock,
                CommandLine = commandLine,
                PollInterval = environment.SlurmPollInterval,
            },
            cluster, runner, console);
        var submission = slurm.Submit(runs, environment.Cancel);
        if (submission is null)
            return 130;
        if (!wait)
        {
            if (submission.Submitted > 0)
                console.Information("follow it with: repro status {Results}; when it is done: repro report {Results}", resultsDirectory, resultsDirectory);
            return Cli.Success;
        }
        return slurm.Follow(submission, environment.Cancel);
    }

    /// <summary>
    /// <c>--jobs</c>: a whole number from 1 up; anything else is one line naming the value (a number too large for
    /// any machine included, which is otherwise capped at the core count).
    /// </summary>
    private static int? ParseJobs(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            result.AddError($"--jobs {text}: expects a whole number of runs at once (1 or more)");
            return null;
        }
        if (value < 1)
        {
            result.AddError($"--jobs {text}: must be at least 1");
            return null;
        }
        if (value > int.MaxValue)
        {
            result.AddError($"--jobs {text}: too many runs at once (this machine has {Environment.ProcessorCount} cores)");
            return null;
        }
        return (int)value;
    }

    internal static void DefaultReportBuilder(string resultsDirectory, string experimentName,
        Repro.Experiments.IExperiment experiment, IReadOnlyList<ClaimSpec> claims, string reportDirectory) =>
        Repro.Experiments.Reporting.ReportBuilder.Build(resultsDirectory, experimentName, experiment, claims, reportDirectory: reportDirectory);
}
