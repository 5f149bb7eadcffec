using System.CommandLine;
using Repro.Experiments;
using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;

namespace Repro.Runner;

/// <summary>
/// Hidden verb behind <c>repro run</c> with more than one job (<c>--jobs N</c> or a config's <c>jobs</c>) and behind
/// every Slurm array task: runs the single run whose resolved config.yaml is in RUN_DIR and records it there. With
/// <c>--claim</c> (Slurm tasks) it first claims the run, and leaves it alone when it finished or a live task holds
/// it. With <c>--parent PID</c> (a local sweep's children) the kernel ends it when that process ends, and it does not
/// start when that process has already ended. Exit code 0 ok (or left alone), 1 failed, 2 bad input, 3 another
/// process trains the run (nothing written), 130 cancelled.
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
        var claim = new Option<bool>("--claim")
        {
            Description = "Claim the run before training it (claim.N in RUN_DIR); skip it when it finished or a live task holds the claim.",
        };
        var force = new Option<bool>("--force") { Description = "With --claim: train the run even when it finished." };
        var parent = new Option<int?>("--parent")
        {
            Description = "The repro run that started this one: end when it ends, and do not start when it is gone.",
            HelpName = "PID",
        };

        var progressLines = new Option<bool>(SweepRunner.ProgressLinesOption)
        {
            Description = "Write the run's epochs and steps as progress lines for the live display of the repro run that started it.",
        };

        var command = new Command("run-one", "Run one resolved run (used by run with more than one job).")
        {
            runDirectory, device, threads, source, profile, swept, claim, force, parent, progressLines,
        };
        command.Hidden = true;
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            if (parsed.GetValue(parent) is { } parentPid && !ParentProcess.Bind(parentPid))
            {
                environment.Error.WriteLine($"run-one: the repro run that started it (pid {parentPid}) has ended; not starting");
                return Cli.Failure;
            }
            string dir = Path.TrimEndingDirectorySeparator(parsed.GetValue(runDirectory)!);
            string configPath = ResultPaths.Config(dir);
            var resolved = new ConfigResolver(environment.Registry).Resolve(configPath, profile: null).Single();
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
                    .Select(k => new KeyValuePair<string, string>(k, ConfigWriter.ValueAt(resolved.Resolved, k)))
                    .ToList(),
                Resolved = resolved.Resolved,
            };
            using var console = ConsoleLog.Create(environment.Out, interactive: false, ConsoleLog.ChildTemplate);
            string id = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
            ClaimAttempt? held = null;
            if (parsed.GetValue(claim))
            {
                var self = RunClaim.OfThisProcess();
                var liveness = new ClaimLiveness(self);
                held = RunClaims.TryAcquire(dir, self, c => liveness.Judge(c, QueueOf(environment, c)), skipFinished: !parsed.GetValue(force));
                if (held.Result == ClaimAttempt.Outcome.Finished)
                {
                    console.Information("{Experiment} {RunId} already done", run.Experiment.Name, id);
                    return Cli.Success;
                }
                if (held.Result == ClaimAttempt.Outcome.Held)
                {
                    console.Information("{Experiment} {RunId} is being trained by {Holder}; not training it twice", run.Experiment.Name, id, held.Reason);
                    return Cli.Success;
                }
                console.Information("{Experiment} {RunId} claimed by {Claimer}", run.Experiment.Name, id, self.Describe());
            }
            try
            {
                var runner = new SweepRunner(new SweepSettings(), CodeVersion.Detect(), environment.Engine(), console);
                var progress = parsed.GetValue(progressLines)
                    ? RunProgress.Lines(run.Experiment.Name, id, environment.Out, TimeSpan.FromMilliseconds(100))
                    : null;
                var summary = runner.Execute(new PlannedRun(run, id, dir), parsed.GetValue(device)!, parsed.GetValue(threads),
                    progress, environment.Cancel);
                return summary.IsOk ? Cli.Success : Cli.Failure;
            }
            catch (RunInProgressException e)
            {
                // As with a live claim: the process that holds the run trains it.
                if (held is not null)
                {
                    console.Information("{Message}", e.Message);
                    return Cli.Success;
                }
                environment.Error.WriteLine(e.Message);
                return RunInProgressException.ExitCode;
            }
            catch (OperationCanceledException) when (environment.Cancel.IsCancellationRequested)
            {
                return Cancelled;
            }
            finally
            {
                // Only after the summary: a task killed before this leaves its claim, stale once Slurm has let go of it.
                if (held is { Result: ClaimAttempt.Outcome.Acquired })
                    RunClaims.Release(dir, held.Generation);
            }
        }));
        return command;
    }

    private const int Cancelled = 130;

    /// <summary>Slurm's state of the task that holds <paramref name="claim"/>; null when it has none or Slurm cannot be asked.</summary>
    private static IReadOnlyDictionary<string, SlurmJobState>? QueueOf(CliEnvironment environment, RunClaim claim)
    {
        if (claim.Task is not { } task)
            return null;
        try
        {
            return environment.Slurm().States([task]);
        }
        catch (Exception e) when (e is ReproInputException or SlurmUnavailableException)
        {
            return null;
        }
    }
}
