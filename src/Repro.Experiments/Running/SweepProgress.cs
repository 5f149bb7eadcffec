using System.Diagnostics;
using System.Text;
using Serilog;

namespace Repro.Experiments.Running;

/// <summary>
/// Sweep progress. On a terminal one live display (<see cref="LiveDisplay"/>): a line for the sweep (runs done of
/// all, a bar that counts the share of the runs in flight as well, elapsed time and ETA) and a line per run in
/// flight with its epoch, step and loss as it trains; log lines go above it. Otherwise a plain log line per
/// finished run, so that a CI log reads as lines. Counts finished and failed runs either way.
/// </summary>
internal sealed class SweepProgress
{
    private const int BarWidth = 24;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MinRedraw = TimeSpan.FromMilliseconds(50);
    private readonly int total;
    private readonly ILogger console;
    private readonly bool interactive;
    private readonly TextWriter terminal;
    private readonly Func<int>? width;
    private readonly object gate = new();
    private readonly Dictionary<string, (RunProgress Channel, Stopwatch Clock, bool Child)> inFlight = new(StringComparer.Ordinal);
    private readonly Stopwatch clock = new();
    private LiveDisplay? display;
    private TimeSpan lastDraw = TimeSpan.MinValue;
    private int completed;
    private int failed;

    /// <param name="terminal">Where the live display draws; null is the console.</param>
    /// <param name="width">The terminal's columns; null reads the console's.</param>
    public SweepProgress(int total, ILogger console, bool interactive, TextWriter? terminal = null, Func<int>? width = null)
    {
        this.total = total;
        this.console = console;
        this.interactive = interactive && total > 0;
        this.terminal = terminal ?? Console.Out;
        this.width = width;
    }

    public int Completed => completed;

    public int FailedCount => failed;

    public void Show(Action<SweepProgress> work)
    {
        clock.Start();
        if (!interactive)
        {
            work(this);
            return;
        }
        display = LiveDisplay.Open(terminal, width);
        using var timer = new Timer(_ => Redraw(force: true), null, Tick, Tick);
        try
        {
            Redraw(force: true);
            work(this);
        }
        finally
        {
            timer.Change(Timeout.Infinite, Timeout.Infinite);
            lock (gate)
            {
                display.Close([SweepLine()]);
                display = null;
            }
        }
    }

    /// <summary>The progress channel of a run trained in this process; null when progress is plain text.</summary>
    public RunProgress? EpochReporter(PlannedRun run)
    {
        if (!interactive)
            return null;
        var channel = new RunProgress(run.Run.Experiment.Name, run.RunId, _ => Redraw(force: false));
        lock (gate)
            inFlight[run.Directory] = (channel, Stopwatch.StartNew(), false);
        Redraw(force: true);
        return channel;
    }

    /// <summary>
    /// A run handed to a child process: shown as in flight until it finishes, with what the child's progress lines
    /// report to the returned channel; null when progress is plain text.
    /// </summary>
    public RunProgress? Started(PlannedRun run)
    {
        if (!interactive)
            return null;
        var channel = new RunProgress(run.Run.Experiment.Name, run.RunId, _ => Redraw(force: false));
        lock (gate)
            inFlight[run.Directory] = (channel, Stopwatch.StartNew(), true);
        Redraw(force: true);
        return channel;
    }

    public void Finished(PlannedRun run, RunSummary summary)
    {
        int done;
        lock (gate)
        {
            inFlight.Remove(run.Directory);
            done = ++completed;
            if (!summary.IsOk)
                failed++;
        }
        console.Information("run {Done}/{Total} {Experiment} {RunId} {Status}{Reason}", done, total,
            run.Run.Experiment.Name, run.RunId, summary.Status, summary.IsOk ? "" : ": " + summary.Reason);
        Redraw(force: true);
    }

    /// <summary>Draws the display again; a step report redraws at most every <see cref="MinRedraw"/>, the timer catches up.</summary>
    private void Redraw(bool force)
    {
        lock (gate)
        {
            if (display is null)
                return;
            var now = clock.Elapsed;
            if (!force && now - lastDraw < MinRedraw)
                return;
            lastDraw = now;
            var lines = new List<string> { SweepLine() };
            foreach (var (_, (channel, runClock, child)) in inFlight)
            {
                var activity = channel.Activity;
                string doing = child && activity is { LastEpoch: null, LastStep: null } ? "starting in a child process" : activity.Describe();
                lines.Add($"  {activity.Experiment} {activity.RunId}  {doing}  {Duration(runClock.Elapsed)}");
            }
            display.Show(lines);
        }
    }

    /// <summary>"sweep 3/10 runs ██████░░░░ 34%  1m02s  ETA 2m01s", the runs in flight counted by their share done.</summary>
    private string SweepLine()
    {
        double share = completed;
        foreach (var (_, (channel, _, _)) in inFlight)
            share += channel.Activity.Fraction;
        double fraction = total == 0 ? 1 : Math.Clamp(share / total, 0, 1);
        int filled = (int)Math.Round(fraction * BarWidth);
        var sb = new StringBuilder();
        sb.Append("sweep ").Append(completed).Append('/').Append(total).Append(" runs ")
          .Append(new string('█', filled)).Append(new string('░', BarWidth - filled)).Append(' ')
          .Append(((int)Math.Floor(fraction * 100)).ToString(CultureInfo.InvariantCulture)).Append("%  ")
          .Append(Duration(clock.Elapsed));
        if (fraction is > 0 and < 1)
            sb.Append("  ETA ").Append(Duration(clock.Elapsed * ((1 - fraction) / fraction)));
        if (failed > 0)
            sb.Append("  ").Append(failed).Append(" failed");
        return sb.ToString();
    }

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s"
        : $"{(int)t.TotalSeconds}s";
}
