namespace Repro.Experiments.Experiments;

/// <summary>The images the layer probes' splits draw from.</summary>
public enum ProbeImages
{
    /// <summary>The data set's train and test splits together.</summary>
    All,

    /// <summary>Its test split only: with the network's own data set, the probes never see an image it was trained on.</summary>
    Test,
}

/// <summary>
/// The <c>features:</c> section: linear classifiers on each layer's features of the trained full network, on a
/// second task with a fixed number of training images per class (the paper: Caltech-101, 30 per class).
/// </summary>
public sealed class LayerFeatureOptions
{
    /// <summary>Tap the full network (the run with no removed layers); ablated networks are never tapped.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The second task's images; <see cref="Images"/> says which of them form the pool the splits draw from.</summary>
    public DatasetOptions Dataset { get; set; } = new() { Name = DataSources.MnistDigits };

    /// <summary>
    /// all (the data set's train and test splits together) or test (its test split only: when the features come
    /// from the network's own data set, the linear classifiers never see an image the network was trained on).
    /// </summary>
    public ProbeImages Images { get; set; } = ProbeImages.All;

    /// <summary>Training images per class for the linear classifiers.</summary>
    [AtLeast(1)]
    public int PerClass { get; set; } = 30;

    /// <summary>Test images per class, disjoint from the training ones; empty for all the rest of each class.</summary>
    [AtLeast(1)]
    public int? TestPerClass { get; set; }

    /// <summary>One train/test split per seed; every network seed is probed on the same splits.</summary>
    [NotEmpty, Distinct]
    public List<int> SplitSeeds { get; set; } = [0, 1, 2, 3, 4];

    /// <summary>Paper layers to tap (1..7); 0 adds the raw pixels as a reference row.</summary>
    [Between(0, 7)]
    public List<int> Layers { get; set; } = [0, 1, 2, 3, 4, 5, 6, 7];

    /// <summary>Spatial pooling of conv maps larger than pool_size x pool_size: max or avg (adaptive).</summary>
    public FeaturePooling Pool { get; set; } = LayerFeatures.MaxPool;

    [AtLeast(1)]
    public int PoolSize { get; set; } = 3;

    public LinearProbeOptions Softmax { get; set; } = new();

    public LinearProbeOptions Svm { get; set; } = new();
}

public sealed class LayerAblationOptions
{
    public DatasetOptions Dataset { get; set; } = new();
    public ZfNetOptions Model { get; set; } = new();
    public TrainOptions Train { get; set; } = new();
    public LayerFeatureOptions Features { get; set; } = new();
}

/// <summary>
/// Zeiler and Fergus 2014, Sec. 5 ("the depth of the model is important"; Table 3 and Table 6): the ZF-style net
/// is retrained from scratch with layers removed (7; 6 and 7; 3 and 4; 3, 4, 6 and 7) and the change in test
/// error is set against the parameters removed; and linear classifiers (softmax and SVM) trained on each layer's
/// features of the full network, on a second task with few images per class, show how discriminative each
/// layer's features are.
/// </summary>
public sealed class LayerAblationExperiment : Experiment<LayerAblationOptions>
{
    public override string Name => "layer-ablation";

    public override string Description => "ZF-style net with layers removed and retrained (error change, parameters removed); linear classifiers on each layer's features";

    /// <summary>The four ablations the paper reports, in its order.</summary>
    public static IReadOnlyList<int[]> PaperAblations { get; } = [[7], [6, 7], [3, 4], [3, 4, 6, 7]];

    /// <summary>Per run: errors, parameters (per layer), and each tapped layer's feature size and probe accuracies; per sweep: error changes per ablation and the layer trends.</summary>
    public override MeasureCatalog Measures { get; } = new(
    [
        "test_accuracy", "test_error", "test_loss", "train_accuracy", "parameters", "parameters_layer{n}", "steps", "train_seconds",
        "features_layer{n}_dims", "softmax_layer{n}_accuracy", "svm_layer{n}_accuracy", "feature_measurements_per_layer",
        "error_change_{layers}", "test_error_full", "ablation_3_4_6_7_margin", "ablation_7_margin",
        "softmax_rise_1_to_5", "softmax_drops_1_to_5", "svm_rise_1_to_5", "svm_drops_1_to_5",
    ]);

    public override RunResult Run(LayerAblationOptions options, RunContext context)
    {
        var features = options.Features;
        bool tap = features.Enabled && options.Model.RemovedLayers.Count == 0;
        if (tap) Validate(features);

        using var setup = ClassifierSetup.Load(options.Dataset, context);
        using var model = setup.ZfNet(options.Model);
        context.Log.Information("ZF-style net without layers [{Removed}]: layers {Layers}, {Parameters} parameters; {Train} training and {Test} test images",
            string.Join(",", options.Model.RemovedLayers), string.Join(",", model.Layers), model.parameters().Sum(p => p.numel()), setup.Train.Count, setup.Test.Count);
        var (evaluations, seconds, state) = setup.Fit(model, options.Train);
        var trainEval = Evaluator.Evaluate(model, setup.Train);
        var summary = new List<(string, double)>
        {
            ("test_accuracy", evaluations["test"].Accuracy),
            ("test_error", 1 - evaluations["test"].Accuracy),
            ("test_loss", evaluations["test"].Loss),
            ("train_accuracy", trainEval.Accuracy),
            ("parameters", model.parameters().Sum(p => p.numel())),
            ("steps", state.Step),
            ("train_seconds", seconds),
        };
        foreach (var layer in model.Layers)
            summary.Add(($"parameters_layer{layer}", model.Block(layer).parameters().Sum(p => p.numel())));
        if (tap) summary.AddRange(ProbeLayers(model, features, context, setup.Device));
        return RunResult.Of(summary.ToArray());
    }

    static void Validate(LayerFeatureOptions features)
    {
        if (features.PerClass < 1) throw new ReproInputException($"features.per_class = {features.PerClass}: expected at least 1");
        if (features.TestPerClass is < 1) throw new ReproInputException($"features.test_per_class = {features.TestPerClass}: expected at least 1");
        if (features.SplitSeeds.Count == 0) throw new ReproInputException("features.split_seeds: expected at least one split seed");
        if (features.SplitSeeds.Distinct().Count() != features.SplitSeeds.Count) throw new ReproInputException("features.split_seeds: a split seed is listed twice");
        foreach (var layer in features.Layers)
            if (layer is < 0 or > 7) throw new ReproInputException($"features.layers: layer {layer} cannot be tapped (0 = pixels, 1..7)");
        LayerFeatures.CheckPool(features.Pool, features.PoolSize, "features");
        LinearProbe.CheckOptions(features.Softmax, "features.softmax");
        LinearProbe.CheckOptions(features.Svm, "features.svm");
    }

    /// <summary>
    /// Trains both linear classifiers on every tapped layer for every split; logs each split's accuracy to
    /// metrics.csv (step = split seed) and returns the means over splits as summary metrics.
    /// </summary>
    /// <summary>The images the probe's splits draw from: the test split alone, or train and test together.</summary>
    public static ImageSet ProbePool(DataSplits parts, ProbeImages images) =>
        images == ProbeImages.Test ? parts.Test : parts.Train.Concat(parts.Test);

    static IEnumerable<(string, double)> ProbeLayers(ZfNet model, LayerFeatureOptions features, RunContext context, Device device)
    {
        var parts = DataSources.LoadTrainTest(features.Dataset, context.DataRoot);
        var pool = ProbePool(parts, features.Images);
        var draws = features.SplitSeeds
            .Select(seed => (seed, split: Sampling.PerClass(pool.Labels, pool.ClassNames, features.PerClass, seed, features.TestPerClass)))
            .ToList();
        // Only images some split uses go through the network.
        var used = draws.SelectMany(d => d.split.Train.Concat(d.split.Test)).Distinct().Order().ToArray();
        var position = new Dictionary<int, int>(used.Length);
        for (var i = 0; i < used.Length; i++) position[used[i]] = i;
        using var images = new TensorDataset(pool.Subset(used), device);
        if (images.Source.Channels != model.Block(model.Layers[0]).named_parameters().First().parameter.shape[1] ||
            pool.Height != parts.Train.Height)
            throw new ReproInputException($"features.dataset: {features.Dataset.Name} images are {pool.Channels}x{pool.Height}x{pool.Width}; set image_size/channels to match the network's input");
        context.Log.Information("Tapping layers {Layers} on {Images} {Dataset} images ({PerClass} per class for training, {Splits} splits)",
            string.Join(",", features.Layers), used.Length, features.Dataset.Name, features.PerClass, draws.Count);
        var tapped = LayerFeatures.Extract(model, images.Images, features.Layers, features.PoolSize, features.Pool);
        var results = new List<(string, double)>();
        try
        {
            foreach (var layer in features.Layers)
                results.Add(($"features_layer{layer}_dims", tapped[layer].shape[1]));
            foreach (var loss in LinearProbe.Losses)
            {
                var probeOptions = loss == LinearProbe.Softmax ? features.Softmax : features.Svm;
                foreach (var layer in features.Layers)
                {
                    var accuracies = new List<double>();
                    foreach (var (seed, split) in draws)
                    {
                        context.Cancel.ThrowIfCancellationRequested();
                        using var scope = torch.NewDisposeScope();
                        var trainRows = Rows(split.Train, position, device);
                        var testRows = Rows(split.Test, position, device);
                        var trainFeatures = tapped[layer].index_select(0, trainRows);
                        var testFeatures = tapped[layer].index_select(0, testRows);
                        using var probe = LinearProbe.Fit(loss, trainFeatures, images.Labels.index_select(0, trainRows), pool.ClassCount, probeOptions);
                        var accuracy = probe.Accuracy(testFeatures, images.Labels.index_select(0, testRows));
                        context.Metrics.Log(seed, $"features_{loss}", $"layer{layer}_accuracy", accuracy);
                        context.Metrics.Log(seed, $"features_{loss}", $"layer{layer}_objective", probe.FinalObjective);
                        accuracies.Add(accuracy);
                    }
                    results.Add(($"{loss}_layer{layer}_accuracy", accuracies.Average()));
                    context.Log.Information("{Loss} on layer {Layer}: accuracy {Accuracy:F4} (mean of {Splits} splits)", loss, layer, accuracies.Average(), accuracies.Count);
                }
            }
        }
        finally
        {
            foreach (var t in tapped.Values) t.Dispose();
        }
        return results;
    }

    static Tensor Rows(int[] indices, Dictionary<int, int> position, Device device) =>
        torch.tensor(indices.Select(i => (long)position[i]).ToArray(), [indices.Length], device: device);

    // ---------------------------------------------------------------- report

    /// <summary>"none" or the removed layers ascending, joined by ';' (the reference table's spelling).</summary>
    public static string AblationKey(IEnumerable<int> removed)
    {
        var layers = removed.Distinct().Order().ToList();
        return layers.Count == 0 ? "none" : string.Join(";", layers);
    }

    /// <summary>The ablation of a finished run, from its options.</summary>
    static string AblationKey(RunRecord run) => AblationKey(run.Options<LayerAblationOptions>().Model.RemovedLayers);

    /// <summary>Mean and std over seeds of (ablated error - full error), pairing runs by seed.</summary>
    public static (double mean, double std, int pairs) PairedChange(IReadOnlyDictionary<string, double> ablated, IReadOnlyDictionary<string, double> full)
    {
        var changes = ablated.Where(a => full.ContainsKey(a.Key)).Select(a => a.Value - full[a.Key]).ToList();
        var (mean, std) = Classification.MeanStd(changes);
        return (mean, std, changes.Count);
    }

    /// <summary>How many of the steps layer 1 -> 2 -> ... -> last lower the accuracy.</summary>
    public static int Drops(IReadOnlyList<double> accuracyByLayer)
    {
        var drops = 0;
        for (var i = 1; i < accuracyByLayer.Count; i++)
            if (accuracyByLayer[i] < accuracyByLayer[i - 1]) drops++;
        return drops;
    }

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.ToList();
        ReportAblation(context, runs);
        ReportFeatures(context, runs);
    }

    static void ReportAblation(ReportContext context, List<RunRecord> runs)
    {
        var byAblation = runs.GroupBy(r => AblationKey(r))
            .ToDictionary(g => g.Key, g => g.ToList());
        var reference = context.ReferenceTable("zeiler_fergus_ablation.csv");
        var paper = new Dictionary<string, (string millions, string points)>();
        for (var i = 0; i < reference.Rows.Count; i++)
        {
            var key = reference.Text(i, "removed_layers");
            paper[key.StartsWith("none", StringComparison.Ordinal) ? "none" : key] =
                (reference.Text(i, "params_removed_millions"), reference.Text(i, "top5_error_increase_points"));
        }

        static Dictionary<string, double> ErrorBySeed(List<RunRecord> group) =>
            group.Where(r => r.Metric("test_error") is not null)
                .GroupBy(r => r.Seed.ToString(CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => g.Average(r => r.Metric("test_error")!.Value));

        var full = byAblation.TryGetValue("none", out var none) ? ErrorBySeed(none) : new Dictionary<string, double>();
        double fullParameters = none?.Select(r => r.Metric("parameters") ?? double.NaN).FirstOrDefault(double.IsFinite) ?? double.NaN;

        var table = new ResultTable("ablation", "Removing layers and retraining (Zeiler & Fergus 2014, Table 3 analogue): Fashion-MNIST test error",
            ResultColumn.Text("removed_layers", "removed layers"), ResultColumn.Integer("runs"), ResultColumn.Integer("parameters"),
            ResultColumn.Integer("parameters_removed", "parameters removed"), ResultColumn.Number("parameters_removed_percent", "removed (%)", 1),
            ResultColumn.Number("test_error", "test error (%)", 2), ResultColumn.Number("error_change", "change in error (points)", 2),
            ResultColumn.Text("paper_parameters_removed", "paper: parameters removed (M)"),
            ResultColumn.Text("paper_error_change", "paper: top-5 error change (points)"));
        var changes = new Dictionary<string, double>();
        foreach (var key in new[] { "none" }.Concat(PaperAblations.Select(a => AblationKey(a))).Concat(byAblation.Keys).Distinct())
        {
            if (!byAblation.TryGetValue(key, out var group)) continue;
            var errors = ErrorBySeed(group);
            var (errorMean, errorStd) = Classification.MeanStd(errors.Values.ToList());
            double parameters = group.Select(r => r.Metric("parameters") ?? double.NaN).FirstOrDefault(double.IsFinite, double.NaN);
            double removed = fullParameters - parameters;
            ResultCell change = ResultCell.Empty;
            if (key == "none" && errors.Count > 0) change = ResultCell.Of(0.0);
            else if (key != "none")
            {
                var (mean, std, pairs) = PairedChange(errors, full);
                if (pairs > 0)
                {
                    change = ResultCell.Of(100 * mean, 100 * std);
                    changes[key] = 100 * mean;
                    context.AddMeasure($"error_change_{key.Replace(';', '_')}", 100 * mean);
                }
            }
            var (paperMillions, paperPoints) = paper.TryGetValue(key, out var p) ? p : ("", "");
            table.AddRow(key.Replace(";", ", "), group.Count, parameters, removed, 100 * removed / fullParameters,
                ResultCell.Of(100 * errorMean, errorStd * 100), change, paperMillions, paperPoints);
            if (key == "none") context.AddMeasure("test_error_full", 100 * errorMean);
        }
        context.AddTable(table);

        // The two orderings the paper draws from its table.
        var smaller = new[] { "7", "6;7", "3;4" };
        if (changes.TryGetValue("3;4;6;7", out var deepest) && smaller.All(changes.ContainsKey))
            context.AddMeasure("ablation_3_4_6_7_margin", deepest - smaller.Max(k => changes[k]));
        var others = new[] { "6;7", "3;4", "3;4;6;7" };
        if (changes.TryGetValue("7", out var seven) && others.All(changes.ContainsKey))
            context.AddMeasure("ablation_7_margin", others.Min(k => changes[k]) - seven);
    }

    static void ReportFeatures(ReportContext context, List<RunRecord> runs)
    {
        // Every (network seed, split) pair is one measurement; the spread covers both.
        var rows = runs.Where(r => AblationKey(r) == "none")
            .SelectMany(r => r.ReadMetrics())
            .Where(m => m.Split.StartsWith("features_", StringComparison.Ordinal) && m.Metric.EndsWith("_accuracy", StringComparison.Ordinal))
            .ToList();
        if (rows.Count == 0) return;
        static int LayerOf(string metric) => int.Parse(metric["layer".Length..metric.IndexOf('_')], CultureInfo.InvariantCulture);
        var accuracy = rows.GroupBy(m => (loss: m.Split["features_".Length..], layer: LayerOf(m.Metric)))
            .ToDictionary(g => g.Key, g => Classification.MeanStd(g.Select(m => m.Value).ToList()));
        var counts = rows.GroupBy(m => (m.Split, m.Metric)).Select(g => g.Count()).Distinct().ToList();
        var layers = accuracy.Keys.Select(k => k.layer).Distinct().Order().ToList();
        var fullRun = runs.First(r => AblationKey(r) == "none");
        var features = fullRun.Options<LayerAblationOptions>().Features;
        int perClass = features.PerClass;
        string probeData = features.Dataset.Name;

        var reference = context.ReferenceData("zeiler_fergus_layer_features.csv");
        int lossColumn = reference.Require("classifier"), layerColumn = reference.Require("layer"),
            meanColumn = reference.Require("caltech101_30_per_class"), stdColumn = reference.Require("caltech101_std");
        var paper = new Dictionary<(string loss, int layer), (double mean, double std)>();
        foreach (var r in reference.Records)
        {
            // A layer the paper reports no Caltech-101 number for has empty cells.
            if (reference.OptionalNumber(r, meanColumn) is { } mean && reference.OptionalNumber(r, stdColumn) is { } std)
                paper[(r[lossColumn], (int)reference.Integer(r, layerColumn))] = (mean, std);
        }

        var table = new ResultTable("layer_features",
            $"Linear classifiers on each layer's features of the full net ({probeData}, {perClass} training images per class) beside the paper's Caltech-101 (30 per class, Table 6)",
            ResultColumn.Text("layer"), ResultColumn.Integer("dims", "feature dims"),
            ResultColumn.Number("softmax_accuracy", "softmax accuracy (%)", 1), ResultColumn.Number("svm_accuracy", "SVM accuracy (%)", 1),
            ResultColumn.Number("paper_softmax", "paper: softmax Caltech-101 (%)", 1), ResultColumn.Number("paper_svm", "paper: SVM Caltech-101 (%)", 1));
        var figureData = new ResultTable("layer_features_curve", "Accuracy of linear classifiers vs tapped layer",
            ResultColumn.Text("series"), ResultColumn.Integer("layer"), ResultColumn.Number("accuracy"), ResultColumn.Number("std"));
        foreach (var layer in layers)
        {
            ResultCell Measured(string loss) =>
                accuracy.TryGetValue((loss, layer), out var a) ? ResultCell.Of(100 * a.mean, 100 * a.std) : ResultCell.Empty;
            ResultCell Paper(string loss) =>
                paper.TryGetValue((loss, layer), out var p) ? ResultCell.Of(p.mean, p.std) : ResultCell.Empty;
            var dims = fullRun.Metric($"features_layer{layer}_dims");
            table.AddRow(layer == LayerFeatures.Pixels ? "pixels" : layer.ToString(CultureInfo.InvariantCulture),
                dims is { } d ? ResultCell.Of(d) : ResultCell.Empty,
                Measured(LinearProbe.Softmax), Measured(LinearProbe.Svm), Paper(LinearProbe.Softmax), Paper(LinearProbe.Svm));
            foreach (var loss in LinearProbe.Losses)
            {
                if (!accuracy.TryGetValue((loss, layer), out var a)) continue;
                context.AddMeasure($"{loss}_layer{layer}_accuracy", a.mean);
                if (layer != LayerFeatures.Pixels) figureData.AddRow(loss, layer, 100 * a.mean, 100 * a.std);
            }
        }
        foreach (var ((loss, layer), p) in paper.OrderBy(k => k.Key.loss).ThenBy(k => k.Key.layer))
            figureData.AddRow($"paper_{loss}", layer, p.mean, p.std);
        context.AddTable(table);
        context.AddMeasure("feature_measurements_per_layer", counts.Count == 1 ? counts[0] : counts.DefaultIfEmpty(0).Min());

        foreach (var loss in LinearProbe.Losses)
        {
            var conv = Enumerable.Range(1, 5).Where(l => accuracy.ContainsKey((loss, l))).ToList();
            if (conv.Count == 5)
            {
                context.AddMeasure($"{loss}_rise_1_to_5", 100 * (accuracy[(loss, 5)].mean - accuracy[(loss, 1)].mean));
                context.AddMeasure($"{loss}_drops_1_to_5", Drops(conv.Select(l => accuracy[(loss, l)].mean).ToList()));
            }
        }

        var series = new List<FigureSeries>
        {
            new FigureSeries($"SVM, {probeData} {perClass}/class", "layer", "accuracy") { YError = "std", Style = SeriesStyle.ErrorLines }.Where("series", LinearProbe.Svm),
            new FigureSeries($"softmax, {probeData} {perClass}/class", "layer", "accuracy") { YError = "std", Style = SeriesStyle.ErrorLines }.Where("series", LinearProbe.Softmax),
            new FigureSeries("paper: SVM, Caltech-101 30/class", "layer", "accuracy") { Style = SeriesStyle.LinesPoints }.Where("series", "paper_svm"),
            new FigureSeries("paper: softmax, Caltech-101 30/class", "layer", "accuracy") { Style = SeriesStyle.Points }.Where("series", "paper_softmax"),
        };
        context.AddFigure(FigureSpec.Plot("accuracy_vs_layer", "Linear classifiers on each layer's features", figureData,
            new PlotPanel { Title = "accuracy vs tapped layer", XLabel = "layer", YLabel = "test accuracy (%)", Series = series }));
    }
}
