namespace Repro.Experiments.Data;

/// <summary>
/// The per-batch pipeline a training run applies, from <see cref="TransformOptions"/>: random crop with zero
/// padding, then horizontal flip, then normalisation (torchvision's order: padding is black in pixel space).
/// Evaluation batches get the normalisation only.
/// </summary>
public sealed class Augmentation
{
    public Augmentation(int channels, int height, int width, int cropPadding, bool horizontalFlip, ChannelStatistics? normalization)
    {
        if (cropPadding < 0) throw new ReproInputException($"dataset.transforms.crop_padding must not be negative, got {cropPadding}");
        if (normalization is not null && (normalization.Mean.Length != channels || normalization.Std.Length != channels))
            throw new ReproInputException(
                $"normalisation gives {normalization.Mean.Length} means and {normalization.Std.Length} standard deviations for {channels} channels");
        Channels = channels;
        Height = height;
        Width = width;
        CropPadding = cropPadding;
        HorizontalFlip = horizontalFlip;
        Normalization = normalization;
    }

    /// <summary>
    /// The pipeline the options ask for; normalisation statistics come from the options when given there, else
    /// from <paramref name="training"/> (never from test data).
    /// </summary>
    public static Augmentation Create(TransformOptions options, ImageSet training)
    {
        ChannelStatistics? statistics = null;
        if (options.Normalize)
        {
            if (options.Mean is { } mean && options.Std is { } std)
            {
                if (mean.Count != training.Channels || std.Count != training.Channels)
                    throw new ReproInputException(
                        $"dataset.transforms.mean and std need {training.Channels} values each (one per channel), got {mean.Count} and {std.Count}");
                if (std.Any(s => !(s > 0)))
                    throw new ReproInputException("dataset.transforms.std values must be positive");
                statistics = new ChannelStatistics(mean.Select(v => (float)v).ToArray(), std.Select(v => (float)v).ToArray());
            }
            else if (options.Mean is not null || options.Std is not null)
            {
                throw new ReproInputException("dataset.transforms: give both mean and std, or neither to compute them from the training set");
            }
            else
            {
                statistics = ChannelStatistics.Compute(training);
                for (int c = 0; c < statistics.Std.Length; c++)
                    if (!(statistics.Std[c] > 0)) statistics.Std[c] = 1f; // a constant channel: centring alone
            }
        }
        return new Augmentation(training.Channels, training.Height, training.Width, options.CropPadding, options.HorizontalFlip, statistics);
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int CropPadding { get; }
    public bool HorizontalFlip { get; }
    public ChannelStatistics? Normalization { get; }

    /// <summary>Whether training batches are changed at random (and so need a fresh draw every epoch).</summary>
    public bool IsRandom => CropPadding > 0 || HorizontalFlip;

    /// <summary>
    /// Augments and normalises <paramref name="count"/> images in place. Use one stream per epoch, e.g.
    /// <c>new SeededRandom(seed, "augmentation", epoch)</c>, drawn batch after batch in order.
    /// </summary>
    public void ApplyTraining(Span<float> images, int count, SeededRandom rng)
    {
        if (CropPadding > 0) ImageTransforms.RandomCrop(images, count, Channels, Height, Width, CropPadding, rng);
        if (HorizontalFlip) ImageTransforms.RandomHorizontalFlip(images, count, Channels, Height, Width, rng);
        ApplyEvaluation(images, count);
    }

    /// <summary>Normalises <paramref name="count"/> images in place (no randomness).</summary>
    public void ApplyEvaluation(Span<float> images, int count)
    {
        if (Normalization is { } n) ImageTransforms.Normalize(images, count, Channels, Height, Width, n.Mean, n.Std);
    }
}
