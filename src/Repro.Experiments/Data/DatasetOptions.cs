namespace Repro.Experiments.Data;

/// <summary>
/// The <c>dataset:</c> section of an experiment's options: which data set, where, and which part of it. A plain
/// class with settable properties and defaults, bound from YAML by the config layer (snake_case keys).
/// </summary>
public sealed class DatasetOptions : ICheckedOptions
{
    /// <summary>fashion-mnist | mnist-idx | mnist-digits | cifar10 | image-folder.</summary>
    public string Name { get; set; } = DataSources.FashionMnist;

    /// <summary>Folder holding the data set's files; empty for the data set's default folder.</summary>
    public string? Root { get; set; }

    /// <summary>Train on this many training images (a seeded choice); empty for all.</summary>
    [AtLeast(1)]
    public int? TrainSubset { get; set; }

    /// <summary>Take <see cref="TrainSubset"/> equally from every class rather than at random.</summary>
    public bool ClassBalanced { get; set; }

    /// <summary>
    /// Train on exactly this many images of every class (Caltech-style "training images per class"). For data sets
    /// without a test split, the test set is then what remains of each class.
    /// </summary>
    [AtLeast(1)]
    public int? PerClass { get; set; }

    /// <summary>Test on at most this many images of every class; empty for all.</summary>
    [AtLeast(1)]
    public int? TestPerClass { get; set; }

    /// <summary>Test on this many test images (a seeded choice); empty for all.</summary>
    [AtLeast(1)]
    public int? TestSubset { get; set; }

    /// <summary>Fraction of every class held out for test, for data sets without a test split when per_class is unset.</summary>
    [Between(0, 1, AboveMinimum = true, BelowMaximum = true)]
    public double TestFraction { get; set; } = 0.2;

    /// <summary>
    /// Seed of every subset and split. It is separate from the run seed so that runs with different training seeds
    /// see the same images; sweep it to vary the data.
    /// </summary>
    public int SplitSeed { get; set; }

    /// <summary>Resize every image to image_size x image_size; empty keeps the data set's size (image-folder: 28).</summary>
    [AtLeast(1)]
    public int? ImageSize { get; set; }

    /// <summary>1 (grey) or 3 (RGB); empty keeps the data set's channels (image-folder: 3).</summary>
    public int? Channels { get; set; }

    /// <summary>Class folders an image-folder data set leaves out (e.g. BACKGROUND_Google in Caltech-101).</summary>
    public List<string> ExcludeClasses { get; set; } = new();

    /// <summary>Augmentation and normalisation of batches.</summary>
    public TransformOptions Transforms { get; set; } = new();

    /// <summary>A copy to adjust for one use (e.g. more training images) without touching the configured options.</summary>
    public DatasetOptions Clone() => (DatasetOptions)MemberwiseClone();

    public IEnumerable<OptionProblem> Problems()
    {
        if (!DataSources.Names.Contains(Name))
            yield return new(nameof(Name), $"names an unknown data set '{Name}'{KeyNames.Suggestion(Name, DataSources.Names)}");
        if (Channels is { } channels and not (1 or 3))
            yield return new(nameof(Channels), $"must be 1 or 3, got {channels}");
        if (ExcludeClasses.Count > 0 && Name != DataSources.ImageFolder)
            yield return new(nameof(ExcludeClasses), $"applies to {DataSources.ImageFolder} only, not {Name}");
        if (TrainSubset is not null && PerClass is not null)
            yield return new(nameof(PerClass), "cannot be set together with train_subset: set one of them");
    }
}

/// <summary>The <c>dataset.transforms:</c> section: what is done to every training and evaluation batch.</summary>
public sealed class TransformOptions : ICheckedOptions
{
    /// <summary>Random crop after padding every side with this many zero pixels; 0 for none.</summary>
    [AtLeast(0)]
    public int CropPadding { get; set; }

    /// <summary>Mirror training images left to right with probability 0.5.</summary>
    public bool HorizontalFlip { get; set; }

    /// <summary>Subtract the per-channel mean and divide by the standard deviation.</summary>
    public bool Normalize { get; set; }

    /// <summary>Per-channel means for <see cref="Normalize"/>; empty to compute them from the training set.</summary>
    public List<double>? Mean { get; set; }

    /// <summary>Per-channel standard deviations for <see cref="Normalize"/>; empty to compute them from the training set.</summary>
    [Positive]
    public List<double>? Std { get; set; }

    public IEnumerable<OptionProblem> Problems()
    {
        if ((Mean is null) != (Std is null))
            yield return new(Mean is null ? nameof(Std) : nameof(Mean), "needs both mean and std, or neither to compute them from the training set");
        else if (Mean is not null && Std is not null && Mean.Count != Std.Count)
            yield return new(nameof(Std), $"has {Std.Count} entries for {Mean.Count} means: one of each per channel");
    }
}
