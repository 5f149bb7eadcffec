using Serilog;
using Spectre.Console;

namespace Repro.Experiments.Running;

/// <summary>
/// Sweep progress: on a terminal, a Spectre.Console bar for the sweep (with ETA) and one for the epochs of the
/// run in flight; otherwise a plain log line per finished run. Counts finished and failed runs either way.
/// </summary>
internal sealed class SweepProgress
{
    private readonly int total;
    private readonly ILogger console;
    private readonly bool interactive;
    private readonly object gate = new();
    private ProgressTask? sweepTask;
    private ProgressContext? context;
    private int completed;
    private int failed;

    public SweepProgress(int total, ILogger console, bool interactive)
    {
        this.total = total;
        this.console = console;
        this.interactive = interactive && total > 0;
    }

    public int Completed => completed;

    public int FailedCount => failed;

    public void Show(Action<SweepProgress> work)
    {
        if (!interactive)
        {
            work(this);
            return;
        }
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                context = ctx;
                sweepTask = ctx.AddTask($"sweep ({total} runs)", maxValue: total);
                work(this);
                sweepTask.StopTask();
            });
    }

    /// <summary>An epoch bar for one run (terminal only); null when progress is plain text.</summary>
    public IProgress<EpochProgress>? EpochReporter(PlannedRun run)
    {
        if (context is null)
            return null;
        ProgressTask? task = null;
        return new Progress(value =>
        {
            lock (gate)
            {
                task ??= context.AddTask($"  {run.Run.Experiment.Name} {run.RunId}", maxValue: Math.Max(1, value.Epochs));
                task.MaxValue = Math.Max(1, value.Epochs);
                task.Value = value.Epoch;
                if (value.Epoch >= value.Epochs)
                    task.StopTask();
            }
        });
    }

    public void Finished(PlannedRun run, RunSummary summary)
    {
        int done = Interlocked.Increment(ref completed);
        if (!summary.IsOk)
            Interlocked.Increment(ref failed);
        lock (gate)
            sweepTask?.Increment(1);
        console.Information("run {Done}/{Total} {Experiment} {RunId} {Status}{Reason}", done, total,
            run.Run.Experiment.Name, run.RunId, summary.Status, summary.IsOk ? "" : ": " + summary.Reason);
    }

    private sealed class Progress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
