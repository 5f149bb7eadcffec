using System.Diagnostics;
using TorchSharp.Modules;

namespace Repro.Experiments.Training;

/// <summary>The standard way an experiment trains one classifier: the loop plus logging, evaluation and progress hooks.</summary>
public static class ClassifierRun
{
    public static Device DeviceOf(RunContext context) => context.Device == "cuda" ? torch.CUDA : torch.CPU;

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/>, evaluating on each of <paramref name="evaluate"/>
    /// after every epoch, and returns the last evaluations by split plus the training time in seconds.
    /// </summary>
    public static (Dictionary<string, Evaluation> evaluations, double seconds, TrainingState state) Train(
        torch.nn.Module<Tensor, Tensor> model, TensorDataset train, TrainOptions options, RunContext context,
        Augmentation? augmentation = null, string metricPrefix = "", long? seed = null, IEnumerable<Parameter>? parameters = null,
        params (string split, TensorDataset data)[] evaluate)
    {
        var evaluation = new EvaluationHook(context.Metrics, 1, evaluate.Select(e => (metricPrefix + e.split, e.data)).ToArray());
        var trainer = new Trainer(options, seed ?? context.Seed)
            .Add(new LossLogHook(context.Metrics, options.LogEvery, metricPrefix))
            .Add(evaluation)
            .Add(new ProgressHook(context.Progress, context.Log))
            .Add(new CancellationHook(context.Cancel));
        var clock = Stopwatch.StartNew();
        var state = trainer.Fit(model, train, augmentation, parameters);
        return (evaluation.Last, clock.Elapsed.TotalSeconds, state);
    }
}
