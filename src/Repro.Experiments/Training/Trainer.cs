using TorchSharp.Modules;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Training;

/// <summary>What hooks see and may change while training runs.</summary>
public sealed class TrainingState
{
    public required torch.nn.Module<Tensor, Tensor> Model { get; init; }
    public required torch.optim.Optimizer Optimizer { get; init; }
    public required TrainOptions Options { get; init; }
    public required int StepsPerEpoch { get; init; }
    public int Epoch { get; internal set; }
    /// <summary>Optimiser steps taken so far (1 after the first update).</summary>
    public long Step { get; internal set; }
    public double Loss { get; internal set; }
    public int BatchCorrect { get; internal set; }
    public int BatchSize { get; internal set; }
    /// <summary>Set by a hook to end training after the current step or epoch.</summary>
    public bool StopRequested { get; set; }
}

/// <summary>Extension points of the training loop: logging, evaluation, schedules, early stopping, progress.</summary>
public interface ITrainingHook
{
    void BeforeTrain(TrainingState state) { }
    void BeforeStep(TrainingState state) { }
    void AfterStep(TrainingState state) { }
    void AfterEpoch(TrainingState state) { }
}

/// <summary>
/// What one training step minimises on a batch: the logits whose batch accuracy is logged, and the loss to
/// back-propagate (e.g. Goodfellow et al.'s adversarial objective).
/// </summary>
public delegate (Tensor logits, Tensor loss) TrainingObjective(torch.nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels);

/// <summary>
/// The training loop: shuffled batches, forward, cross-entropy (or <see cref="Objective"/>), backward, optimiser
/// step, one dispose scope per step. Everything else is a hook. A non-finite loss ends the run with
/// <see cref="NonFiniteLossException"/>.
/// </summary>
public sealed class Trainer
{
    readonly List<ITrainingHook> hooks = new();

    public Trainer(TrainOptions options, long seed)
    {
        Options = options;
        Seed = seed;
    }

    public TrainOptions Options { get; }
    public long Seed { get; }

    /// <summary>The loss of a step; null for cross-entropy of the model's logits on the batch.</summary>
    public TrainingObjective? Objective { get; init; }

    public Trainer Add(ITrainingHook hook)
    {
        hooks.Add(hook);
        return this;
    }

    public static torch.optim.Optimizer CreateOptimizer(TrainOptions options, IEnumerable<Parameter> parameters) =>
        options.Optimizer switch
        {
            OptimizerKind.Sgd => torch.optim.SGD(parameters, options.LearningRate, options.Momentum, 0, options.WeightDecay, options.Nesterov),
            OptimizerKind.Adam => torch.optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            // Decoupled weight decay (Loshchilov & Hutter): each step shrinks weights by lr * weight_decay, as SGD's
            // decay does, instead of adding an L2 gradient that Adam's per-weight scaling inflates for rarely
            // updated weights.
            OptimizerKind.AdamW => torch.optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
        };

    /// <summary>Trains the parameters that require grad (all unless some were frozen) and returns the final state.</summary>
    public TrainingState Fit(torch.nn.Module<Tensor, Tensor> model, TensorDataset train, Augmentation? augmentation = null, IEnumerable<Parameter>? parameters = null)
    {
        var trainable = (parameters ?? model.parameters()).Where(p => p.requires_grad).ToList();
        using var optimizer = CreateOptimizer(Options, trainable);
        var order = new BatchOrder(train.Count, Options.BatchSize, Seed, shuffle: true, dropLast: !Options.KeepLastBatch);
        var rng = new SeededRandom(Seed, "augmentation");
        var state = new TrainingState { Model = model, Optimizer = optimizer, Options = Options, StepsPerEpoch = order.BatchCount };
        var schedule = new LearningRateSchedule(Options, order.BatchCount);
        // The run's progress channel, when this trains inside a run: every step reaches the live display.
        var progress = Running.RunProgress.Current;
        long totalSteps = Options.MaxSteps is { } cap ? Math.Min(cap, (long)order.BatchCount * Options.Epochs) : (long)order.BatchCount * Options.Epochs;
        model.train();
        foreach (var h in hooks) h.BeforeTrain(state);
        for (var epoch = 0; epoch < Options.Epochs && !state.StopRequested; epoch++)
        {
            state.Epoch = epoch;
            foreach (var batch in order.Batches(epoch))
            {
                optimizer.SetLearningRate(schedule.At(state.Step));
                foreach (var h in hooks) h.BeforeStep(state);
                Step(model, optimizer, train, batch, augmentation is { IsRandom: true } ? augmentation : null, rng, state, Objective);
                foreach (var h in hooks) h.AfterStep(state);
                progress?.Step(new Running.StepProgress(epoch + 1, Options.Epochs, state.Step, totalSteps, state.Loss));
                if (state.StopRequested || (Options.MaxSteps is { } max && state.Step >= max))
                {
                    state.StopRequested = true;
                    break;
                }
            }
            state.Epoch = epoch + 1;
            foreach (var h in hooks) h.AfterEpoch(state);
        }
        return state;
    }

    static void Step(torch.nn.Module<Tensor, Tensor> model, torch.optim.Optimizer optimizer, TensorDataset train, int[] rows,
        Augmentation? augmentation, SeededRandom rng, TrainingState state, TrainingObjective? objective)
    {
        using var scope = torch.NewDisposeScope();
        var (images, labels) = augmentation is null ? train.Batch(rows) : train.AugmentedBatch(rows, augmentation, rng);
        Tensor logits, loss;
        if (objective is null)
        {
            logits = model.forward(images);
            loss = F.cross_entropy(logits, labels);
        }
        else
        {
            (logits, loss) = objective(model, images, labels);
        }
        var value = loss.ToDouble();
        if (!double.IsFinite(value)) throw new NonFiniteLossException($"training loss became {value} at step {state.Step + 1} (epoch {state.Epoch + 1})");
        optimizer.ClearGradients();
        loss.backward();
        optimizer.step();
        state.Step++;
        state.Loss = value;
        state.BatchSize = rows.Length;
        using (torch.no_grad())
            state.BatchCorrect = (int)logits.argmax(1).eq(labels).sum().ToInt64();
    }
}

/// <summary>The learning rate at a step: warm-up, then constant, step decay or cosine.</summary>
public sealed class LearningRateSchedule
{
    readonly TrainOptions options;
    readonly long stepsPerEpoch;

    public LearningRateSchedule(TrainOptions options, long stepsPerEpoch)
    {
        this.options = options;
        this.stepsPerEpoch = Math.Max(1, stepsPerEpoch);
    }

    public double At(long step)
    {
        var lr = options.LearningRate;
        var total = options.MaxSteps ?? stepsPerEpoch * options.Epochs;
        lr *= options.Schedule switch
        {
            LearningRateDecay.Constant => 1,
            LearningRateDecay.Step => Math.Pow(options.Gamma, step / stepsPerEpoch / Math.Max(1, options.StepEpochs)),
            LearningRateDecay.Cosine => 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, total) / Math.Max(1, total))),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, "unknown schedule"),
        };
        if (options.WarmupSteps > 0 && step < options.WarmupSteps) lr *= (step + 1.0) / options.WarmupSteps;
        return lr;
    }
}
