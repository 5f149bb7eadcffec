using Serilog;

namespace Repro.Experiments.Training;

/// <summary>Logs the mean training loss and batch accuracy every <c>every</c> steps (split "<c>prefix</c>train").</summary>
public sealed class LossLogHook(MetricsLog metrics, int every, string prefix = "") : ITrainingHook
{
    double lossSum;
    long correct, seen, steps;

    public void AfterStep(TrainingState s)
    {
        lossSum += s.Loss;
        correct += s.BatchCorrect;
        seen += s.BatchSize;
        steps++;
        if (steps >= Math.Max(1, every) || s.Step == 1) Flush(s.Step);
    }

    public void AfterEpoch(TrainingState s)
    {
        if (steps > 0) Flush(s.Step);
    }

    void Flush(long step)
    {
        metrics.Log(step, prefix + "train", "loss", lossSum / steps);
        metrics.Log(step, prefix + "train", "batch_accuracy", (double)correct / seen);
        lossSum = 0;
        correct = seen = steps = 0;
    }
}

/// <summary>Evaluates the model on named data sets after each epoch and logs loss and accuracy.</summary>
public sealed class EvaluationHook : ITrainingHook
{
    readonly MetricsLog metrics;
    readonly IReadOnlyList<(string split, TensorDataset data)> sets;
    readonly int everyEpochs;

    public EvaluationHook(MetricsLog metrics, int everyEpochs, params (string split, TensorDataset data)[] sets)
    {
        this.metrics = metrics;
        this.sets = sets;
        this.everyEpochs = Math.Max(1, everyEpochs);
    }

    public Dictionary<string, Evaluation> Last { get; } = new();

    public void AfterEpoch(TrainingState s)
    {
        if (s.Epoch % everyEpochs != 0 && !s.StopRequested && s.Epoch != s.Options.Epochs) return;
        foreach (var (split, data) in sets)
        {
            var e = Evaluator.Evaluate(s.Model, data);
            Last[split] = e;
            metrics.Log(s.Step, split, "loss", e.Loss);
            metrics.Log(s.Step, split, "accuracy", e.Accuracy);
            metrics.Log(s.Step, split, "epoch", s.Epoch);
        }
    }
}

/// <summary>Reports epochs to the progress display and the run log.</summary>
public sealed class ProgressHook(IProgress<EpochProgress> progress, ILogger log) : ITrainingHook
{
    public void AfterEpoch(TrainingState s)
    {
        progress.Report(new EpochProgress(s.Epoch, s.Options.Epochs, $"loss {s.Loss:F4}"));
        log.Information("epoch {Epoch}/{Epochs} step {Step} loss {Loss:F4}", s.Epoch, s.Options.Epochs, s.Step, s.Loss);
    }
}

/// <summary>
/// Stops training at the next step once <paramref name="cancel"/> is signalled (the first Ctrl+C): throws
/// <see cref="OperationCanceledException"/>, which abandons the run in flight.
/// </summary>
public sealed class CancellationHook(CancellationToken cancel) : ITrainingHook
{
    public void BeforeStep(TrainingState s) => cancel.ThrowIfCancellationRequested();

    public void AfterEpoch(TrainingState s) => cancel.ThrowIfCancellationRequested();
}
