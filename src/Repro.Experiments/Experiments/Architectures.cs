using System.Diagnostics;
using System.Runtime.Serialization;

namespace Repro.Experiments.Experiments;

/// <summary>Which question a run of the architectures experiment answers.</summary>
public enum ArchitectureStudy
{
    /// <summary>Plain against residual nets of growing depth, on the same training set and schedule.</summary>
    Depth,

    /// <summary>One net trained on training sets of growing size.</summary>
    [EnumMember(Value = "data-scale")]
    DataScale,
}

/// <summary>One point of the study (what a sweep varies): the study it belongs to, the network, and for data scale the training set size.</summary>
public sealed class ArchitectureArm : ICheckedOptions
{
    /// <summary>depth or data-scale.</summary>
    public ArchitectureStudy Study { get; set; } = ArchitectureStudy.Depth;

    /// <summary>The network, by name in the model registry, with its options.</summary>
    public ModelOptions Model { get; set; } = new();

    /// <summary>Data scale: training images, drawn class-balanced from the training set, in place of dataset.train_subset.</summary>
    [AtLeast(10)]
    public int? TrainImages { get; set; }

    public IEnumerable<OptionProblem> Problems()
    {
        if (Study == ArchitectureStudy.DataScale && TrainImages is null)
            yield return new(nameof(TrainImages), "is needed by a data-scale run: its training set size");
        if (Study == ArchitectureStudy.Depth && TrainImages is not null)
            yield return new(nameof(TrainImages), "is for data-scale runs; depth runs train on dataset.train_subset");
    }
}

public sealed class ArchitecturesOptions
{
    public DatasetOptions Dataset { get; set; } = new() { ClassBalanced = true };

    public ArchitectureArm Arm { get; set; } = new();

    /// <summary>He et al.'s CIFAR-10 schedule, shortened: SGD, momentum 0.9, weight decay 1e-4, batch 128, learning rate 0.1.</summary>
    public TrainOptions Train { get; set; } = new()
    {
        Optimizer = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.0001, BatchSize = 128,
        Schedule = LearningRateDecay.Cosine, Epochs = 4, LogEvery = 10,
    };

    /// <summary>
    /// At least this many optimiser steps a run: a small training set gets more epochs (train.epochs raised), so that
    /// the data-scale runs differ in data rather than in how long they trained.
    /// </summary>
    [AtLeast(1)]
    public int MinSteps { get; set; } = 1;
}

/// <summary>
/// Comparing architectures (He et al. 2016; the notes' "Building the best network"): plain and residual nets of
/// 6n+2 layers trained with the same schedule (training and test error curves as He et al.'s Fig. 6, the final
/// errors beside their CIFAR-10 table), test error against training set size, and the easiest and hardest classes
/// of the best net (Russakovsky et al. 2014). Networks come from the model registry by name.
/// </summary>
public sealed class ArchitecturesExperiment : Experiment<ArchitecturesOptions>
{
    public override string Name => "architectures";

    public override string Description =>
        "Plain vs residual nets of 6n+2 layers (He et al. 2016), data scale, easiest and hardest classes";

    /// <summary>The classes' names in label order, one a line, beside each run's metrics.</summary>
    public const string ClassesFile = "classes.txt";

    /// <summary>Split under which a run logs each class's test accuracy: "class:3".</summary>
    public const string ClassSplit = "class:";

    // Measures, defined once for the run, the report and the claims.
    public const string TestError = "test_error";
    public const string TrainError = "train_error";
    public const string ParametersMetric = "parameters";
    public const string MultiplyAddsMetric = "multiply_adds";
    public const string MsPerStep = "ms_per_step";
    public const string PlainDegradation = "plain_train_error_deepest_minus_shallowest";
    public const string ResidualGain = "resnet_train_error_deepest_minus_shallowest";
    public const string ResidualOverPlain = "resnet_minus_plain_train_error_deepest";
    public const string DataScaleRises = "data_scale_test_error_rises";
    public const string DataScaleSlope = "data_scale_loglog_slope";
    public const string DataScalePointsPerDecade = "data_scale_accuracy_points_per_decade";

    public override MeasureCatalog Measures { get; } = new(
    [
        TestError, "test_loss", TrainError, "train_loss", ParametersMetric, MultiplyAddsMetric, MsPerStep, "train_images", "steps", "train_seconds",
        PlainDegradation, ResidualGain, ResidualOverPlain, "best_test_error", "easiest_class_accuracy", "hardest_class_accuracy",
        DataScaleRises, DataScaleSlope, DataScalePointsPerDecade,
    ]);

    public override RunResult Run(ArchitecturesOptions options, RunContext context)
    {
        var arm = options.Arm;
        var dataset = options.Dataset.Clone();
        if (arm.TrainImages is { } images) dataset.TrainSubset = images;
        var splits = DataSources.LoadTrainTest(dataset, context.DataRoot);
        var device = ClassifierRun.DeviceOf(context);
        using var train = new TensorDataset(splits.Train, device);
        using var test = new TensorDataset(splits.Test, device);
        var input = new ModelInput(splits.Train.Channels, splits.Train.Height, splits.Train.ClassCount);
        using var model = ModelRegistry.Default.Create(arm.Model, input);
        long parameters = ModelCost.Parameters(model);
        long multiplyAdds = ModelCost.MultiplyAdds(model, input.Channels, input.Size);
        model.to(device);
        var schedule = WithMinimumSteps(options.Train, options.MinSteps, train.Count);
        context.Log.Information("{Model}: {Parameters} parameters, {MultiplyAdds} multiply-adds an image; {Train} training and {Test} test images, {Epochs} epochs",
            ModelRegistry.Default.Label(arm.Model), parameters, multiplyAdds, train.Count, test.Count, schedule.Epochs);

        var stepClock = new StepClock();
        var evaluation = new EvaluationHook(context.Metrics, 1, ("test", test));
        var trainer = new Trainer(schedule, context.Seed)
            .Add(stepClock)
            .Add(new LossLogHook(context.Metrics, schedule.LogEvery))
            .Add(evaluation)
            .Add(new ProgressHook(context.Progress, context.Log));
        var clock = Stopwatch.StartNew();
        var state = trainer.Fit(model, train);
        double seconds = clock.Elapsed.TotalSeconds;

        // The final training error in eval mode over the whole training set: the number He et al.'s curves end on.
        var trainEval = Evaluator.Evaluate(model, train);
        var testEval = evaluation.Last["test"];
        var perClass = PerClassAccuracy(model, test);
        for (var c = 0; c < perClass.Length; c++)
            context.Metrics.Log(state.Step, ClassSplit + c.ToString(CultureInfo.InvariantCulture), "accuracy", perClass[c]);
        AtomicFile.WriteAllText(Path.Combine(context.RunDirectory, ClassesFile), string.Join("\n", splits.Train.ClassNames) + "\n");
        return RunResult.Of(
            (TestError, 1 - testEval.Accuracy),
            ("test_loss", testEval.Loss),
            (TrainError, 1 - trainEval.Accuracy),
            ("train_loss", trainEval.Loss),
            (ParametersMetric, parameters),
            (MultiplyAddsMetric, multiplyAdds),
            ("train_images", train.Count),
            ("steps", state.Step),
            (MsPerStep, stepClock.MillisecondsPerStep),
            ("train_seconds", seconds));
    }

    /// <summary>The schedule with epochs raised until it takes at least <paramref name="minSteps"/> optimiser steps.</summary>
    public static TrainOptions WithMinimumSteps(TrainOptions train, int minSteps, int images)
    {
        var stepsPerEpoch = train.KeepLastBatch ? (images + train.BatchSize - 1) / train.BatchSize : images / train.BatchSize;
        var schedule = train.Clone();
        if (stepsPerEpoch > 0 && (long)schedule.Epochs * stepsPerEpoch < minSteps)
            schedule.Epochs = (minSteps + stepsPerEpoch - 1) / stepsPerEpoch;
        return schedule;
    }

    static double[] PerClassAccuracy(torch.nn.Module<Tensor, Tensor> model, TensorDataset test)
    {
        using var logits = Evaluator.Logits(model, test.Images);
        using var predicted = logits.argmax(1).cpu();
        var predictions = predicted.data<long>().Select(p => (int)p).ToArray();
        return Classification.PerClassAccuracy(predictions, test.Source.Labels, test.Classes);
    }

    /// <summary>Times the optimiser steps alone (forward, backward, update), not the evaluations between epochs.</summary>
    sealed class StepClock : ITrainingHook
    {
        readonly Stopwatch clock = new();
        long steps;

        public double MillisecondsPerStep => steps == 0 ? double.NaN : clock.Elapsed.TotalMilliseconds / steps;

        public void BeforeStep(TrainingState state) => clock.Start();

        public void AfterStep(TrainingState state)
        {
            clock.Stop();
            steps++;
        }
    }

    // ---- report ----------------------------------------------------------------------------------------------

    /// <summary>A finished run as the report reads it back from its config: study, network, depth, training set size.</summary>
    sealed record ArmRun(RunRecord Run, ArchitectureStudy Study, string Model, int Depth, string Label)
    {
        public double Metric(string name) => Run.Metric(name) ?? double.NaN;
    }

    static ArmRun Read(RunRecord run)
    {
        var arm = run.Options<ArchitecturesOptions>().Arm;
        var label = ModelRegistry.Default.Contains(arm.Model.Name) ? ModelRegistry.Default.Label(arm.Model) : arm.Model.Name;
        return new ArmRun(run, arm.Study, arm.Model.Name, arm.Model.Cifar.Depth, label);
    }

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.Select(Read).ToList();
        var depthRuns = runs.Where(r => r.Study == ArchitectureStudy.Depth).ToList();
        var scaleRuns = runs.Where(r => r.Study == ArchitectureStudy.DataScale).ToList();
        if (depthRuns.Count > 0)
        {
            AddDepthTable(context, depthRuns);
            AddErrorCurves(context, depthRuns);
            AddDepthMeasures(context, depthRuns);
            AddClassRanking(context, depthRuns);
        }
        if (scaleRuns.Count > 0) AddDataScale(context, scaleRuns);
    }

    /// <summary>Groups of runs of one network (seeds), in the order the sweep lists them.</summary>
    static List<(string Label, string Model, int Depth, List<ArmRun> Runs)> ByNetwork(IEnumerable<ArmRun> runs) =>
        runs.GroupBy(r => r.Label).Select(g => (g.Key, g.First().Model, g.First().Depth, g.ToList())).ToList();

    static ResultCell MeanCell(List<ArmRun> runs, string metric, double scale = 1) => RunStatistics.Cell(runs.Select(r => r.Run), metric, scale);

    static double Mean(List<ArmRun> runs, string metric) => RunStatistics.Mean(runs.Select(r => r.Run), metric);

    void AddDepthTable(ReportContext context, List<ArmRun> runs)
    {
        // He et al. 2016, Table 6 (CIFAR-10): parameters and test error by network, matched on the name ("ResNet-20").
        var paper = new Dictionary<string, (string Parameters, string Error)>(StringComparer.Ordinal);
        var reference = context.ReferenceTable("he2016_cifar10_resnet.csv");
        for (var i = 0; i < reference.Rows.Count; i++)
            if (reference.Text(i, "layers").Length > 0)
                paper[reference.Text(i, "model")] = (reference.Text(i, "parameters_millions"), reference.Text(i, "test_error_percent"));
        var table = new ResultTable("depth", "Plain and residual nets on Fashion-MNIST, same schedule; He et al. 2016 Table 6 (CIFAR-10) beside",
            ResultColumn.Text("network"), ResultColumn.Integer("layers"), ResultColumn.Integer("runs"),
            ResultColumn.Number("train_error", "training error (%)", 2), ResultColumn.Number("test_error", "test error (%)", 2),
            ResultColumn.Integer("parameters"), ResultColumn.Number("multiply_adds_millions", "multiply-adds (M)", 1),
            ResultColumn.Number("ms_per_step", "ms per training step", 0),
            ResultColumn.Text("paper_parameters_millions", "paper: parameters (M)"), ResultColumn.Text("paper_test_error", "paper: CIFAR-10 test error (%)"));
        // Plain nets first, then residual ones, each by depth, as He et al.'s Table 6 lists them.
        foreach (var (label, _, depth, group) in ByNetwork(runs).OrderBy(g => g.Model == ModelRegistry.Plain ? 0 : 1).ThenBy(g => g.Depth))
        {
            var row = paper.TryGetValue(label, out var p) ? p : ("", "");
            table.AddRow(label, depth, group.Count, MeanCell(group, TrainError, 100), MeanCell(group, TestError, 100),
                ResultCell.Of(Mean(group, ParametersMetric)), MeanCell(group, MultiplyAddsMetric, 1e-6), MeanCell(group, MsPerStep),
                row.Item1, row.Item2);
        }
        context.AddTable(table);
    }

    static readonly string[] DepthColours = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

    /// <summary>He et al. Fig. 6 analogue: plain nets left, residual nets right; dashed-style thin lines training error, points test error.</summary>
    static void AddErrorCurves(ReportContext context, List<ArmRun> runs)
    {
        var data = new ResultTable("error_curves", "Training error (mini-batches, mean over train.log_every steps) and test error, by step",
            ResultColumn.Text("curve"), ResultColumn.Text("network"), ResultColumn.Integer("step"), ResultColumn.Number("error_percent", "error (%)"));
        var depths = runs.Select(r => r.Depth).Distinct().Order().ToList();
        var panels = new List<PlotPanel>();
        foreach (var (model, title) in new[] { (ModelRegistry.Plain, "plain nets"), (ModelRegistry.ResNet, "residual nets (ResNets)") })
        {
            var series = new List<FigureSeries>();
            foreach (var (label, _, depth, group) in ByNetwork(runs.Where(r => r.Model == model)).OrderBy(g => g.Depth))
            {
                // One seed's curves per network: the first run.
                var run = group[0].Run;
                foreach (var row in run.ReadMetrics())
                {
                    if ((row.Split, row.Metric) == ("train", "batch_accuracy"))
                        data.AddRow($"train:{label}", label, row.Step, 100 * (1 - row.Value));
                    else if ((row.Split, row.Metric) == ("test", "accuracy"))
                        data.AddRow($"test:{label}", label, row.Step, 100 * (1 - row.Value));
                }
                var colour = DepthColours[depths.IndexOf(depth) % DepthColours.Length];
                series.Add(new FigureSeries($"{label} train", "step", "error_percent") { Style = SeriesStyle.Lines, Colour = colour }.Where("curve", $"train:{label}"));
                series.Add(new FigureSeries($"{label} test", "step", "error_percent") { Style = SeriesStyle.LinesPoints, Colour = colour }.Where("curve", $"test:{label}"));
            }
            if (series.Count > 0)
                panels.Add(new PlotPanel { Title = title, XLabel = "step", YLabel = "error (%)", Series = series, KeyPosition = "top right" });
        }
        if (data.Rows.Count > 0 && panels.Count > 0)
            context.AddFigure(FigureSpec.Grid("error_curves", "Training (lines) and test (points) error: plain left, ResNet right (He et al. 2016, Fig. 6)",
                data, 1, panels.Count, panels));
    }

    static void AddDepthMeasures(ReportContext context, List<ArmRun> runs)
    {
        double TrainErrorOf(string model, Func<IEnumerable<int>, int> pick)
        {
            var ofModel = runs.Where(r => r.Model == model).ToList();
            if (ofModel.Count == 0) return double.NaN;
            var depth = pick(ofModel.Select(r => r.Depth));
            return Mean(ofModel.Where(r => r.Depth == depth).ToList(), TrainError);
        }
        double plainDeep = TrainErrorOf(ModelRegistry.Plain, d => d.Max()), plainShallow = TrainErrorOf(ModelRegistry.Plain, d => d.Min());
        double resDeep = TrainErrorOf(ModelRegistry.ResNet, d => d.Max()), resShallow = TrainErrorOf(ModelRegistry.ResNet, d => d.Min());
        context.AddMeasure(PlainDegradation, plainDeep - plainShallow);
        context.AddMeasure(ResidualGain, resDeep - resShallow);
        // The residual net of the deepest depth against the plain net of that depth.
        var deepest = runs.Where(r => r.Model == ModelRegistry.ResNet).Select(r => r.Depth).DefaultIfEmpty(0).Max();
        var plainSame = runs.Where(r => r.Model == ModelRegistry.Plain && r.Depth == deepest).ToList();
        context.AddMeasure(ResidualOverPlain, resDeep - (plainSame.Count > 0 ? Mean(plainSame, TrainError) : double.NaN));
        var best = ByNetwork(runs).MinBy(g => Mean(g.Runs, TestError));
        context.AddMeasure("best_test_error", Mean(best.Runs, TestError));
    }

    /// <summary>Per-class test accuracy of the net with the lowest test error, easiest class first (Russakovsky et al. 2014).</summary>
    static void AddClassRanking(ReportContext context, List<ArmRun> runs)
    {
        var best = ByNetwork(runs).MinBy(g => Mean(g.Runs, TestError));
        var namesFile = Path.Combine(best.Runs[0].Run.RunDirectory, ClassesFile);
        var names = File.Exists(namesFile) ? File.ReadAllLines(namesFile).Where(l => l.Length > 0).ToList() : [];
        var accuracy = new Dictionary<int, List<double>>();
        foreach (var run in best.Runs)
            foreach (var row in run.Run.ReadMetrics())
                if (row.Split.StartsWith(ClassSplit, StringComparison.Ordinal) && row.Metric == "accuracy"
                    && int.TryParse(row.Split[ClassSplit.Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var c))
                    (accuracy.TryGetValue(c, out var list) ? list : accuracy[c] = new()).Add(row.Value);
        var ranked = accuracy.Select(kv => (Class: kv.Key, Accuracy: kv.Value.Average())).OrderByDescending(c => c.Accuracy).ThenBy(c => c.Class).ToList();
        var table = new ResultTable("class_ranking", $"Easiest and hardest classes: per-class test accuracy of {best.Label}, the net with the lowest test error",
            ResultColumn.Integer("rank"), ResultColumn.Text("class"), ResultColumn.Integer("label"), ResultColumn.Percent("accuracy", "test accuracy (%)", 1));
        for (var i = 0; i < ranked.Count; i++)
            table.AddRow(i + 1, ranked[i].Class < names.Count ? names[ranked[i].Class] : ranked[i].Class.ToString(CultureInfo.InvariantCulture),
                ranked[i].Class, ranked[i].Accuracy);
        context.AddTable(table);
        if (ranked.Count > 1)
        {
            context.AddMeasure("easiest_class_accuracy", ranked[0].Accuracy);
            context.AddMeasure("hardest_class_accuracy", ranked[^1].Accuracy);
        }
    }

    static void AddDataScale(ReportContext context, List<ArmRun> runs)
    {
        var points = runs.GroupBy(r => r.Metric("train_images")).OrderBy(g => g.Key)
            .Select(g => (Images: g.Key, Runs: g.ToList(), Label: g.First().Label)).ToList();
        var table = new ResultTable("data_scale", $"Test error against training set size ({string.Join(", ", points.Select(p => p.Label).Distinct())}, class-balanced subsets)",
            ResultColumn.Integer("train_images", "training images"), ResultColumn.Integer("runs"), ResultColumn.Integer("steps"),
            ResultColumn.Number("train_error", "training error (%)", 2), ResultColumn.Number("test_error", "test error (%)", 2));
        foreach (var p in points)
            table.AddRow(p.Images, p.Runs.Count, ResultCell.Of(Mean(p.Runs, "steps")), MeanCell(p.Runs, TrainError, 100), MeanCell(p.Runs, TestError, 100));
        context.AddTable(table);

        var sizes = points.Select(p => p.Images).ToList();
        var errors = points.Select(p => Mean(p.Runs, TestError)).ToList();
        context.AddMeasure(DataScaleRises, DataScaling.Rises(errors));
        if (points.Count >= 2)
        {
            context.AddMeasure(DataScaleSlope, DataScaling.LogLogSlope(sizes, errors));
            context.AddMeasure(DataScalePointsPerDecade, 100 * DataScaling.PerDecade(sizes, errors.Select(e => 1 - e).ToList()));
        }

        var figure = new ResultTable("data_scale_curve", "Test error against training images (log-log)",
            ResultColumn.Integer("train_images"), ResultColumn.Number("test_error_percent", "test error (%)"), ResultColumn.Number("train_error_percent", "training error (%)"));
        foreach (var p in points)
            figure.AddRow(p.Images, 100 * Mean(p.Runs, TestError), 100 * Mean(p.Runs, TrainError));
        context.AddFigure(FigureSpec.Plot("test_error_vs_data", "How much data do you need? Test error against training set size", figure,
            new PlotPanel
            {
                Title = "test error vs training images", XLabel = "training images", YLabel = "error (%)", LogX = true, LogY = true,
                Series =
                [
                    new FigureSeries("test error", "train_images", "test_error_percent"),
                    new FigureSeries("training error", "train_images", "train_error_percent") { Style = SeriesStyle.Lines },
                ],
            }));
    }
}

/// <summary>How error changes with the amount of training data: pure functions of (size, error) points.</summary>
public static class DataScaling
{
    /// <summary>Least-squares slope of log(error) on log(size): -0.5 means the error shrinks as 1/sqrt(size).</summary>
    public static double LogLogSlope(IReadOnlyList<double> sizes, IReadOnlyList<double> errors) =>
        Slope(sizes.Select(s => Math.Log(s)).ToList(), errors.Select(e => Math.Log(e)).ToList());

    /// <summary>Least-squares change of <paramref name="values"/> per tenfold size (accuracy against log10 of the data).</summary>
    public static double PerDecade(IReadOnlyList<double> sizes, IReadOnlyList<double> values) =>
        Slope(sizes.Select(s => Math.Log10(s)).ToList(), values);

    /// <summary>Steps, from one size to the next larger one, at which the error does not fall.</summary>
    public static int Rises(IReadOnlyList<double> errors)
    {
        var rises = 0;
        for (var i = 1; i < errors.Count; i++)
            if (!(errors[i] < errors[i - 1])) rises++;
        return rises;
    }

    static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException("as many sizes as errors are needed");
        if (x.Count < 2) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0;
        for (var i = 0; i < x.Count; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }
        return sxx == 0 ? double.NaN : sxy / sxx;
    }
}
