using System.Runtime.Serialization;

namespace Repro.Experiments.Experiments;

/// <summary>The network a random-labels run trains.</summary>
public enum LabelFitModel
{
    /// <summary>The ZF-style ConvNet.</summary>
    Zf,

    /// <summary>Zhang's MLP with one hidden layer.</summary>
    Mlp,
}

/// <summary>What the network sees in place of the images (Zhang et al.'s corrupted inputs).</summary>
public enum InputCondition
{
    Images,

    /// <summary>One fixed permutation of the pixels, the same for every image.</summary>
    [EnumMember(Value = "shuffled-pixels")]
    ShuffledPixels,

    /// <summary>A fresh random permutation for every image.</summary>
    [EnumMember(Value = "random-pixels")]
    RandomPixels,

    /// <summary>Gaussian noise with the training images' per-channel mean and standard deviation.</summary>
    Gaussian,
}

/// <summary>
/// One point of the study (what a sweep varies): the model, the input condition, the label corruption level and
/// which regularisers are on.
/// </summary>
public sealed class RandomLabelsSetting
{
    /// <summary>zf (the ZF-style ConvNet) or mlp (one hidden layer).</summary>
    public LabelFitModel Model { get; set; } = LabelFitModel.Zf;

    /// <summary>images, shuffled-pixels, random-pixels or gaussian.</summary>
    public InputCondition Inputs { get; set; } = InputCondition.Images;

    /// <summary>Probability p that a label is replaced by a uniformly random class: 0 true labels, 1 random labels.</summary>
    [Between(0, 1)]
    public double LabelCorruption { get; set; }

    /// <summary>Random crops and horizontal flips of training batches.</summary>
    public bool Augmentation { get; set; }

    public bool Dropout { get; set; }

    public bool WeightDecay { get; set; }
}

/// <summary>How strong each regulariser is when the setting turns it on.</summary>
public sealed class RegulariserOptions
{
    [AtLeast(0)]
    public int CropPadding { get; set; } = 2;

    public bool HorizontalFlip { get; set; } = true;

    [Between(0, 1, BelowMaximum = true)]
    public double Dropout { get; set; } = 0.5;

    [AtLeast(0)]
    public double WeightDecay { get; set; } = 0.0005;
}

/// <summary>When a run counts as having fitted its training set, and whether it stops there.</summary>
public sealed class FitOptions
{
    /// <summary>Training accuracy (whole training set, eval mode, checked after every epoch) that counts as fitted.</summary>
    [Between(0, 1, AboveMinimum = true)]
    public double Threshold { get; set; } = 0.99;

    /// <summary>End training once fitted (plus <see cref="EpochsAfterFit"/>); train.epochs stays the cap.</summary>
    public bool StopWhenFitted { get; set; } = true;

    [AtLeast(0)]
    public int EpochsAfterFit { get; set; }
}

public sealed class RandomLabelsOptions : ICheckedOptions
{
    public DatasetOptions Dataset { get; set; } = new();

    public RandomLabelsSetting Setting { get; set; } = new();

    public RegulariserOptions Regularisers { get; set; } = new();

    /// <summary>The ZF-style net; its dropout comes from setting.dropout and regularisers.dropout.</summary>
    public ZfNetOptions Zf { get; set; } = new() { Dropout = 0 };

    /// <summary>Zhang's MLP 1x512; its dropout comes from setting.dropout and regularisers.dropout.</summary>
    public MlpOptions Mlp { get; set; } = new();

    /// <summary>The schedule; its weight decay comes from setting.weight_decay and regularisers.weight_decay.</summary>
    public TrainOptions Train { get; set; } = new() { Optimizer = OptimizerKind.Adam, LearningRate = 0.001, Epochs = 100, BatchSize = 100 };

    public FitOptions Fit { get; set; } = new();

    /// <summary>One switch per regulariser: a second place to set the same thing would make the table lie about what ran.</summary>
    public IEnumerable<OptionProblem> Problems()
    {
        if (Zf.Dropout != 0)
            yield return new("Zf.Dropout", "must stay 0: set dropout with options.setting.dropout (on/off) and options.regularisers.dropout (rate)");
        if (Mlp.Dropout != 0)
            yield return new("Mlp.Dropout", "must stay 0: set dropout with options.setting.dropout (on/off) and options.regularisers.dropout (rate)");
        if (Train.WeightDecay != 0)
            yield return new("Train.WeightDecay", "must stay 0: set weight decay with options.setting.weight_decay (on/off) and options.regularisers.weight_decay");
        var t = Dataset.Transforms;
        if (t.CropPadding != 0 || t.HorizontalFlip || t.Normalize)
            yield return new("Dataset.Transforms", "must stay off: set augmentation with options.setting.augmentation and options.regularisers");
    }
}

/// <summary>
/// Zhang et al. (ICLR 2017), "Understanding deep learning requires rethinking generalization": a network fits
/// corrupted labels and corrupted inputs, and explicit regularisers do not stop it. One run trains one model on one
/// condition; the corruption is drawn once from the run seed. The report builds the Table 1 analogue and
/// Fig. 1a/1b/1c from the runs' CSV files.
/// </summary>
public sealed class RandomLabelsExperiment : Experiment<RandomLabelsOptions>
{
    // The models and input conditions as the runs' configs write them, which is how the report reads them back.
    public const string ZfModel = "zf";
    public const string MlpModel = "mlp";
    public const string Images = "images";
    public const string ShuffledPixels = "shuffled-pixels";
    public const string RandomPixels = "random-pixels";
    public const string Gaussian = "gaussian";

    public static readonly IReadOnlyList<string> Models = [ZfModel, MlpModel];

    public override MeasureCatalog Measures { get; } = new(
    [
        "chance_accuracy", "epochs", "epochs_to_fit", "fitted", "labels_changed", "parameters", "steps", "steps_to_fit",
        "test_accuracy", "test_accuracy_corrupted", "test_error", "test_error_corrupted", "test_loss", "train_accuracy",
        "train_accuracy_true_labels", "train_images", "train_loss", "train_seconds",
        "random_labels_train_accuracy_min", "random_labels_test_accuracy_distance_from_chance_max",
        "random_labels_regularised_train_accuracy_min", "unregularised_runs_not_fitted",
        .. new[] { "steps_to_fit", "test_error" }.SelectMany(n => Models.Append("min").Select(m => $"{n}_rank_correlation_{m}")),
        .. Models.Select(m => $"true_labels_test_accuracy_{m}"),
    ]);
    public static readonly IReadOnlyList<string> InputConditions = [Images, ShuffledPixels, RandomPixels, Gaussian];

    public override string Name => "random-labels";

    public override string Description =>
        "Random-label fitting (Zhang et al. 2017): corrupted labels and inputs, regularisers on/off, ZF-style net and MLP";

    /// <summary>Training and test sets after the setting's corruption, with the test labels both clean and corrupted.</summary>
    public sealed record CorruptedData(ImageSet Train, ImageSet Test, int[] TestCorruptedLabels, int[] TrainTrueLabels);

    /// <summary>
    /// Applies the input condition and the label corruption of <paramref name="setting"/>, drawn from
    /// <paramref name="seed"/>. Test images go through the same input condition (the same fixed permutation for
    /// shuffled pixels, fresh draws for random pixels and Gaussian inputs); test labels are corrupted with their own
    /// draw at the same p.
    /// </summary>
    public static CorruptedData Corrupt(DataSplits data, RandomLabelsSetting setting, long seed)
    {
        var (train, test) = (data.Train, data.Test);
        switch (setting.Inputs)
        {
            case InputCondition.Images:
                break;
            case InputCondition.ShuffledPixels:
                var permutation = InputCorruption.PixelPermutation(train.Height * train.Width, seed, "shuffled-pixels");
                train = InputCorruption.ShufflePixels(train, permutation);
                test = InputCorruption.ShufflePixels(test, permutation);
                break;
            case InputCondition.RandomPixels:
                train = InputCorruption.RandomPixels(train, seed, "random-pixels-train");
                test = InputCorruption.RandomPixels(test, seed, "random-pixels-test");
                break;
            case InputCondition.Gaussian:
                var statistics = ChannelStatistics.Compute(train);
                train = InputCorruption.GaussianInputs(train, statistics, seed, "gaussian-train");
                test = InputCorruption.GaussianInputs(test, statistics, seed, "gaussian-test");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(setting), setting.Inputs, "unknown input condition");
        }
        var trainLabels = LabelCorruption.Corrupt(train.Labels, train.ClassCount, setting.LabelCorruption, seed, "train-labels");
        var testLabels = LabelCorruption.Corrupt(test.Labels, test.ClassCount, setting.LabelCorruption, seed, "test-labels");
        return new CorruptedData(train.WithLabels(trainLabels), test, testLabels, train.Labels);
    }

    public override RunResult Run(RandomLabelsOptions options, RunContext context)
    {
        Validate(options);
        var setting = options.Setting;
        var splits = DataSources.LoadTrainTest(options.Dataset, context.DataRoot);
        var data = Corrupt(splits, setting, context.Seed);
        var device = ClassifierRun.DeviceOf(context);
        using var train = new TensorDataset(data.Train, device);
        using var test = new TensorDataset(data.Test, device);
        using var testCorrupted = torch.tensor(data.TestCorruptedLabels.Select(l => (long)l).ToArray()).DetachFromDisposeScope();
        using var testCorruptedLabels = testCorrupted.to(device).DetachFromDisposeScope();
        using var trainTrue = torch.tensor(data.TrainTrueLabels.Select(l => (long)l).ToArray()).DetachFromDisposeScope();
        using var trainTrueLabels = trainTrue.to(device).DetachFromDisposeScope();

        var regularisers = options.Regularisers;
        double dropout = setting.Dropout ? regularisers.Dropout : 0;
        // The bound options belong to this run alone, so the regulariser switches are applied to them directly.
        options.Train.WeightDecay = setting.WeightDecay ? regularisers.WeightDecay : 0;
        var augmentation = setting.Augmentation
            ? Augmentation.Create(new TransformOptions { CropPadding = regularisers.CropPadding, HorizontalFlip = regularisers.HorizontalFlip }, data.Train)
            : null;
        using var model = CreateModel(options, dropout, data.Train);
        model.to(device);
        double changed = LabelCorruption.ChangedFraction(data.TrainTrueLabels, data.Train.Labels);
        context.Log.Information("{Model}, inputs {Inputs}, label corruption p={P} ({Changed:P1} of {N} training labels changed), " +
                               "augmentation {Aug}, dropout {Dropout}, weight decay {Wd}; {Parameters} parameters",
            OptionsBinder.ConfigName(setting.Model), OptionsBinder.ConfigName(setting.Inputs), setting.LabelCorruption, changed, train.Count, setting.Augmentation, dropout,
            options.Train.WeightDecay, model.parameters().Sum(p => p.numel()));

        var fit = new FitHook(context.Metrics, train, options.Fit);
        var trainer = new Trainer(options.Train, context.Seed)
            .Add(new LossLogHook(context.Metrics, options.Train.LogEvery))
            .Add(fit)
            .Add(new ProgressHook(context.Progress, context.Log))
            .Add(new CancelHook(context.Cancel));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var state = trainer.Fit(model, train, augmentation);
        double seconds = clock.Elapsed.TotalSeconds;

        var trainEval = Evaluator.Evaluate(model, train);
        var trainVsTrue = Evaluator.Evaluate(model, train, labels: trainTrueLabels);
        var testClean = Evaluator.Evaluate(model, test);
        var testVsCorrupted = Evaluator.Evaluate(model, test, labels: testCorruptedLabels);
        context.Metrics.Log(state.Step, "test", "accuracy", testClean.Accuracy);
        context.Metrics.Log(state.Step, "test", "loss", testClean.Loss);
        context.Metrics.Log(state.Step, "test_corrupted", "accuracy", testVsCorrupted.Accuracy);
        context.Metrics.Log(state.Step, "test_corrupted", "loss", testVsCorrupted.Loss);

        var summary = new List<(string, double)>
        {
            ("train_accuracy", trainEval.Accuracy),
            ("train_loss", trainEval.Loss),
            ("train_accuracy_true_labels", trainVsTrue.Accuracy),
            ("test_accuracy", testClean.Accuracy),
            ("test_error", 1 - testClean.Accuracy),
            ("test_loss", testClean.Loss),
            ("test_accuracy_corrupted", testVsCorrupted.Accuracy),
            ("test_error_corrupted", 1 - testVsCorrupted.Accuracy),
            ("chance_accuracy", 1.0 / data.Train.ClassCount),
            ("labels_changed", changed),
            ("fitted", fit.StepsToFit is null ? 0 : 1),
            ("steps", state.Step),
            ("epochs", state.Epoch),
            ("train_images", train.Count),
            ("parameters", model.parameters().Sum(p => p.numel())),
            ("train_seconds", seconds),
        };
        if (fit.StepsToFit is { } steps) summary.Add(("steps_to_fit", steps));
        if (fit.EpochsToFit is { } epochs) summary.Add(("epochs_to_fit", epochs));
        return RunResult.Of(summary.ToArray());
    }

    // The config layer refuses bad options before any run starts; options built in code get the same rules here.
    static void Validate(RandomLabelsOptions options) => OptionChecks.ThrowIfInvalid(options, "options");

    /// <summary>The setting's model for <paramref name="train"/>'s image shape, with the dropout rate the setting turns on.</summary>
    public static torch.nn.Module<Tensor, Tensor> CreateModel(RandomLabelsOptions options, double dropout, ImageSet train) => options.Setting.Model switch
    {
        LabelFitModel.Zf => new ZfNet(With(options.Zf, dropout), train.Channels, train.Height, train.ClassCount),
        _ => new Mlp(new MlpOptions { HiddenUnits = options.Mlp.HiddenUnits, Dropout = dropout }, train.ImageLength, train.ClassCount),
    };

    static ZfNetOptions With(ZfNetOptions o, double dropout) => new()
    {
        ConvChannels = o.ConvChannels,
        HiddenUnits = o.HiddenUnits,
        KernelSizes = o.KernelSizes,
        LocalResponseNorm = o.LocalResponseNorm,
        RemovedLayers = o.RemovedLayers,
        Init = o.Init,
        BatchNorm = o.BatchNorm,
        Dropout = dropout,
    };

    /// <summary>
    /// Evaluates the whole training set (eval mode, the labels it is trained on, no augmentation) after every
    /// epoch, records the first step at which accuracy reaches the threshold, and stops training once fitted.
    /// </summary>
    sealed class FitHook(MetricsLog metrics, TensorDataset train, FitOptions options) : ITrainingHook
    {
        int epochsSinceFit;

        public long? StepsToFit { get; private set; }

        public int? EpochsToFit { get; private set; }

        public void AfterEpoch(TrainingState s)
        {
            var e = Evaluator.Evaluate(s.Model, train);
            metrics.Log(s.Step, "train_eval", "accuracy", e.Accuracy);
            metrics.Log(s.Step, "train_eval", "loss", e.Loss);
            if (StepsToFit is null && e.Accuracy >= options.Threshold)
            {
                StepsToFit = s.Step;
                EpochsToFit = s.Epoch;
            }
            else if (StepsToFit is not null)
            {
                epochsSinceFit++;
            }
            if (options.StopWhenFitted && StepsToFit is not null && epochsSinceFit >= options.EpochsAfterFit)
                s.StopRequested = true;
        }
    }

    sealed class CancelHook(CancellationToken cancel) : ITrainingHook
    {
        public void AfterStep(TrainingState s) => cancel.ThrowIfCancellationRequested();
    }

    // ---------------------------------------------------------------- report

    /// <summary>One run as the report sees it: its setting (from config.yaml) and final metrics (from summary.csv).</summary>
    public sealed record RunPoint(RunRecord Run, string Model, string Inputs, double P, bool Augmentation, bool Dropout, bool WeightDecay, int Seed)
    {
        public bool Regularised => Augmentation || Dropout || WeightDecay;

        public double Value(string metric) => Run.Metric(metric) ?? double.NaN;

        public bool Fitted => Value("fitted") == 1;

        public string Condition => ConditionName(Inputs, P);

        public string Regularisers => RegulariserName(Augmentation, Dropout, WeightDecay);
    }

    public static string ConditionName(string inputs, double p)
    {
        string labels = p == 0 ? "true labels" : p == 1 ? "random labels" : $"labels corrupted p={Format(p)}";
        return inputs switch
        {
            Images => labels,
            ShuffledPixels => p == 0 ? "shuffled pixels" : $"shuffled pixels, {labels}",
            RandomPixels => p == 0 ? "random pixels" : $"random pixels, {labels}",
            Gaussian => p == 0 ? "Gaussian" : $"Gaussian, {labels}",
            _ => $"{inputs}, {labels}",
        };
    }

    public static string RegulariserName(bool augmentation, bool dropout, bool weightDecay)
    {
        var on = new List<string>();
        if (augmentation) on.Add("augmentation");
        if (dropout) on.Add("dropout");
        if (weightDecay) on.Add("weight decay");
        return on.Count == 0 ? "none" : string.Join(" + ", on);
    }

    static string Format(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    static string YesNo(bool b) => b ? "yes" : "no";

    static RunPoint Point(RunRecord run)
    {
        var setting = run.Options<RandomLabelsOptions>().Setting;
        return new RunPoint(run, OptionsBinder.ConfigName(setting.Model), OptionsBinder.ConfigName(setting.Inputs),
            setting.LabelCorruption, setting.Augmentation, setting.Dropout, setting.WeightDecay, run.Seed);
    }

    public override void Report(ReportContext context)
    {
        var points = context.OkRuns.Select(Point).ToList();
        AddRunsTable(context, points);
        AddTable1(context, points);
        AddFigure1a(context, points);
        AddFigure1b(context, points);
        AddFigure1c(context, points);
        AddMeasures(context, points);
    }

    static double Mean(IEnumerable<RunPoint> runs, string metric) => RunStatistics.Mean(runs.Select(p => p.Run), metric);

    static ResultCell MeanCell(IReadOnlyCollection<RunPoint> runs, string metric) => RunStatistics.Cell(runs.Select(p => p.Run), metric);

    /// <summary>Every run, fitted or not: the long form behind the table and the figures.</summary>
    static void AddRunsTable(ReportContext context, List<RunPoint> points)
    {
        var table = new ResultTable("runs_by_setting", "Every run: setting, accuracy against clean and corrupted labels, steps to fit",
            ResultColumn.Text("model"), ResultColumn.Text("condition"), ResultColumn.Number("label_corruption", "p", 2),
            ResultColumn.Text("regularisers"), ResultColumn.Integer("seed"), ResultColumn.Integer("train_images", "train images"),
            ResultColumn.Percent("train_accuracy", "train acc (%)", 1),
            ResultColumn.Percent("test_accuracy", "test acc, clean labels (%)", 1),
            ResultColumn.Percent("test_accuracy_corrupted", "test acc, corrupted labels (%)", 1),
            ResultColumn.Integer("steps_to_fit", "steps to fit"), ResultColumn.Text("fit", "fitted"),
            ResultColumn.Integer("steps", "steps trained"), ResultColumn.Number("train_seconds", "train time (s)", 1));
        foreach (var p in Ordered(points))
            table.AddRow(p.Model, p.Condition, p.P, p.Regularisers, p.Seed, p.Value("train_images"), p.Value("train_accuracy"),
                p.Value("test_accuracy"), p.Value("test_accuracy_corrupted"),
                p.Fitted ? ResultCell.Of(p.Value("steps_to_fit")) : ResultCell.Empty,
                p.Fitted ? "yes" : "not fitted", p.Value("steps"), p.Value("train_seconds"));
        context.AddTable(table);
    }

    static IEnumerable<RunPoint> Ordered(IEnumerable<RunPoint> points) => points
        .OrderBy(p => Models.ToList().IndexOf(p.Model)).ThenBy(p => InputConditions.ToList().IndexOf(p.Inputs))
        .ThenBy(p => p.P).ThenBy(p => p.Regularised).ThenByDescending(p => p.Augmentation).ThenByDescending(p => p.Dropout)
        .ThenByDescending(p => p.WeightDecay).ThenBy(p => p.Seed);

    /// <summary>Table 1 analogue: true and random labels per regulariser combination and model, the paper's ImageNet rows beside.</summary>
    static void AddTable1(ReportContext context, List<RunPoint> points)
    {
        var paper = context.ReferenceTable("zhang2017_imagenet.csv");
        var table = new ResultTable("table1", "Table 1 analogue: training and test accuracy, true vs random labels, regularisers on/off",
            ResultColumn.Text("model"), ResultColumn.Text("labels"), ResultColumn.Text("augmentation", "data aug"),
            ResultColumn.Text("dropout"), ResultColumn.Text("weight_decay", "weight decay"), ResultColumn.Integer("runs"),
            ResultColumn.Percent("train_accuracy", "train acc (%)", 1),
            ResultColumn.Percent("test_accuracy", "test acc, clean labels (%)", 1),
            ResultColumn.Percent("test_accuracy_corrupted", "test acc, random test labels (%)", 1),
            ResultColumn.Text("fitted", "fitted (99%)"),
            ResultColumn.Number("paper_top1_train", "paper ImageNet top-1 train (%)", 2),
            ResultColumn.Number("paper_top1_test", "paper ImageNet top-1 test (%)", 2));
        var groups = Ordered(points.Where(p => p.Inputs == Images && p.P is 0 or 1))
            .GroupBy(p => (p.Model, p.P, p.Augmentation, p.Dropout, p.WeightDecay));
        foreach (var g in groups)
        {
            var runs = g.ToList();
            string labels = g.Key.P == 0 ? "true" : "random";
            int paperRow = -1;
            for (int r = 0; r < paper.Rows.Count; r++)
                if (paper.Text(r, "labels") == labels && paper.Text(r, "data_aug") == YesNo(g.Key.Augmentation)
                    && paper.Text(r, "dropout") == YesNo(g.Key.Dropout) && paper.Text(r, "weight_decay") == YesNo(g.Key.WeightDecay))
                    paperRow = r;
            table.AddRow(g.Key.Model, labels, YesNo(g.Key.Augmentation), YesNo(g.Key.Dropout), YesNo(g.Key.WeightDecay), runs.Count,
                MeanCell(runs, "train_accuracy"), MeanCell(runs, "test_accuracy"), MeanCell(runs, "test_accuracy_corrupted"),
                $"{runs.Count(r => r.Fitted)}/{runs.Count}",
                paperRow >= 0 ? ResultCell.Of(paper.Number(paperRow, "top1_train")) : ResultCell.Empty,
                paperRow >= 0 ? ResultCell.Of(paper.Number(paperRow, "top1_test")) : ResultCell.Empty);
        }
        context.AddTable(table);
    }

    /// <summary>Fig. 1a: training loss against steps, one line per input/label condition, unregularised runs of the first seed.</summary>
    static void AddFigure1a(ReportContext context, List<RunPoint> points)
    {
        var conditions = points.Where(p => !p.Regularised && (p.Inputs != Images || p.P is 0 or 1) && (p.Inputs == Images || p.P == 0)).ToList();
        if (conditions.Count == 0) return;
        int seed = conditions.Min(p => p.Seed);
        var data = new ResultTable("fig1a", "Fig. 1a: training loss vs steps",
            ResultColumn.Text("curve"), ResultColumn.Integer("step"), ResultColumn.Number("loss"));
        var panels = new List<PlotPanel>();
        foreach (var model in Models)
        {
            var series = new List<FigureSeries>();
            foreach (var p in Ordered(conditions.Where(c => c.Model == model && c.Seed == seed)))
            {
                string key = $"{model}|{p.Condition}";
                int rows = 0;
                foreach (var row in p.Run.ReadMetrics())
                    if (row is { Split: "train", Metric: "loss" })
                    {
                        data.AddRow(key, row.Step, row.Value);
                        rows++;
                    }
                if (rows > 0) series.Add(new FigureSeries(p.Condition, "step", "loss") { Style = SeriesStyle.Lines }.Where("curve", key));
            }
            if (series.Count > 0)
                panels.Add(new PlotPanel { Title = ModelTitle(model), XLabel = "training step", YLabel = "average training loss", Series = series });
        }
        if (panels.Count > 0)
            context.AddFigure(FigureSpec.Grid("fig1a", "Fig. 1a: learning curves per condition", data, 1, panels.Count, panels));
    }

    /// <summary>
    /// Fig. 1b: steps until training accuracy first reaches the threshold, against p, per model: the mean over seeds
    /// with their standard deviation as error bars. Settings where some
    /// seed never fitted are drawn as separate points at the steps trained, labelled as not fitted.
    /// </summary>
    static void AddFigure1b(ReportContext context, List<RunPoint> points)
    {
        var sweep = CorruptionSweep(points);
        if (sweep.Count == 0) return;
        var data = new ResultTable("fig1b", "Fig. 1b: steps to fit vs label corruption (mean and std over seeds)",
            ResultColumn.Text("series"), ResultColumn.Number("label_corruption"), ResultColumn.Number("steps"),
            ResultColumn.Number("steps_std"), ResultColumn.Integer("runs"));
        var series = new List<FigureSeries>();
        foreach (var model in Models)
        {
            var byP = sweep.Where(p => p.Model == model).GroupBy(p => p.P).OrderBy(g => g.Key).ToList();
            if (byP.Count == 0) continue;
            bool anyUnfitted = false;
            foreach (var g in byP)
            {
                if (g.All(r => r.Fitted))
                {
                    var (mean, std) = Classification.MeanStd(g.Select(r => r.Value("steps_to_fit")).ToList());
                    data.AddRow($"{model}|fitted", g.Key, mean, g.Count() > 1 ? std : 0, g.Count());
                }
                else
                {
                    data.AddRow($"{model}|not fitted", g.Key, g.Max(r => r.Value("steps")), 0, g.Count());
                    anyUnfitted = true;
                }
            }
            if (byP.Any(g => g.All(r => r.Fitted)))
                series.Add(new FigureSeries(ModelTitle(model), "label_corruption", "steps") { YError = "steps_std", Style = SeriesStyle.ErrorLines }
                    .Where("series", $"{model}|fitted"));
            if (anyUnfitted)
                series.Add(new FigureSeries($"{ModelTitle(model)}: not fitted (steps trained)", "label_corruption", "steps") { Style = SeriesStyle.Points }
                    .Where("series", $"{model}|not fitted"));
        }
        if (series.Count == 0) return;
        double threshold = sweep.First().Run.Options<RandomLabelsOptions>().Fit.Threshold;
        context.AddFigure(FigureSpec.Plot("fig1b", "Fig. 1b: convergence slows down with label corruption", data, new PlotPanel
        {
            XLabel = "label corruption p",
            YLabel = $"steps until training accuracy >= {threshold * 100:0.#}%",
            YMin = 0,
            Series = series,
        }));
    }

    /// <summary>Fig. 1c: test error against p per model, measured against clean and against corrupted test labels.</summary>
    static void AddFigure1c(ReportContext context, List<RunPoint> points)
    {
        var sweep = CorruptionSweep(points);
        if (sweep.Count == 0) return;
        var data = new ResultTable("fig1c", "Fig. 1c: test error vs label corruption",
            ResultColumn.Text("series"), ResultColumn.Number("label_corruption"), ResultColumn.Number("test_error"));
        var series = new List<FigureSeries>();
        foreach (var model in Models)
        {
            var byP = sweep.Where(p => p.Model == model).GroupBy(p => p.P).OrderBy(g => g.Key).ToList();
            if (byP.Count == 0) continue;
            foreach (var g in byP)
            {
                data.AddRow($"{model}|clean", g.Key, Mean(g, "test_error"));
                data.AddRow($"{model}|corrupted", g.Key, Mean(g, "test_error_corrupted"));
            }
            series.Add(new FigureSeries($"{ModelTitle(model)}, clean test labels", "label_corruption", "test_error").Where("series", $"{model}|clean"));
            series.Add(new FigureSeries($"{ModelTitle(model)}, corrupted test labels", "label_corruption", "test_error") { Style = SeriesStyle.LinesPoints }
                .Where("series", $"{model}|corrupted"));
        }
        double chance = sweep.Select(p => p.Value("chance_accuracy")).FirstOrDefault(double.IsFinite, 0.1);
        context.AddFigure(FigureSpec.Plot("fig1c", "Fig. 1c: generalisation error grows with label corruption", data, new PlotPanel
        {
            XLabel = "label corruption p",
            YLabel = "test error",
            YMin = 0,
            YMax = 1,
            Series = series,
            ReferenceLines = [new ReferenceLine("chance", 1 - chance)],
        }));
    }

    /// <summary>The runs of the label-corruption sweep: real images, no regularisers.</summary>
    static List<RunPoint> CorruptionSweep(List<RunPoint> points) =>
        points.Where(p => p.Inputs == Images && !p.Regularised).ToList();

    static string ModelTitle(string model) => model == ZfModel ? "ZF-style ConvNet" : "MLP 1x512";

    /// <summary>Per model, Spearman's rho of p and <paramref name="levelValue"/> over the corruption sweep's levels, and their minimum.</summary>
    static void AddRankCorrelation(ReportContext context, List<RunPoint> points, string name, Func<IEnumerable<RunPoint>, double> levelValue)
    {
        var rhos = new List<double>();
        foreach (var model in Models)
        {
            var levels = CorruptionSweep(points).Where(p => p.Model == model).GroupBy(p => p.P).OrderBy(g => g.Key).ToList();
            if (levels.Count < 3) continue;
            var rho = Fitting.Spearman(levels.Select(g => g.Key).ToList(), levels.Select(g => levelValue(g)).ToList());
            context.AddMeasure($"{name}_rank_correlation_{model}", rho);
            rhos.Add(rho);
        }
        if (rhos.Count > 0) context.AddMeasure($"{name}_rank_correlation_min", rhos.Min());
    }

    /// <summary>The numbers the claims check; a missing group leaves its measure out, so its claim reads "missing".</summary>
    static void AddMeasures(ReportContext context, List<RunPoint> points)
    {
        var random = points.Where(p => p.Inputs == Images && p.P == 1 && !p.Regularised).ToList();
        if (random.Count > 0)
        {
            context.AddMeasure("random_labels_train_accuracy_min", random.Min(p => p.Value("train_accuracy")));
            context.AddMeasure("random_labels_test_accuracy_distance_from_chance_max",
                random.Max(p => Math.Abs(p.Value("test_accuracy") - p.Value("chance_accuracy"))));
        }
        var regularised = points.Where(p => p.Inputs == Images && p.P == 1 && p.Regularised).ToList();
        if (regularised.Count > 0)
            context.AddMeasure("random_labels_regularised_train_accuracy_min", regularised.Min(p => p.Value("train_accuracy")));

        // Steps to fit (Fig. 1b) and test error on clean labels (Fig. 1c) must grow with p for every model: per model,
        // the rank correlation of p and the mean over the seeds at that p; the smallest over the models is the overall
        // measure. A level where some seed never fitted counts as slower than every level that did (infinite steps).
        AddRankCorrelation(context, points, "steps_to_fit",
            level => level.All(r => r.Fitted) ? level.Average(r => r.Value("steps_to_fit")) : double.PositiveInfinity);
        AddRankCorrelation(context, points, "test_error", level => Mean(level, "test_error"));

        foreach (var model in Models)
        {
            var trueLabels = points.Where(p => p.Model == model && p.Inputs == Images && p.P == 0).ToList();
            if (trueLabels.Count == 0) continue;
            // Every true-label row of the paper's Table 1 generalises, so the measure is the worst regulariser
            // setting (mean over seeds within a setting).
            var worst = trueLabels.GroupBy(p => p.Regularisers).Min(g => Mean(g, "test_accuracy"));
            context.AddMeasure($"true_labels_test_accuracy_{model}", worst);
        }
        var fits = CorruptionSweep(points).Concat(points.Where(p => p.Inputs != Images)).ToList();
        if (fits.Count > 0) context.AddMeasure("unregularised_runs_not_fitted", fits.Count(p => !p.Fitted));
    }
}
