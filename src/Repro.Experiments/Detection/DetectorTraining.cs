using Serilog;

namespace Repro.Experiments.Detection;

/// <summary>The optimisation settings every detector's network training shares.</summary>
public sealed class DetectorTrainOptions
{
    [AtLeast(1)]
    public int Epochs { get; set; } = 8;

    /// <summary>Images per optimiser step (Fast R-CNN's hierarchical sampling: N images, R/N regions each).</summary>
    [AtLeast(1)]
    public int ImagesPerBatch { get; set; } = 2;

    /// <summary>Adam's step size; divided by 10 for the epochs from <see cref="DropAt"/> on.</summary>
    [Positive]
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Fraction of the epochs after which the step size drops tenfold.</summary>
    [Between(0, 1)]
    public double DropAt { get; set; } = 0.75;

    [AtLeast(0)]
    public double WeightDecay { get; set; } = 5e-4;

    /// <summary>Log the training losses every this many steps.</summary>
    [AtLeast(1)]
    public int LogEvery { get; set; } = 20;

    public void Validate(string key) => OptionChecks.ThrowIfInvalid(this, key);

    public double RateAt(int epoch) => epoch >= (int)Math.Ceiling(Epochs * DropAt) ? LearningRate / 10 : LearningRate;
}

/// <summary>What a detector gets from the run while it trains: device, seed, logs and cancellation.</summary>
public sealed class DetectorContext
{
    public required Device Device { get; init; }

    public required long Seed { get; init; }

    public MetricsLog Metrics { get; init; } = new();

    public ILogger Log { get; init; } = Serilog.Core.Logger.None;

    public CancellationToken Cancel { get; init; }

    public IProgress<EpochProgress>? Progress { get; init; }

    /// <summary>Image batches of one epoch: a seeded permutation of the images cut into groups.</summary>
    public IEnumerable<int[]> Batches(string purpose, int epoch, int images, int perBatch)
    {
        var order = new SeededRandom(Seed, purpose, epoch).Permutation(images);
        for (int start = 0; start < images; start += perBatch)
            yield return order.Skip(start).Take(perBatch).ToArray();
    }

    /// <summary>Checks a step's loss and logs its parts every <paramref name="every"/> steps.</summary>
    public double CheckAndLog(long step, int epoch, int every, params (string name, Tensor value)[] losses)
    {
        double total = 0;
        var values = new double[losses.Length];
        for (int i = 0; i < losses.Length; i++)
        {
            values[i] = losses[i].value.detach().cpu().ToDouble();
            total += values[i];
        }
        if (!double.IsFinite(total))
            throw new NonFiniteLossException($"training loss became {total} at step {step} (epoch {epoch + 1}; {string.Join(", ", losses.Select((l, i) => $"{l.name} {values[i]}"))})");
        // The live display learns the epoch count from the epochs reported through Progress.
        RunProgress.Current?.Step(new StepProgress(epoch + 1, 0, step, 0, total));
        if (step % every == 0)
        {
            for (int i = 0; i < losses.Length; i++) Metrics.Log(step, "train", losses[i].name, values[i]);
            Metrics.Log(step, "train", "loss", total);
        }
        return total;
    }
}
