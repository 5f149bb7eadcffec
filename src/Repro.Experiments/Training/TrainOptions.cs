namespace Repro.Experiments.Training;

/// <summary>The optimisation schedule of one training run (the `train:` section of a config).</summary>
public sealed class TrainOptions
{
    public int Epochs { get; set; } = 2;

    public int BatchSize { get; set; } = 128;

    /// <summary>sgd, adam (L2 added to the gradient, as torch.optim.Adam) or adamw (decoupled weight decay).</summary>
    public string Optimizer { get; set; } = "sgd";

    public double LearningRate { get; set; } = 0.05;

    public double Momentum { get; set; } = 0.9;

    public bool Nesterov { get; set; }

    public double WeightDecay { get; set; }

    /// <summary>constant, step (multiply by gamma every step_epochs) or cosine (to zero over the run).</summary>
    public string Schedule { get; set; } = "constant";

    public int StepEpochs { get; set; } = 1;

    public double Gamma { get; set; } = 0.1;

    /// <summary>Linear warm-up over this many steps (helps a high learning rate start stably).</summary>
    public int WarmupSteps { get; set; }

    /// <summary>Training loss and batch accuracy are logged as means over this many steps.</summary>
    public int LogEvery { get; set; } = 50;

    /// <summary>Stop after this many steps even if epochs remain.</summary>
    public long? MaxSteps { get; set; }

    /// <summary>Keep the last batch of an epoch even when it is smaller than batch_size.</summary>
    public bool KeepLastBatch { get; set; } = true;

    /// <summary>A copy to adjust for one training (e.g. a step budget for a few-shot set) without touching the configured options.</summary>
    public TrainOptions Clone() => (TrainOptions)MemberwiseClone();
}
