using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;

namespace Repro.Runner;

/// <summary>
/// <c>repro run CONFIG... [--profile] [--set key=value]... [--results DIR] [--device] [--jobs N] [--force]
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
                          "Default: each config's 'jobs' key, else 1.",
            HelpName = "N",
        };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
                r.AddError("--jobs must be at least 1");
        });
        var force = new Option<bool>("--force") { Description = "Run again runs that already finished." };
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
            configs, profile, set, results, device, jobs, force, launcher, partition, time, cpusPerRun, mem, gpusPerRun, sbatchArgs, wait,
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
                    parsed.GetValue(force), parsed.GetValue(wait));
            }
            if (slurmOnly.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
                throw new ReproInputException($"{given.Name} needs --launcher slurm");

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

    /// <summary>
    /// Submits the sweep to Slurm (after the Slurm checks: sbatch on the PATH, the partitions, a results folder the
    /// nodes can see) and, with <paramref name="wait"/>, follows it to the end and builds the reports.
    /// </summary>
    private static int RunOnSlurm(CliEnvironment environment, IReadOnlyList<ResolvedRun> runs,
        SlurmLauncherOptions commandLine, string results, string device, bool force, bool wait)
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
                CommandLine = commandLine,
                PollInterval = environment.SlurmPollInterval,
            },
            cluster, runner, console);
        var submission = slurm.Submit(runs);
        if (!wait)
        {
            if (submission.Submitted > 0)
                console.Information("follow it with: repro status {Results}; when it is done: repro report {Results}", resultsDirectory, resultsDirectory);
            return Cli.Success;
        }
        return slurm.Follow(submission, environment.Cancel);
    }

    internal static void DefaultReportBuilder(string resultsDirectory, string experimentName,
        Repro.Experiments.IExperiment experiment, IReadOnlyList<ClaimSpec> claims, string reportDirectory) =>
        Repro.Experiments.Reporting.ReportBuilder.Build(resultsDirectory, experimentName, experiment, claims, reportDirectory: reportDirectory);
}
