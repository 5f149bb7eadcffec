namespace Repro.Experiments.Experiments;

/// <summary>
/// The <c>few_shot:</c> section, the Caltech-table analogue: a network pretrained on all classes of the source
/// data set, then trained on a second task with K images per class, three ways.
/// </summary>
public sealed class FewShotOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The target task; all images it yields (train and test together) are the pool K per class is drawn from.</summary>
    public DatasetOptions Dataset { get; set; } = new() { Name = DataSources.MnistDigits };

    /// <summary>Training images per class (the paper's Caltech rows: 15, 30, 45, 60).</summary>
    [NotEmpty, Distinct, AtLeast(1)]
    public List<int> PerClass { get; set; } = [1, 5, 15, 30, 60];

    /// <summary>Test images per class, disjoint from every K's training images and the same for every K; empty for all the rest.</summary>
    [AtLeast(1)]
    public int? TestPerClass { get; set; } = 100;

    /// <summary>Optimiser steps of every few-shot training, whatever K (epochs follow from K and the batch size).</summary>
    [AtLeast(1)]
    public int Steps { get; set; } = 100;

    /// <summary>
    /// Learning rate when only the new classifier trains (off-the-shelf); empty for <c>train.learning_rate</c>. A
    /// single linear layer on fixed features takes a larger step than a whole network being fine-tuned.
    /// </summary>
    [Positive]
    public double? OffTheShelfLearningRate { get; set; }

    /// <summary>
    /// Training images per class of the network pretrained on all source classes; empty for the halves' own
    /// <c>dataset.per_class</c>. The pretrained net has twice the classes of a half, so it gets its own budget.
    /// </summary>
    [AtLeast(1)]
    public int? PretrainPerClass { get; set; }

    /// <summary>Epochs of the pretrained network; empty for <c>train.epochs</c>.</summary>
    [AtLeast(1)]
    public int? PretrainEpochs { get; set; }

    /// <summary>The schedule of the three few-shot trainings; epochs and max_steps are set from <see cref="Steps"/>.</summary>
    public TrainOptions Train { get; set; } = new() { Optimizer = OptimizerKind.Adam, LearningRate = 0.001, BatchSize = 64 };
}

public sealed class TransferOptions : ICheckedOptions
{
    /// <summary>The source data set, split by class into halves A and B.</summary>
    public DatasetOptions Dataset { get; set; } = new();

    public ZfNetOptions Model { get; set; } = new();

    /// <summary>The schedule of every network trained on a half or on the whole source set (base and transferred alike).</summary>
    public TrainOptions Train { get; set; } = new();

    /// <summary>Seed of the class halves A/B and of the few-shot per-class draws; sweep it for several splits.</summary>
    [AtLeast(0)]
    public int Split { get; set; }

    /// <summary>Copied depths n (1 .. L-1, L the network's layer count including the classifier).</summary>
    [NotEmpty, Distinct]
    public List<int> Depths { get; set; } = [1, 2, 3, 4, 5, 6, 7];

    public FewShotOptions FewShot { get; set; } = new();

    /// <summary>
    /// Run frozen layers in inference mode while the rest trains (their dropout off), so a frozen stack is a fixed
    /// feature extractor as in Razavian et al.'s and Zeiler and Fergus's off-the-shelf features; false keeps
    /// Caffe's behaviour (dropout of a frozen layer stays on in training).
    /// </summary>
    public bool FrozenInference { get; set; }

    public IEnumerable<OptionProblem> Problems()
    {
        // The classifier is always retrained, so at most every layer below it is copied.
        int layers = 8 - Model.RemovedLayers.Distinct().Count();
        foreach (var depth in Depths.Where(d => d < 1 || d > layers - 1).Distinct())
            yield return new(nameof(Depths), $"copies depth {depth}, outside 1..{layers - 1} (the network has {layers} layers)");
        foreach (var problem in OnlyNormalize("Dataset.Transforms", Dataset.Transforms))
            yield return problem;
        if (FewShot.Enabled)
            foreach (var problem in OnlyNormalize("FewShot.Dataset.Transforms", FewShot.Dataset.Transforms))
                yield return problem;
    }

    /// <summary>
    /// Transfer trains many networks on fixed tensors, so only normalisation is supported: random crops and flips
    /// would be silently skipped, which is worse than refusing them.
    /// </summary>
    static IEnumerable<OptionProblem> OnlyNormalize(string key, TransformOptions transforms)
    {
        if (transforms.CropPadding != 0)
            yield return new($"{key}.CropPadding", "must be 0: the transfer experiment supports only normalize (no augmentation)");
        if (transforms.HorizontalFlip)
            yield return new($"{key}.HorizontalFlip", "must be false: the transfer experiment supports only normalize (no augmentation)");
    }
}

/// <summary>
/// Transfer via fine-tuning. Yosinski et al. 2014 (Fig. 2): the source classes are split into halves A and B,
/// base networks are trained on each, and for every copied depth n four networks are trained on B: BnB (the
/// first n layers of baseB copied and frozen, the rest re-initialised), BnB+ (the same, all layers fine-tuned),
/// AnB and AnB+ (copied from baseA). Zeiler and Fergus 2014 (Caltech-101/256 tables): a network pretrained on the
/// whole source set, then trained on a second task with K images per class from scratch, with only a new
/// classifier on its frozen layers (off-the-shelf features, Razavian et al. 2014), or fine-tuned.
/// </summary>
public sealed class TransferExperiment : Experiment<TransferOptions>
{
    public override string Name => "transfer";

    public override string Description => "Yosinski BnB/BnB+/AnB/AnB+ vs copied depth; pretrained vs from scratch vs fine-tuned with K images per class";

    /// <summary>The four transfer arms, in Yosinski's order, with the base each copies from and what happens to the copy.</summary>
    public static IReadOnlyList<(string arm, string label, char from, CopiedLayers mode)> Arms { get; } =
    [
        ("bnb", "BnB", 'B', CopiedLayers.Frozen),
        ("bnb_plus", "BnB+", 'B', CopiedLayers.FineTuned),
        ("anb", "AnB", 'A', CopiedLayers.Frozen),
        ("anb_plus", "AnB+", 'A', CopiedLayers.FineTuned),
    ];

    /// <summary>The three ways of training on the few-shot task.</summary>
    public static IReadOnlyList<(string method, string label)> FewShotMethods { get; } =
    [
        ("scratch", "from scratch"),
        ("off_the_shelf", "pretrained, classifier retrained"),
        ("fine_tuned", "pretrained, fine-tuned"),
    ];

    public static string ArmMetric(string arm, int depth) => $"{arm}_n{depth}_accuracy";

    public static string FewShotMetric(string method, int perClass) => $"{method}_k{perClass}_accuracy";

    public override MeasureCatalog Measures { get; } = new(
    [
        "base_a_accuracy", "base_b_accuracy", "pretrained_accuracy", "pretrained_train_images", "classes_a", "classes_b",
        "train_images_b", "test_images_b", "few_shot_test_images", "train_seconds", "trainings",
        .. Arms.Select(a => ArmMetric(a.arm, 0).Replace("_n0_", "_n{n}_")),
        .. FewShotMethods.Select(m => FewShotMetric(m.method, 0).Replace("_k0_", "_k{n}_")),
        "anb_plus_minus_base_b_mean", "middle_n", "bnb_plus_minus_anb_middle_n", "bnb_minus_base_b_middle_n",
        "off_the_shelf_minus_scratch_min_k_le_15", "fine_tuned_minus_scratch_min_k_le_15", "largest_k",
        "fine_tuned_minus_off_the_shelf_largest_k",
    ]);

    public override RunResult Run(TransferOptions options, RunContext context)
    {
        var layerCount = 8 - options.Model.RemovedLayers.Distinct().Count();
        Validate(options, layerCount);
        var device = ClassifierRun.DeviceOf(context);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var source = Standardised(options.Dataset, context);
        var (classesA, classesB) = Sampling.ClassHalves(source.Train.ClassCount, options.Split);
        context.Log.Information("Class halves (split {Split}): A = {A}, B = {B}", options.Split,
            string.Join(", ", classesA.Select(c => source.Train.ClassNames[c])), string.Join(", ", classesB.Select(c => source.Train.ClassNames[c])));
        using var trainA = new TensorDataset(source.Train.SelectClasses(classesA), device);
        using var testA = new TensorDataset(source.Test.SelectClasses(classesA), device);
        using var trainB = new TensorDataset(source.Train.SelectClasses(classesB), device);
        using var testB = new TensorDataset(source.Test.SelectClasses(classesB), device);

        var fewShot = options.FewShot;
        int total = 2 + Arms.Count * options.Depths.Count + (fewShot.Enabled ? 1 + FewShotMethods.Count * fewShot.PerClass.Count : 0);
        var trainer = new Trainings(options, context, device, total);
        var summary = new List<(string, double)>
        {
            ("classes_a", classesA.Length),
            ("classes_b", classesB.Length),
            ("train_images_b", trainB.Count),
            ("test_images_b", testB.Count),
        };

        using var baseA = trainer.Network("base_a", classesA.Length, source.Train);
        summary.Add(("base_a_accuracy", trainer.Fit("base_a", baseA, trainA, testA, options.Train)));
        using var baseB = trainer.Network("base_b", classesB.Length, source.Train);
        summary.Add(("base_b_accuracy", trainer.Fit("base_b", baseB, trainB, testB, options.Train)));

        foreach (var depth in options.Depths)
            foreach (var (arm, _, from, mode) in Arms)
            {
                var name = $"{arm}_n{depth}";
                using var network = trainer.Network(name, classesB.Length, source.Train);
                LayerTransfer.Copy(from == 'A' ? baseA : baseB, network, depth, mode);
                summary.Add((ArmMetric(arm, depth), trainer.Fit(name, network, trainB, testB, options.Train)));
            }

        if (fewShot.Enabled) summary.AddRange(RunFewShot(options, context, device, source, trainer));
        summary.Add(("trainings", trainer.Done));
        summary.Add(("train_seconds", clock.Elapsed.TotalSeconds));
        return RunResult.Of(summary.ToArray());
    }

    static DataSplits Standardised(DatasetOptions dataset, RunContext context)
    {
        var loaded = DataSources.LoadTrainTest(dataset, context.DataRoot);
        var (train, test) = Standardise(dataset.Transforms, loaded.Train, loaded.Test);
        return loaded with { Train = train, Test = test };
    }

    static void Validate(TransferOptions options, int layerCount)
    {
        if (options.Depths.Count == 0) throw new ReproInputException("options.depths: expected at least one copied depth");
        if (options.Depths.Distinct().Count() != options.Depths.Count) throw new ReproInputException("options.depths: a depth is listed twice");
        foreach (var depth in options.Depths)
            if (depth < 1 || depth > layerCount - 1)
                throw new ReproInputException($"options.depths: copied depth {depth} is outside 1..{layerCount - 1} (the network has {layerCount} layers; the classifier is always retrained)");
        if (options.Split < 0) throw new ReproInputException($"options.split = {options.Split}: expected a seed of 0 or more");
        ValidateTransforms("options.dataset.transforms", options.Dataset.Transforms);
        var fewShot = options.FewShot;
        if (!fewShot.Enabled) return;
        ValidateTransforms("options.few_shot.dataset.transforms", fewShot.Dataset.Transforms);
        if (fewShot.PretrainPerClass is < 1) throw new ReproInputException($"options.few_shot.pretrain_per_class = {fewShot.PretrainPerClass}: expected at least 1");
        if (fewShot.PretrainEpochs is < 1) throw new ReproInputException($"options.few_shot.pretrain_epochs = {fewShot.PretrainEpochs}: expected at least 1");
        if (fewShot.PerClass.Count == 0) throw new ReproInputException("options.few_shot.per_class: expected at least one number of training images per class");
        if (fewShot.PerClass.Distinct().Count() != fewShot.PerClass.Count) throw new ReproInputException("options.few_shot.per_class: a value is listed twice");
        foreach (var k in fewShot.PerClass)
            if (k < 1) throw new ReproInputException($"options.few_shot.per_class: {k} images per class; expected at least 1");
        if (fewShot.TestPerClass is < 1) throw new ReproInputException($"options.few_shot.test_per_class = {fewShot.TestPerClass}: expected at least 1");
        if (fewShot.Steps < 1) throw new ReproInputException($"options.few_shot.steps = {fewShot.Steps}: expected at least 1");
        if (fewShot.OffTheShelfLearningRate is <= 0) throw new ReproInputException($"options.few_shot.off_the_shelf_learning_rate = {fewShot.OffTheShelfLearningRate}: expected a positive rate");
        if (fewShot.Train.BatchSize < 1) throw new ReproInputException($"options.few_shot.train.batch_size = {fewShot.Train.BatchSize}: expected at least 1");
    }

    /// <summary>
    /// Transfer trains many networks on fixed tensors, so only normalisation is supported: random crops and flips
    /// would be silently skipped, which is worse than refusing them.
    /// </summary>
    static void ValidateTransforms(string key, TransformOptions transforms)
    {
        if (transforms.CropPadding != 0) throw new ReproInputException($"{key}.crop_padding = {transforms.CropPadding}: the transfer experiment supports only normalize (no augmentation)");
        if (transforms.HorizontalFlip) throw new ReproInputException($"{key}.horizontal_flip: the transfer experiment supports only normalize (no augmentation)");
    }

    /// <summary>
    /// The training and test images standardised by the statistics of the training images when the transforms ask
    /// for it (given mean/std, else computed from <paramref name="train"/>, never from test data); else both as they are.
    /// Each data set is standardised by its own statistics, so a network pretrained on one sees the other in the
    /// same input range (Fashion-MNIST's mean pixel is about twice MNIST's).
    /// </summary>
    public static (ImageSet train, ImageSet test) Standardise(TransformOptions transforms, ImageSet train, ImageSet test)
    {
        var statistics = Augmentation.Create(transforms, train).Normalization;
        if (statistics is null) return (train, test);
        return (Normalised(train, statistics), Normalised(test, statistics));
    }

    static ImageSet Normalised(ImageSet images, ChannelStatistics statistics)
    {
        var pixels = (float[])images.Pixels.Clone();
        ImageTransforms.Normalize(pixels, images.Count, images.Channels, images.Height, images.Width, statistics.Mean, statistics.Std);
        return new ImageSet(pixels, images.Labels, images.ClassNames, images.Channels, images.Height, images.Width);
    }

    /// <summary>
    /// The train/test draws of the few-shot task: exactly K images of every class for training and, disjoint from
    /// them, the same test images for every K (taken from the far end of each class's seeded permutation).
    /// </summary>
    public static IReadOnlyList<(int perClass, IndexSplit split)> FewShotDraws(ImageSet pool, IReadOnlyList<int> perClass, int? testPerClass, long seed)
    {
        var largest = perClass.Max();
        var counts = pool.ClassCounts();
        for (var c = 0; c < counts.Length; c++)
            if (testPerClass is int t && counts[c] < largest + t)
                throw new ReproInputException(
                    $"options.few_shot: class '{pool.ClassNames[c]}' has {counts[c]} images, fewer than {largest} for training plus {t} for test");
        return perClass.Select(k => (k, Sampling.PerClass(pool.Labels, pool.ClassNames, k, seed, testPerClass))).ToList();
    }

    static IEnumerable<(string, double)> RunFewShot(TransferOptions options, RunContext context, Device device, DataSplits source, Trainings trainer)
    {
        var fewShot = options.FewShot;
        var parts = DataSources.LoadTrainTest(fewShot.Dataset, context.DataRoot);
        var pool = parts.Train.Concat(parts.Test);
        if (pool.Channels != source.Train.Channels || pool.Height != source.Train.Height || pool.Width != source.Train.Width)
            throw new ReproInputException(
                $"options.few_shot.dataset: {fewShot.Dataset.Name} images are {pool.Channels}x{pool.Height}x{pool.Width}, the network takes {source.Train.Channels}x{source.Train.Height}x{source.Train.Width}; set image_size/channels to match");
        var draws = FewShotDraws(pool, fewShot.PerClass, fewShot.TestPerClass, options.Split);

        var results = new List<(string, double)>();
        var pretrainSource = source;
        if (fewShot.PretrainPerClass is { } pretrainPerClass && pretrainPerClass != options.Dataset.PerClass)
        {
            var dataset = options.Dataset.Clone();
            dataset.PerClass = pretrainPerClass;
            pretrainSource = Standardised(dataset, context);
        }
        var pretrainSchedule = options.Train;
        if (fewShot.PretrainEpochs is { } epochs)
        {
            pretrainSchedule = options.Train.Clone();
            pretrainSchedule.Epochs = epochs;
        }
        using var sourceTrain = new TensorDataset(pretrainSource.Train, device);
        using var sourceTest = new TensorDataset(pretrainSource.Test, device);
        using var pretrained = trainer.Network("pretrained", pretrainSource.Train.ClassCount, pretrainSource.Train);
        results.Add(("pretrained_accuracy", trainer.Fit("pretrained", pretrained, sourceTrain, sourceTest, pretrainSchedule)));
        results.Add(("pretrained_train_images", sourceTrain.Count));
        // Everything but the classifier is copied: the target task's classes are new.
        var copied = pretrained.Layers.Count - 1;

        results.Add(("few_shot_test_images", draws[0].split.Test.Length));
        foreach (var (perClass, split) in draws)
        {
            // Standardised by this K's training images only: the test images stay unseen.
            var (trainImages, testImages) = Standardise(fewShot.Dataset.Transforms, pool.Subset(split.Train), pool.Subset(split.Test));
            using var train = new TensorDataset(trainImages, device);
            using var test = new TensorDataset(testImages, device);
            var schedule = FewShotSchedule(fewShot, train.Count);
            foreach (var (method, _) in FewShotMethods)
            {
                var name = $"{method}_k{perClass}";
                using var network = trainer.Network(name, pool.ClassCount, pool);
                if (method != "scratch")
                    LayerTransfer.Copy(pretrained, network, copied, method == "off_the_shelf" ? CopiedLayers.Frozen : CopiedLayers.FineTuned);
                var methodSchedule = schedule;
                if (method == "off_the_shelf" && fewShot.OffTheShelfLearningRate is { } rate)
                {
                    methodSchedule = schedule.Clone();
                    methodSchedule.LearningRate = rate;
                }
                results.Add((FewShotMetric(method, perClass), trainer.Fit(name, network, train, test, methodSchedule)));
            }
        }
        return results;
    }

    /// <summary>The few-shot schedule for a training set of <paramref name="images"/>: the same number of steps for every K.</summary>
    public static TrainOptions FewShotSchedule(FewShotOptions fewShot, int images)
    {
        var schedule = fewShot.Train.Clone();
        schedule.BatchSize = Math.Min(fewShot.Train.BatchSize, images);
        schedule.KeepLastBatch = true;
        var batches = (images + schedule.BatchSize - 1) / schedule.BatchSize;
        schedule.Epochs = (fewShot.Steps + batches - 1) / batches;
        schedule.MaxSteps = fewShot.Steps;
        return schedule;
    }

    /// <summary>
    /// Builds and trains the run's many networks, each seeded by (run seed, split, its name), so one network's
    /// weights do not depend on which others ran, and two splits with one seed still draw different networks.
    /// </summary>
    sealed class Trainings(TransferOptions options, RunContext context, Device device, int total)
    {
        public int Done { get; private set; }

        public ZfNet Network(string name, int classes, ImageSet shape)
        {
            torch.manual_seed(SeededRandom.MixSeed(context.Seed, "transfer-init:" + name, options.Split));
            var network = new ZfNet(options.Model, shape.Channels, shape.Height, classes);
            network.to(device);
            return network;
        }

        /// <summary>Trains, then evaluates once on the test set; logs the loss curve under "name_train" and the result under "name_test".</summary>
        public double Fit(string name, ZfNet network, TensorDataset train, TensorDataset test, TrainOptions schedule)
        {
            context.Cancel.ThrowIfCancellationRequested();
            // Dropout draws from torch's global generator: reseed so it too depends only on the network's name.
            torch.manual_seed(SeededRandom.MixSeed(context.Seed, "transfer-dropout:" + name, options.Split));
            var trainer = new Trainer(schedule, SeededRandom.MixSeed(context.Seed, "transfer-order:" + name, options.Split))
                .Add(new LossLogHook(context.Metrics, schedule.LogEvery, name + "_"));
            if (options.FrozenInference) trainer.Add(new FrozenLayersInInference(network));
            var state = trainer.Fit(network, train);
            var evaluation = Evaluator.Evaluate(network, test);
            context.Metrics.Log(state.Step, name + "_test", "accuracy", evaluation.Accuracy);
            context.Metrics.Log(state.Step, name + "_test", "loss", evaluation.Loss);
            Done++;
            context.Progress.Report(new EpochProgress(Done, total, name));
            context.Log.Information("{Name}: {Steps} steps on {Train} images, frozen layers [{Frozen}], test accuracy {Accuracy:F4} ({Done}/{Total})",
                name, state.Step, train.Count, string.Join(",", LayerTransfer.FrozenLayers(network)), evaluation.Accuracy, Done, total);
            return evaluation.Accuracy;
        }
    }

    /// <summary>Puts the frozen layers of a network into inference mode once the trainer has switched it to training.</summary>
    public sealed class FrozenLayersInInference(ZfNet network) : ITrainingHook
    {
        public void BeforeTrain(TrainingState state)
        {
            foreach (var layer in LayerTransfer.FrozenLayers(network)) network.Block(layer).eval();
        }
    }

    // ---------------------------------------------------------------- report

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.ToList();
        if (runs.Count == 0) return;
        ReportDepths(context, runs);
        ReportFewShot(context, runs);
    }

    static (double mean, double std, int count) Over(IEnumerable<RunRecord> runs, string metric) => RunStatistics.MeanStd(runs, metric);

    static ResultCell Percent((double mean, double std, int count) v) => RunStatistics.Cell(v, 100);

    /// <summary>The copied depths the runs measured, ascending, from their summary metric names.</summary>
    public static List<int> MeasuredDepths(IEnumerable<RunRecord> runs) =>
        runs.SelectMany(r => r.MetricNames)
            .Where(m => m.StartsWith("bnb_n", StringComparison.Ordinal) && m.EndsWith("_accuracy", StringComparison.Ordinal))
            .Select(m => int.Parse(m["bnb_n".Length..m.IndexOf('_', "bnb_n".Length)], CultureInfo.InvariantCulture))
            .Distinct().Order().ToList();

    /// <summary>The middle of the measured depths (the lower middle for an even count): n = 4 for 1..7.</summary>
    public static int MiddleDepth(IReadOnlyList<int> depths) => depths[(depths.Count - 1) / 2];

    static void ReportDepths(ReportContext context, List<RunRecord> runs)
    {
        var depths = MeasuredDepths(runs);
        var baseA = Over(runs, "base_a_accuracy");
        var baseB = Over(runs, "base_b_accuracy");
        if (baseB.count == 0 || depths.Count == 0) return;

        var bases = new ResultTable("base_networks", "Base networks: test accuracy on their own classes (Fashion-MNIST halves A and B; all ten classes)",
            ResultColumn.Text("network"), ResultColumn.Integer("runs"), ResultColumn.Number("accuracy", "test accuracy (%)", 2));
        bases.AddRow("baseA", baseA.count, Percent(baseA));
        bases.AddRow("baseB", baseB.count, Percent(baseB));
        var pretrained = Over(runs, "pretrained_accuracy");
        if (pretrained.count > 0)
        {
            bases.AddRow("pretrained (all classes)", pretrained.count, Percent(pretrained));
            context.AddMeasure("pretrained_accuracy", pretrained.mean);
        }
        context.AddTable(bases);
        context.AddMeasure("base_a_accuracy", baseA.mean);
        context.AddMeasure("base_b_accuracy", baseB.mean);

        var table = new ResultTable("transfer_by_depth",
            $"Top-1 accuracy on half B vs copied depth n (Yosinski et al. 2014, Fig. 2 analogue); baseB {100 * baseB.mean:F2}%, mean +- std over runs",
            ResultColumn.Integer("n", "copied layers n"), ResultColumn.Integer("runs"),
            ResultColumn.Number("bnb", "BnB (%)", 2), ResultColumn.Number("bnb_plus", "BnB+ (%)", 2),
            ResultColumn.Number("anb", "AnB (%)", 2), ResultColumn.Number("anb_plus", "AnB+ (%)", 2),
            ResultColumn.Number("anb_plus_minus_base_b", "AnB+ - baseB (points)", 2));
        var figure = new ResultTable("transfer_by_depth_points", "Accuracy on B per run and mean, by arm and copied depth",
            ResultColumn.Text("series"), ResultColumn.Number("n"), ResultColumn.Number("accuracy"));
        // Dots of the four arms side by side at each n, as in Yosinski's figure.
        var offsets = new[] { -0.15, -0.05, 0.05, 0.15 };
        foreach (var run in runs)
            if (run.Metric("base_b_accuracy") is { } b) figure.AddRow("base_b", 0.0, 100 * b);
        var anbPlusGap = new List<double>();
        foreach (var depth in depths)
        {
            var cells = new List<ResultCell> { depth, 0 };
            int count = 0;
            for (var a = 0; a < Arms.Count; a++)
            {
                var arm = Arms[a].arm;
                var v = Over(runs, ArmMetric(arm, depth));
                count = Math.Max(count, v.count);
                cells.Add(Percent(v));
                if (v.count == 0) continue;
                context.AddMeasure(ArmMetric(arm, depth), v.mean);
                figure.AddRow(arm + "_mean", depth, 100 * v.mean);
                foreach (var run in runs)
                    if (run.Metric(ArmMetric(arm, depth)) is { } x) figure.AddRow(arm, depth + offsets[a], 100 * x);
            }
            cells[1] = count;
            var anbPlus = Over(runs, ArmMetric("anb_plus", depth));
            if (anbPlus.count > 0)
            {
                anbPlusGap.Add(100 * (anbPlus.mean - baseB.mean));
                cells.Add(ResultCell.Of(100 * (anbPlus.mean - baseB.mean)));
            }
            else cells.Add(ResultCell.Empty);
            table.AddRow(cells.ToArray());
        }
        context.AddTable(table);

        if (anbPlusGap.Count > 0) context.AddMeasure("anb_plus_minus_base_b_mean", anbPlusGap.Average());
        var middle = MiddleDepth(depths);
        context.AddMeasure("middle_n", middle);
        var bnbPlusMiddle = Over(runs, ArmMetric("bnb_plus", middle));
        var anbMiddle = Over(runs, ArmMetric("anb", middle));
        if (bnbPlusMiddle.count > 0 && anbMiddle.count > 0)
            context.AddMeasure("bnb_plus_minus_anb_middle_n", 100 * (bnbPlusMiddle.mean - anbMiddle.mean));
        var bnbMiddle = Over(runs, ArmMetric("bnb", middle));
        if (bnbMiddle.count > 0) context.AddMeasure("bnb_minus_base_b_middle_n", 100 * (bnbMiddle.mean - baseB.mean));

        string[] colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
        var series = new List<FigureSeries>
        {
            new FigureSeries("baseB", "n", "accuracy") { Style = SeriesStyle.Points, Colour = "#000000" }.Where("series", "base_b"),
        };
        for (var a = 0; a < Arms.Count; a++)
        {
            series.Add(new FigureSeries(Arms[a].label, "n", "accuracy") { Style = SeriesStyle.Points, Colour = colours[a] }.Where("series", Arms[a].arm));
            // An empty title keeps the mean line out of the key; its colour ties it to the dots.
            series.Add(new FigureSeries("", "n", "accuracy") { Style = SeriesStyle.Lines, Colour = colours[a] }.Where("series", Arms[a].arm + "_mean"));
        }
        context.AddFigure(FigureSpec.Plot("accuracy_vs_depth", "Transfer from A or B, frozen or fine-tuned (Yosinski et al. 2014, Fig. 2 analogue)", figure,
            new PlotPanel
            {
                Title = "accuracy on B vs copied layers", XLabel = "layers n copied (0 = baseB)", YLabel = "top-1 test accuracy on B (%)",
                Series = series, ReferenceLines = [new ReferenceLine("baseB mean", 100 * baseB.mean)], KeyPosition = "bottom left",
            }));
    }

    static void ReportFewShot(ReportContext context, List<RunRecord> runs)
    {
        var perClass = runs.SelectMany(r => r.MetricNames)
            .Where(m => m.StartsWith("scratch_k", StringComparison.Ordinal) && m.EndsWith("_accuracy", StringComparison.Ordinal))
            .Select(m => int.Parse(m["scratch_k".Length..m.IndexOf('_', "scratch_k".Length)], CultureInfo.InvariantCulture))
            .Distinct().Order().ToList();
        if (perClass.Count == 0) return;
        var target = runs[0].Options<TransferOptions>().FewShot.Dataset.Name;

        var reference = context.ReferenceData("zeiler_fergus_caltech.csv");
        int datasetColumn = reference.Require("dataset"), perClassColumn = reference.Require("train_per_class"),
            modelColumn = reference.Require("model"), accuracyColumn = reference.Require("accuracy"), stdColumn = reference.Require("std");
        var paper = new Dictionary<(string dataset, int k, string model), (double mean, double std)>();
        foreach (var r in reference.Records)
            paper[(r[datasetColumn], (int)reference.Integer(r, perClassColumn), r[modelColumn])] =
                (reference.Number(r, accuracyColumn), reference.Number(r, stdColumn));
        ResultCell Paper(string dataset, int k, string model) =>
            paper.TryGetValue((dataset, k, model), out var p) ? ResultCell.Of(p.mean, p.std) : ResultCell.Empty;

        var table = new ResultTable("pretrained_vs_scratch",
            $"{target} with K training images per class: from scratch vs pretrained on Fashion-MNIST, beside the paper's Caltech rows (Zeiler & Fergus 2014), mean +- std over runs",
            ResultColumn.Integer("k", "images per class K"), ResultColumn.Integer("runs"),
            ResultColumn.Number("scratch", "from scratch (%)", 1), ResultColumn.Number("off_the_shelf", "pretrained, classifier retrained (%)", 1),
            ResultColumn.Number("fine_tuned", "pretrained, fine-tuned (%)", 1),
            ResultColumn.Number("paper_caltech101_scratch", "paper: Caltech-101 non-pretrained (%)", 1),
            ResultColumn.Number("paper_caltech101_pretrained", "paper: Caltech-101 ImageNet-pretrained (%)", 1),
            ResultColumn.Number("paper_caltech256_scratch", "paper: Caltech-256 non-pretrained (%)", 1),
            ResultColumn.Number("paper_caltech256_pretrained", "paper: Caltech-256 ImageNet-pretrained (%)", 1));
        var figure = new ResultTable("accuracy_vs_k_points", "Accuracy vs training images per class",
            ResultColumn.Text("series"), ResultColumn.Integer("k"), ResultColumn.Number("accuracy"), ResultColumn.Number("std"));
        var means = new Dictionary<(string method, int k), double>();
        // Measured K and the paper's K in one ascending list; a paper-only K gets a row of Caltech numbers only.
        foreach (var k in perClass.Union(paper.Keys.Select(p => p.k)).Order())
        {
            var cells = new List<ResultCell> { k, 0 };
            var count = 0;
            foreach (var (method, _) in FewShotMethods)
            {
                var v = Over(runs, FewShotMetric(method, k));
                count = Math.Max(count, v.count);
                cells.Add(Percent(v));
                if (v.count == 0) continue;
                means[(method, k)] = v.mean;
                context.AddMeasure(FewShotMetric(method, k), v.mean);
                figure.AddRow(method, k, 100 * v.mean, 100 * v.std);
            }
            cells[1] = count;
            if (count == 0) cells = [k, 0, ResultCell.Empty, ResultCell.Empty, ResultCell.Empty];
            cells.Add(Paper("caltech101", k, "non-pretrained"));
            cells.Add(Paper("caltech101", k, "imagenet-pretrained"));
            cells.Add(Paper("caltech256", k, "non-pretrained"));
            cells.Add(Paper("caltech256", k, "imagenet-pretrained"));
            table.AddRow(cells.ToArray());
        }
        foreach (var ((dataset, k, model), p) in paper.OrderBy(p => p.Key.dataset).ThenBy(p => p.Key.model).ThenBy(p => p.Key.k))
            figure.AddRow($"paper_{dataset}_{model}", k, p.mean, p.std);
        context.AddTable(table);

        // The paper's "pretrained" rows keep the ImageNet layers fixed and train a new softmax: off-the-shelf here.
        var small = perClass.Where(k => k <= 15 && means.ContainsKey(("scratch", k)) && means.ContainsKey(("off_the_shelf", k))).ToList();
        if (small.Count > 0)
            context.AddMeasure("off_the_shelf_minus_scratch_min_k_le_15", small.Min(k => 100 * (means[("off_the_shelf", k)] - means[("scratch", k)])));
        var fineSmall = perClass.Where(k => k <= 15 && means.ContainsKey(("scratch", k)) && means.ContainsKey(("fine_tuned", k))).ToList();
        if (fineSmall.Count > 0)
            context.AddMeasure("fine_tuned_minus_scratch_min_k_le_15", fineSmall.Min(k => 100 * (means[("fine_tuned", k)] - means[("scratch", k)])));
        var largest = perClass.Max();
        context.AddMeasure("largest_k", largest);
        if (means.ContainsKey(("fine_tuned", largest)) && means.ContainsKey(("off_the_shelf", largest)))
            context.AddMeasure("fine_tuned_minus_off_the_shelf_largest_k", 100 * (means[("fine_tuned", largest)] - means[("off_the_shelf", largest)]));

        var series = new List<FigureSeries>
        {
            new FigureSeries($"{target}: from scratch", "k", "accuracy") { YError = "std", Style = SeriesStyle.ErrorLines, Colour = "#d62728" }.Where("series", "scratch"),
            new FigureSeries($"{target}: pretrained, classifier retrained", "k", "accuracy") { YError = "std", Style = SeriesStyle.ErrorLines, Colour = "#1f77b4" }.Where("series", "off_the_shelf"),
            new FigureSeries($"{target}: pretrained, fine-tuned", "k", "accuracy") { YError = "std", Style = SeriesStyle.ErrorLines, Colour = "#2ca02c" }.Where("series", "fine_tuned"),
            new FigureSeries("paper: Caltech-101 non-pretrained", "k", "accuracy") { Style = SeriesStyle.LinesPoints, Colour = "#ff9896" }.Where("series", "paper_caltech101_non-pretrained"),
            new FigureSeries("paper: Caltech-101 ImageNet-pretrained", "k", "accuracy") { Style = SeriesStyle.LinesPoints, Colour = "#aec7e8" }.Where("series", "paper_caltech101_imagenet-pretrained"),
            new FigureSeries("paper: Caltech-256 non-pretrained", "k", "accuracy") { Style = SeriesStyle.Points, Colour = "#ff9896" }.Where("series", "paper_caltech256_non-pretrained"),
            new FigureSeries("paper: Caltech-256 ImageNet-pretrained", "k", "accuracy") { Style = SeriesStyle.Points, Colour = "#aec7e8" }.Where("series", "paper_caltech256_imagenet-pretrained"),
        };
        context.AddFigure(FigureSpec.Plot("accuracy_vs_k", "Pretrained vs from scratch with K training images per class (Zeiler & Fergus Caltech-table analogue)", figure,
            new PlotPanel
            {
                Title = "accuracy vs training images per class", XLabel = "training images per class K", YLabel = "test accuracy (%)",
                LogX = true, YMin = 0, YMax = 100, Series = series, KeyPosition = "below",
            }));
    }
}
