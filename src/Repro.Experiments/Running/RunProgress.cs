namespace Repro.Experiments.Running;

/// <summary>
/// One optimiser step of the training in flight: the epoch it belongs to (1-based; <see cref="Epochs"/> 0 when
/// the loop does not know its length), the step count so far and the total (0 when unknown), and the step's loss.
/// </summary>
public readonly record struct StepProgress(int Epoch, int Epochs, long Step, long Steps, double Loss);

/// <summary>Where the run in flight is, as the live display shows it.</summary>
public sealed record RunActivity(
    string Experiment,
    string RunId,
    EpochProgress? LastEpoch,
    StepProgress? LastStep)
{
    /// <summary>
    /// How much of the run is done, 0 to 1: steps over all steps when the epochs reported are the training loop's
    /// own, else the units the experiment reports (networks trained, say) plus the share of the training in flight.
    /// </summary>
    public double Fraction
    {
        get
        {
            double? stepShare = LastStep is { Steps: > 0 } s ? Math.Clamp((double)s.Step / s.Steps, 0, 1) : null;
            if (LastEpoch is not { Epochs: > 0 } e)
                return stepShare ?? 0;
            double done = Math.Clamp((double)e.Epoch / e.Epochs, 0, 1);
            if (stepShare is not { } share)
                return done;
            if (SameUnit(e, LastStep!.Value))
                return Math.Max(share, done);
            return Math.Min(1, done + share / e.Epochs);
        }
    }

    /// <summary>"epoch 2/4  step 120/470  loss 0.4123", with the experiment's own count first when it has one.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        var step = LastStep;
        if (LastEpoch is { } e && (step is null || !SameUnit(e, step.Value)))
            parts.Add(step is null && e.Detail is null
                ? $"epoch {e.Epoch}/{e.Epochs}"
                : $"{e.Epoch}/{e.Epochs}{(e.Detail is { Length: > 0 } d ? " " + d : "")}");
        if (step is { } s)
        {
            int epochs = s.Epochs > 0 ? s.Epochs : LastEpoch?.Epochs ?? 0;
            parts.Add(epochs > 0 ? $"epoch {s.Epoch}/{epochs}" : $"epoch {s.Epoch}");
            parts.Add(s.Steps > 0 ? $"step {s.Step}/{s.Steps}" : $"step {s.Step}");
            parts.Add(double.IsFinite(s.Loss) ? $"loss {s.Loss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}" : $"loss {s.Loss}");
        }
        return parts.Count == 0 ? "starting" : string.Join("  ", parts);
    }

    // A step report without epoch count (a detector's loop) belongs to the epochs the run reports.
    internal static bool SameUnit(EpochProgress epoch, StepProgress step) => step.Epochs == 0 || step.Epochs == epoch.Epochs;
}

/// <summary>
/// The progress channel of one run: the epochs an experiment reports through <see cref="RunContext.Progress"/>
/// and the steps the training loops report while they train (<see cref="Training.Trainer"/>, the detectors'
/// loops), each with its loss. The harness opens it around the run (<see cref="Enter"/>), so every training loop
/// of the run finds it as <see cref="Current"/> without each experiment passing it along; a loop outside a run
/// finds none and reports nothing.
/// </summary>
public sealed class RunProgress : IProgress<EpochProgress>
{
    private static readonly AsyncLocal<RunProgress?> InFlight = new();
    private readonly object gate = new();
    private readonly Action<RunActivity>? changed;
    private RunActivity activity;

    public RunProgress(string experiment, string runId, Action<RunActivity>? changed)
    {
        activity = new RunActivity(experiment, runId, null, null);
        this.changed = changed;
    }

    /// <summary>The channel of the run this code runs in (and the tasks it starts); null outside a run.</summary>
    public static RunProgress? Current => InFlight.Value;

    public RunActivity Activity
    {
        get
        {
            lock (gate)
                return activity;
        }
    }

    /// <summary>Makes this the <see cref="Current"/> channel until the returned scope is disposed.</summary>
    public IDisposable Enter()
    {
        var before = InFlight.Value;
        InFlight.Value = this;
        return new Scope(() => InFlight.Value = before);
    }

    /// <summary>
    /// An epoch, or whatever unit the experiment counts; a count of its own (networks trained) ends the step
    /// count of the training it just finished.
    /// </summary>
    public void Report(EpochProgress value) =>
        Update(a => a with { LastEpoch = value, LastStep = a.LastStep is { } s && !RunActivity.SameUnit(value, s) ? null : a.LastStep });

    public void Step(StepProgress value) => Update(a => a with { LastStep = value });

    private void Update(Func<RunActivity, RunActivity> change)
    {
        RunActivity now;
        lock (gate)
            now = activity = change(activity);
        changed?.Invoke(now);
    }

    /// <summary>
    /// How a child <c>repro run-one</c> passes its progress to the sweep that started it: one line on its output per
    /// report, this prefix (a record separator, which no log line holds) and the report as JSON.
    /// </summary>
    public const string LinePrefix = "\u001eprogress ";

    /// <summary>A channel that writes each report as a progress line (step reports at most every <paramref name="every"/>).</summary>
    public static RunProgress Lines(string experiment, string runId, TextWriter output, TimeSpan every)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = TimeSpan.MinValue;
        RunActivity? previous = null;
        var gate = new object();
        return new RunProgress(experiment, runId, now =>
        {
            lock (gate)
            {
                bool epoch = previous is null || now.LastEpoch != previous.LastEpoch;
                previous = now;
                if (!epoch && clock.Elapsed - last < every)
                    return;
                last = clock.Elapsed;
                output.WriteLine(LinePrefix + System.Text.Json.JsonSerializer.Serialize(new ProgressLine(now.LastEpoch, now.LastStep), LineFormat));
                output.Flush();
            }
        });
    }

    /// <summary>Applies a progress line of a child to this channel; false when <paramref name="line"/> is not one.</summary>
    public bool TryApplyLine(string line)
    {
        if (!line.StartsWith(LinePrefix, StringComparison.Ordinal))
            return false;
        try
        {
            var report = System.Text.Json.JsonSerializer.Deserialize<ProgressLine>(line[LinePrefix.Length..], LineFormat);
            if (report is not null)
                Update(a => a with { LastEpoch = report.Epoch, LastStep = report.Step });
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return true;
    }

    private static readonly System.Text.Json.JsonSerializerOptions LineFormat = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private sealed record ProgressLine(EpochProgress? Epoch, StepProgress? Step);

    private sealed class Scope(Action leave) : IDisposable
    {
        private int left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref left, 1) == 0)
                leave();
        }
    }
}
