using System.Runtime.Serialization;

namespace Repro.Experiments.Training;

/// <summary>The optimiser of a training run.</summary>
public enum OptimizerKind
{
    Sgd,

    /// <summary>L2 added to the gradient, as torch.optim.Adam.</summary>
    Adam,

    /// <summary>Decoupled weight decay (Loshchilov and Hutter).</summary>
    [EnumMember(Value = "adamw")]
    AdamW,
}

/// <summary>How the learning rate changes over a run, after the warm-up.</summary>
public enum LearningRateDecay
{
    Constant,

    /// <summary>Multiplied by gamma every step_epochs.</summary>
    Step,

    /// <summary>Half a cosine down to zero over the run.</summary>
    Cosine,
}

/// <summary>The optimisation schedule of one training run (the `train:` section of a config).</summary>
public sealed class TrainOptions : ICheckedOptions
{
    [AtLeast(1)]
    public int Epochs { get; set; } = 2;

    [AtLeast(1)]
    public int BatchSize { get; set; } = 128;

    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Sgd;

    [Positive]
    public double LearningRate { get; set; } = 0.05;

    /// <summary>SGD's momentum; a momentum of 1 or more never forgets a gradient and diverges.</summary>
    [Between(0, 1, BelowMaximum = true)]
    public double Momentum { get; set; } = 0.9;

    public bool Nesterov { get; set; }

    [AtLeast(0)]
    public double WeightDecay { get; set; }

    public LearningRateDecay Schedule { get; set; } = LearningRateDecay.Constant;

    [AtLeast(1)]
    public int StepEpochs { get; set; } = 1;

    [Positive]
    public double Gamma { get; set; } = 0.1;

    /// <summary>Linear warm-up over this many steps (helps a high learning rate start stably).</summary>
    [AtLeast(0)]
    public int WarmupSteps { get; set; }

    /// <summary>Training loss and batch accuracy are logged as means over this many steps.</summary>
    [AtLeast(1)]
    public int LogEvery { get; set; } = 50;

    /// <summary>Stop after this many steps even if epochs remain.</summary>
    [AtLeast(1)]
    public long? MaxSteps { get; set; }

    /// <summary>Keep the last batch of an epoch even when it is smaller than batch_size.</summary>
    public bool KeepLastBatch { get; set; } = true;

    /// <summary>A copy to adjust for one training (e.g. a step budget for a few-shot set) without touching the configured options.</summary>
    public TrainOptions Clone() => (TrainOptions)MemberwiseClone();

    public IEnumerable<OptionProblem> Problems()
    {
        if (Nesterov && Optimizer == OptimizerKind.Sgd && Momentum == 0)
            yield return new(nameof(Nesterov), "needs a momentum above 0");
    }
}
