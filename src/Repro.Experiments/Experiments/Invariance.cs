using TorchSharp.PyBridge;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Experiments;

/// <summary>Evenly spaced amounts of one transformation, Min and Max included.</summary>
public sealed class AmountRange : ICheckedOptions
{
    public double Min { get; set; }

    public double Max { get; set; }

    [AtLeast(2)]
    public int Count { get; set; } = 2;

    public double[] Values(string key)
    {
        if (Count < 2) throw new ReproInputException($"{key}.count: {Count}; a curve needs at least 2 amounts");
        if (!(Max > Min)) throw new ReproInputException($"{key}: max {Max.ToString(CultureInfo.InvariantCulture)} must be above min {Min.ToString(CultureInfo.InvariantCulture)}");
        return Enumerable.Range(0, Count).Select(i => Math.Round(Min + (Max - Min) * i / (Count - 1), 9)).ToArray();
    }

    public IEnumerable<OptionProblem> Problems()
    {
        if (!(Max > Min))
            yield return new(nameof(Max), $"must be above min ({Min.ToString(CultureInfo.InvariantCulture)}), got {Max.ToString(CultureInfo.InvariantCulture)}");
    }
}

/// <summary>The <c>occlusion:</c> section: the grey square and which images it slides over.</summary>
public sealed class OcclusionOptions
{
    /// <summary>Side of the grey square in pixels.</summary>
    [AtLeast(1)]
    public int Size { get; set; } = 8;

    /// <summary>Pixels between neighbouring square positions.</summary>
    [AtLeast(1)]
    public int Stride { get; set; } = 2;

    /// <summary>Pixel value of the square.</summary>
    public double Grey { get; set; } = 0.5;

    /// <summary>Test-set indices of the images whose maps are drawn.</summary>
    [AtLeast(0)]
    public List<int> MapImages { get; set; } = [0, 2, 8, 18];

    /// <summary>The first this many test images give the object-versus-background means.</summary>
    [AtLeast(0)]
    public int Images { get; set; } = 100;

    /// <summary>A pixel is part of the object when it differs from the background value by more than this.</summary>
    [AtLeast(0)]
    public double ObjectThreshold { get; set; } = 0.05;

    /// <summary>Paper layer whose strongest feature map is followed (the top conv layer).</summary>
    [Between(1, 5)]
    public int FeatureLayer { get; set; } = 5;
}

public sealed class InvarianceOptions : ICheckedOptions
{
    public DatasetOptions Dataset { get; set; } = new();
    public ZfNetOptions Model { get; set; } = new();
    public TrainOptions Train { get; set; } = new();

    /// <summary>Weights of a trained ZF-style net (e.g. a baseline run's model.safetensors); empty trains one here.</summary>
    public string? Weights { get; set; }

    /// <summary>Test-set indices of the images whose curves are drawn (five in the paper).</summary>
    [AtLeast(0)]
    public List<int> Images { get; set; } = [0, 2, 8, 13, 18];

    /// <summary>The first this many test images give the mean curves and the feature norms distances are divided by.</summary>
    [AtLeast(1)]
    public int MeanImages { get; set; } = 300;

    /// <summary>Pixel value that fills what a transformation brings in from outside the image.</summary>
    public double Background { get; set; }

    /// <summary>Vertical translation in pixels.</summary>
    public AmountRange Translation { get; set; } = new() { Min = -8, Max = 8, Count = 17 };

    /// <summary>Scale factor.</summary>
    public AmountRange Scale { get; set; } = new() { Min = 0.6, Max = 1.4, Count = 9 };

    /// <summary>Rotation in degrees.</summary>
    public AmountRange Rotation { get; set; } = new() { Min = 0, Max = 360, Count = 13 };

    /// <summary>Paper layers compared: the bottom (1) and the top hidden layer (7).</summary>
    [Between(1, 8)]
    public int BottomLayer { get; set; } = 1;

    [Between(1, 8)]
    public int TopLayer { get; set; } = 7;

    public OcclusionOptions Occlusion { get; set; } = new();

    /// <summary>Images per forward pass when measuring.</summary>
    [AtLeast(1)]
    public int BatchSize { get; set; } = 500;

    public IEnumerable<OptionProblem> Problems()
    {
        if (!(Scale.Min > 0))
            yield return new("Scale.Min", $"must be positive, got {Scale.Min.ToString(CultureInfo.InvariantCulture)}");
        foreach (var (key, layer) in new[] { (nameof(BottomLayer), BottomLayer), (nameof(TopLayer), TopLayer), ("Occlusion.FeatureLayer", Occlusion.FeatureLayer) })
            if (Model.RemovedLayers.Contains(layer))
                yield return new(key, $"is layer {layer}, which options.model.removed_layers removes");
    }
}

/// <summary>
/// Zeiler and Fergus 2014, Fig. 5 and 7: how a trained ZF-style net's layer-1 and top-layer features and its
/// P(true class) move under vertical translation, scaling and rotation, and where a grey occluder hurts the
/// correct class. The run logs every curve and map to metrics.csv; the report draws them from there.
/// </summary>
public sealed class InvarianceExperiment : Experiment<InvarianceOptions>
{
    public override string Name => "invariance";

    public override string Description => "feature distance and P(true class) under translation, scale, rotation; occlusion maps (Zeiler & Fergus Fig. 5, 7)";

    public static readonly InvarianceTransform[] Transforms = [InvarianceTransform.Translation, InvarianceTransform.Scale, InvarianceTransform.Rotation];

    /// <summary>Split of an image's curve: "translation:image8"; the mean curve is "translation:mean".</summary>
    public static string CurveSplit(InvarianceTransform t, string image) => $"{TransformName(t)}:{image}";

    public static string TransformName(InvarianceTransform t) => t.ToString().ToLowerInvariant();

    public override MeasureCatalog Measures { get; } = new(
    [
        "mean_norm_layer{n}", "translation_p_true_min_2px", "test_accuracy", "train_seconds",
        "occlusion_drop_object", "occlusion_drop_background", "occlusion_images", "occlusion_drop_difference", "occlusion_drop_ratio",
        .. Transforms.SelectMany(t => new[] { $"{TransformName(t)}_growth_ratio", $"{TransformName(t)}_p_true_min" }),
    ]);

    public const string MeanCurve = "mean";
    public const string OcclusionDropSplit = "occlusion_drop";

    public static string ImageKey(int index) => $"image{index}";

    public override RunResult Run(InvarianceOptions options, RunContext context)
    {
        using var setup = ClassifierSetup.Load(options.Dataset, context);
        Validate(options, setup.Splits.Test);
        using var model = setup.ZfNet(options.Model);
        if (!model.Layers.Contains(options.BottomLayer) || !model.Layers.Contains(options.TopLayer) || !model.Layers.Contains(options.Occlusion.FeatureLayer))
            throw new ReproInputException($"options.model.removed_layers: the compared layers {options.BottomLayer}, {options.TopLayer} and occlusion feature layer {options.Occlusion.FeatureLayer} must be present");

        var testData = setup.Test;
        double trainSeconds = 0;
        if (string.IsNullOrWhiteSpace(options.Weights))
        {
            context.Log.Information("training the ZF-style net on {Train} images", setup.Train.Count);
            (_, trainSeconds, _) = setup.Fit(model, options.Train);
        }
        else
            ClassifierSetup.LoadWeights(model, options.Weights, "options.weights");
        var testEval = Evaluator.Evaluate(model, testData);
        context.Log.Information("test accuracy {Accuracy:P2}", testEval.Accuracy);
        model.eval();

        var summary = new List<(string, double)> { ("test_accuracy", testEval.Accuracy), ("train_seconds", trainSeconds) };
        using (torch.no_grad())
        {
            summary.AddRange(MeasureInvariance(model, testData, options, context));
            context.Cancel.ThrowIfCancellationRequested();
            summary.AddRange(MeasureOcclusion(model, testData, options, context));
        }
        return RunResult.Of(summary.ToArray());
    }

    static void Validate(InvarianceOptions options, ImageSet test)
    {
        foreach (var i in options.Images)
            if (i < 0 || i >= test.Count) throw new ReproInputException($"options.images: index {i} is outside the test set (0..{test.Count - 1})");
        foreach (var i in options.Occlusion.MapImages)
            if (i < 0 || i >= test.Count) throw new ReproInputException($"options.occlusion.map_images: index {i} is outside the test set (0..{test.Count - 1})");
        if (options.MeanImages < 1) throw new ReproInputException($"options.mean_images: {options.MeanImages} must be at least 1");
        if (options.Occlusion.Images < 0) throw new ReproInputException($"options.occlusion.images: {options.Occlusion.Images} must not be negative");
        if (options.BatchSize < 1) throw new ReproInputException($"options.batch_size: {options.BatchSize} must be at least 1");
        _ = options.Translation.Values("options.translation");
        _ = options.Scale.Values("options.scale");
        if (options.Scale.Min <= 0) throw new ReproInputException($"options.scale.min: {options.Scale.Min.ToString(CultureInfo.InvariantCulture)} must be positive");
        _ = options.Rotation.Values("options.rotation");
        try
        {
            Occlusion.Positions(test.Height, options.Occlusion.Size, options.Occlusion.Stride);
            Occlusion.Positions(test.Width, options.Occlusion.Size, options.Occlusion.Stride);
        }
        catch (ArgumentException e)
        {
            throw new ReproInputException($"options.occlusion: {e.Message}");
        }
    }

    static double[] Amounts(InvarianceOptions o, InvarianceTransform t) => t switch
    {
        InvarianceTransform.Translation => o.Translation.Values("options.translation"),
        InvarianceTransform.Scale => o.Scale.Values("options.scale"),
        _ => o.Rotation.Values("options.rotation"),
    };

    /// <summary>Layer features flattened per image, [N, D] on the CPU, plus class probabilities [N, classes].</summary>
    sealed record Features(float[] Bottom, int BottomLength, float[] Top, int TopLength, float[] Probabilities, int Classes)
    {
        public int Count => Probabilities.Length / Classes;

        public int Predicted(int i)
        {
            int best = 0;
            for (int c = 1; c < Classes; c++)
                if (Probabilities[i * Classes + c] > Probabilities[i * Classes + best]) best = c;
            return best;
        }

        public double Probability(int i, int c) => Probabilities[i * Classes + c];
    }

    static Features Extract(ZfNet model, Tensor images, InvarianceOptions o)
    {
        var bottom = new List<float>();
        var top = new List<float>();
        var probabilities = new List<float>();
        long bottomLength = 0, topLength = 0;
        for (long start = 0; start < images.size(0); start += o.BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            var batch = images.narrow(0, start, Math.Min(o.BatchSize, images.size(0) - start));
            var acts = model.Activations(batch, 8);
            var b = acts[o.BottomLayer].flatten(1);
            var t = acts[o.TopLayer].flatten(1);
            bottomLength = b.size(1);
            topLength = t.size(1);
            bottom.AddRange(b.cpu().data<float>().ToArray());
            top.AddRange(t.cpu().data<float>().ToArray());
            probabilities.AddRange(F.softmax(acts[8], 1).cpu().data<float>().ToArray());
        }
        return new Features(bottom.ToArray(), (int)bottomLength, top.ToArray(), (int)topLength, probabilities.ToArray(), model.Classes);
    }

    static IEnumerable<(string, double)> MeasureInvariance(ZfNet model, TensorDataset test, InvarianceOptions o, RunContext context)
    {
        int meanCount = Math.Min(o.MeanImages, test.Count);
        using var meanImages = test.Images.narrow(0, 0, meanCount).contiguous();
        var meanLabels = test.Source.Labels.AsSpan(0, meanCount).ToArray();
        var original = Extract(model, meanImages, o);
        // One scale per layer, from the untransformed images, for every curve: distances become comparable across
        // layers without changing the shape of any curve.
        double bottomNorm = FeatureDistance.MeanNorm(original.Bottom, original.BottomLength);
        double topNorm = FeatureDistance.MeanNorm(original.Top, original.TopLength);
        context.Metrics.Log(0, "feature_norm", $"layer{o.BottomLayer}", bottomNorm);
        context.Metrics.Log(0, "feature_norm", $"layer{o.TopLayer}", topNorm);
        var result = new List<(string, double)>
        {
            ($"mean_norm_layer{o.BottomLayer}", bottomNorm),
            ($"mean_norm_layer{o.TopLayer}", topNorm),
        };

        foreach (var t in Transforms)
        {
            var amounts = Amounts(o, t);
            var meanBottom = new List<double>();
            var meanTop = new List<double>();
            var meanTrue = new List<double>();
            for (int a = 0; a < amounts.Length; a++)
            {
                context.Cancel.ThrowIfCancellationRequested();
                Features moved;
                using (var warped = ImageTransforms2d.ApplyAll(meanImages, t, amounts[a], o.Background))
                    moved = Extract(model, warped, o);
                var curve = CurvePoint(original, moved, Enumerable.Range(0, meanCount).ToArray(), meanLabels, bottomNorm, topNorm);
                LogPoint(context, CurveSplit(t, MeanCurve), a, amounts[a], curve);
                meanBottom.Add(curve.bottom);
                meanTop.Add(curve.top);
                meanTrue.Add(curve.pTrue);
            }
            result.Add(($"{TransformName(t)}_growth_ratio", FeatureDistance.GrowthRatio(meanTop, meanBottom)));
            result.Add(($"{TransformName(t)}_p_true_min", meanTrue.Min()));
            if (t == InvarianceTransform.Translation)
                result.Add(("translation_p_true_min_2px", FeatureDistance.MinWithin(amounts, meanTrue, 0, 2)));

            foreach (var index in o.Images)
            {
                using var scope = torch.NewDisposeScope();
                var image = test.Images.narrow(0, index, 1);
                var single = Extract(model, image, o);
                var moved = Extract(model, ImageTransforms2d.Apply(image, t, amounts, o.Background), o);
                // Every row of the warped batch is compared with the one original.
                var repeated = new Features(
                    Repeat(single.Bottom, amounts.Length), single.BottomLength, Repeat(single.Top, amounts.Length), single.TopLength,
                    Repeat(single.Probabilities, amounts.Length), single.Classes);
                for (int a = 0; a < amounts.Length; a++)
                {
                    var point = CurvePoint(repeated, moved, [a], [test.Source.Labels[index]], bottomNorm, topNorm);
                    LogPoint(context, CurveSplit(t, ImageKey(index)), a, amounts[a], point);
                }
                context.Metrics.Log(0, CurveSplit(t, ImageKey(index)), "label", test.Source.Labels[index]);
            }
        }
        return result;
    }

    static float[] Repeat(float[] row, int times)
    {
        var result = new float[row.Length * times];
        for (int i = 0; i < times; i++) row.CopyTo(result, i * row.Length);
        return result;
    }

    /// <summary>Means over <paramref name="rows"/> of normalised distances, P(true class) and prediction changes.</summary>
    static (double bottom, double top, double pTrue, double changed) CurvePoint(Features original, Features moved, int[] rows, int[] labels, double bottomNorm, double topNorm)
    {
        double bottom = 0, top = 0, pTrue = 0, changed = 0;
        for (int k = 0; k < rows.Length; k++)
        {
            int i = rows[k];
            bottom += FeatureDistance.Euclidean(original.Bottom.AsSpan(i * original.BottomLength, original.BottomLength), moved.Bottom.AsSpan(i * moved.BottomLength, moved.BottomLength));
            top += FeatureDistance.Euclidean(original.Top.AsSpan(i * original.TopLength, original.TopLength), moved.Top.AsSpan(i * moved.TopLength, moved.TopLength));
            pTrue += moved.Probability(i, labels[k]);
            if (moved.Predicted(i) != original.Predicted(i)) changed++;
        }
        int n = rows.Length;
        return (FeatureDistance.Normalised(bottom / n, bottomNorm), FeatureDistance.Normalised(top / n, topNorm), pTrue / n, changed / n);
    }

    static void LogPoint(RunContext context, string split, int step, double amount, (double bottom, double top, double pTrue, double changed) p)
    {
        context.Metrics.Log(step, split, "amount", amount);
        context.Metrics.Log(step, split, "bottom_distance", p.bottom);
        context.Metrics.Log(step, split, "top_distance", p.top);
        context.Metrics.Log(step, split, "p_true", p.pTrue);
        context.Metrics.Log(step, split, "prediction_changed", p.changed);
    }

    static IEnumerable<(string, double)> MeasureOcclusion(ZfNet model, TensorDataset test, InvarianceOptions o, RunContext context)
    {
        var occ = o.Occlusion;
        var source = test.Source;
        OcclusionMap MapOf(int index)
        {
            using var scope = torch.NewDisposeScope();
            var image = test.Images.select(0, index);
            // The strongest feature map is chosen once, on the unoccluded image, and then followed (Fig. 7 (b)).
            var unoccluded = model.Activations(image.unsqueeze(0), occ.FeatureLayer)[occ.FeatureLayer];
            long strongest = unoccluded.flatten(2).amax(2).argmax(1).ToInt64();
            OcclusionProbe probe = batch =>
            {
                var acts = model.Activations(batch, 8);
                return (acts[8], acts[occ.FeatureLayer].select(1, strongest).sum([1, 2]));
            };
            return Occlusion.Map(probe, image, source.Labels[index], occ.Size, occ.Stride, occ.Grey, o.BatchSize);
        }

        foreach (var index in occ.MapImages)
        {
            var map = MapOf(index);
            string split = "occlusion:" + ImageKey(index);
            for (int r = 0; r < map.Rows; r++)
                for (int c = 0; c < map.Cols; c++)
                {
                    long step = r * map.Cols + c;
                    context.Metrics.Log(step, split, "row", r);
                    context.Metrics.Log(step, split, "col", c);
                    context.Metrics.Log(step, split, "p_true", map.TrueClassProbability[r, c]);
                    context.Metrics.Log(step, split, "most_probable_class", map.MostProbableClass[r, c]);
                    context.Metrics.Log(step, split, $"layer{occ.FeatureLayer}_activation", map.Feature![r, c]);
                }
            context.Metrics.Log(0, split, "label", source.Labels[index]);
            context.Metrics.Log(0, split, "unoccluded_p_true", map.UnoccludedProbability);
            // The input itself, for the grey panel beside the maps (first channel).
            var pixels = source.Image(index);
            string input = "input:" + ImageKey(index);
            context.Metrics.Log(0, input, "width", source.Width);
            for (int p = 0; p < source.Height * source.Width; p++)
                context.Metrics.Log(p, input, "pixel", pixels[p]);
        }

        double objectSum = 0, backgroundSum = 0;
        int counted = 0;
        int images = Math.Min(occ.Images, test.Count);
        for (int index = 0; index < images; index++)
        {
            context.Cancel.ThrowIfCancellationRequested();
            var box = Occlusion.ObjectBox(source.Image(index), source.Channels, source.Height, source.Width, o.Background, occ.ObjectThreshold);
            if (box is null) continue;
            var map = MapOf(index);
            var (objectDrop, objectPositions, backgroundDrop, backgroundPositions) = Occlusion.Drops(map, box.Value);
            context.Metrics.Log(index, OcclusionDropSplit, "object", objectDrop);
            context.Metrics.Log(index, OcclusionDropSplit, "background", backgroundDrop);
            context.Metrics.Log(index, OcclusionDropSplit, "object_positions", objectPositions);
            context.Metrics.Log(index, OcclusionDropSplit, "background_positions", backgroundPositions);
            context.Metrics.Log(index, OcclusionDropSplit, "unoccluded_p_true", map.UnoccludedProbability);
            // Only images with both kinds of position compare like with like.
            if (objectPositions == 0 || backgroundPositions == 0) continue;
            objectSum += objectDrop;
            backgroundSum += backgroundDrop;
            counted++;
        }
        double objectMean = counted > 0 ? objectSum / counted : double.NaN;
        double backgroundMean = counted > 0 ? backgroundSum / counted : double.NaN;
        return
        [
            ("occlusion_drop_object", objectMean),
            ("occlusion_drop_background", backgroundMean),
            ("occlusion_images", counted),
        ];
    }

    // ---------------------------------------------------------------- report

    /// <summary>
    /// "Much more": the object drop over the background drop, the latter floored at 0.01 so that a background
    /// drop of zero or below (occluding background does not hurt at all) still gives a finite ratio.
    /// </summary>
    public static double DropRatio(double objectDrop, double backgroundDrop) => objectDrop / Math.Max(backgroundDrop, 0.01);

    /// <summary>One point of a curve as read back from metrics.csv.</summary>
    public sealed record CurveRow(string Transform, string Image, int Step, double Amount, double Bottom, double Top, double PTrue, double Changed);

    /// <summary>Every curve point of a run, grouped from metrics.csv rows (split "transform:image").</summary>
    public static List<CurveRow> ReadCurves(IReadOnlyList<MetricRow> rows)
    {
        var points = new Dictionary<(string split, long step), Dictionary<string, double>>();
        foreach (var row in rows)
        {
            int colon = row.Split.IndexOf(':');
            if (colon < 0 || !Transforms.Any(t => row.Split.StartsWith(TransformName(t) + ":", StringComparison.Ordinal))) continue;
            if (row.Metric == "label") continue;
            if (!points.TryGetValue((row.Split, row.Step), out var values)) points[(row.Split, row.Step)] = values = new();
            values[row.Metric] = row.Value;
        }
        return points
            .Select(p =>
            {
                var parts = p.Key.split.Split(':', 2);
                double V(string m) => p.Value.TryGetValue(m, out var v) ? v : double.NaN;
                return new CurveRow(parts[0], parts[1], (int)p.Key.step, V("amount"), V("bottom_distance"), V("top_distance"), V("p_true"), V("prediction_changed"));
            })
            .OrderBy(r => Array.FindIndex(Transforms, t => TransformName(t) == r.Transform))
            .ThenBy(r => r.Image == MeanCurve ? 1 : 0).ThenBy(r => r.Image, StringComparer.Ordinal).ThenBy(r => r.Step)
            .ToList();
    }

    static readonly Dictionary<string, string> PaperText = new()
    {
        ["translation"] = "layer 1: large, grows fast; layer 7: smaller, quasi-linear; P(true) stable",
        ["scale"] = "layer 1: large, grows fast; layer 7: smaller, quasi-linear; P(true) stable",
        ["rotation"] = "layer 7 quasi-linear; P(true) not stable except for rotation-symmetric objects",
    };

    static readonly Dictionary<string, string> AmountUnit = new()
    {
        ["translation"] = "vertical translation (pixels)",
        ["scale"] = "scale factor",
        ["rotation"] = "rotation (degrees)",
    };

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.ToList();
        if (runs.Count == 0) return;
        double Mean(string metric) => RunStatistics.Mean(runs, metric);

        var first = runs[0];
        var metrics = first.ReadMetrics();
        var curves = ReadCurves(metrics);
        var options = first.Options<InvarianceOptions>();
        int bottomLayer = options.BottomLayer, topLayer = options.TopLayer, featureLayer = options.Occlusion.FeatureLayer;
        string[] classNames = options.Dataset.Name == DataSources.FashionMnist ? ClassNames.FashionMnist : [];
        string ClassName(double label) => (int)label >= 0 && (int)label < classNames.Length ? classNames[(int)label] : $"class {(int)label}";
        var labels = metrics.Where(m => m.Metric == "label").GroupBy(m => m.Split.Split(':', 2)[1]).ToDictionary(g => g.Key, g => g.First().Value);
        string ImageLabel(string image) =>
            image == MeanCurve ? "mean" : labels.TryGetValue(image, out var l) ? $"{image["image".Length..]} ({ClassName(l)})" : image;

        // Summary of each transformation's mean curve, measured from all runs; paper text beside it.
        var table = new ResultTable("invariance", "Invariance of features and output (mean over test images; distances divided by each layer's mean feature norm)",
            ResultColumn.Text("transformation"), ResultColumn.Text("range"),
            ResultColumn.Number("bottom_distance", $"mean layer-{bottomLayer} distance", 3), ResultColumn.Number("top_distance", $"mean layer-{topLayer} distance", 3),
            ResultColumn.Number("growth_ratio", $"layer-{topLayer} / layer-{bottomLayer} area", 3),
            ResultColumn.Percent("p_true_min", "min P(true) (%)", 1), ResultColumn.Percent("changed_max", "max prediction changed (%)", 1),
            ResultColumn.Text("paper", "paper (Fig. 5)"));
        foreach (var t in Transforms.Select(TransformName))
        {
            var mean = curves.Where(c => c.Transform == t && c.Image == MeanCurve).ToList();
            if (mean.Count == 0) continue;
            table.AddRow(t, $"{CellFormat.Number(mean.Min(c => c.Amount))} .. {CellFormat.Number(mean.Max(c => c.Amount))}",
                mean.Average(c => c.Bottom), mean.Average(c => c.Top), ResultCell.Of(Mean($"{t}_growth_ratio")),
                ResultCell.Of(Mean($"{t}_p_true_min")), mean.Max(c => c.Changed), PaperText[t]);
            context.AddMeasure($"{t}_growth_ratio", Mean($"{t}_growth_ratio"));
        }
        context.AddTable(table);
        context.AddMeasure("translation_p_true_min_2px", Mean("translation_p_true_min_2px"));
        context.AddMeasure("test_accuracy", Mean("test_accuracy"));

        // Fig. 5: rows translation, scale, rotation; columns layer-1 distance, top-layer distance, P(true class).
        if (curves.Count > 0)
        {
            var data = new ResultTable("invariance_curves", "Invariance curves",
                ResultColumn.Text("curve"), ResultColumn.Text("transformation"), ResultColumn.Text("image"), ResultColumn.Number("amount"),
                ResultColumn.Number("bottom_distance"), ResultColumn.Number("top_distance"), ResultColumn.Number("p_true"), ResultColumn.Number("prediction_changed"));
            foreach (var c in curves)
                data.AddRow($"{c.Transform}:{c.Image}", c.Transform, c.Image, c.Amount, c.Bottom, c.Top, c.PTrue, c.Changed);
            var images = curves.Select(c => c.Image).Distinct().OrderBy(i => i == MeanCurve ? 1 : 0).ThenBy(i => i, StringComparer.Ordinal).ToList();
            var panels = new List<PlotPanel>();
            foreach (var t in Transforms.Select(TransformName))
            {
                List<FigureSeries> Series(string y) => images
                    .Where(i => curves.Any(c => c.Transform == t && c.Image == i))
                    .Select(i => new FigureSeries(ImageLabel(i), "amount", y) { Style = i == MeanCurve ? SeriesStyle.Lines : SeriesStyle.LinesPoints }
                        .Where("curve", $"{t}:{i}")).ToList();
                panels.Add(new PlotPanel { Title = $"{t}: layer {bottomLayer}", XLabel = AmountUnit[t], YLabel = "normalised distance", YMin = 0, Series = Series("bottom_distance") });
                panels.Add(new PlotPanel { Title = $"{t}: layer {topLayer}", XLabel = AmountUnit[t], YLabel = "normalised distance", YMin = 0, Series = Series("top_distance") });
                panels.Add(new PlotPanel { Title = $"{t}: P(true class)", XLabel = AmountUnit[t], YLabel = "P(true class)", YMin = 0, YMax = 1, Series = Series("p_true") });
            }
            context.AddFigure(FigureSpec.Grid("invariance_curves", $"Feature distance and P(true class) under transformations (cf. Zeiler & Fergus Fig. 5)", data, 3, 3, panels));
        }

        // Fig. 7: object versus background occlusion, measured from all runs.
        double objectDrop = Mean("occlusion_drop_object"), backgroundDrop = Mean("occlusion_drop_background");
        var occlusion = new ResultTable("occlusion", "Drop of P(true class) when a grey square hides the object or only background",
            ResultColumn.Text("occluder on"), ResultColumn.Percent("drop", "mean drop of P(true) (%)", 1), ResultColumn.Integer("images"), ResultColumn.Text("paper", "paper (Fig. 7)"));
        occlusion.AddRow("object (inside its bounding box)", objectDrop, ResultCell.Of(Mean("occlusion_images")), "drops sharply");
        occlusion.AddRow("background (outside the box)", backgroundDrop, ResultCell.Of(Mean("occlusion_images")), "barely changes");
        context.AddTable(occlusion);
        context.AddMeasure("occlusion_drop_object", objectDrop);
        context.AddMeasure("occlusion_drop_background", backgroundDrop);
        context.AddMeasure("occlusion_drop_difference", objectDrop - backgroundDrop);
        context.AddMeasure("occlusion_drop_ratio", DropRatio(objectDrop, backgroundDrop));

        var maps = OcclusionPanels(metrics, featureLayer, ClassName);
        if (maps.Count > 0)
            context.AddFigure(FigureSpec.HeatMap("occlusion_maps", "Occlusion maps (cf. Zeiler & Fergus Fig. 7)", maps.Count / 4, 4, maps));
    }

    /// <summary>Per occluded image: the input (grey), P(true class), most probable class and the feature map's activation.</summary>
    static List<HeatMapPanel> OcclusionPanels(IReadOnlyList<MetricRow> metrics, int featureLayer, Func<double, string> className)
    {
        var panels = new List<HeatMapPanel>();
        var bySplit = metrics.Where(m => m.Split.StartsWith("occlusion:", StringComparison.Ordinal) || m.Split.StartsWith("input:", StringComparison.Ordinal))
            .GroupBy(m => m.Split).ToDictionary(g => g.Key, g => g.ToList());
        var images = bySplit.Keys.Where(k => k.StartsWith("occlusion:", StringComparison.Ordinal)).Select(k => k["occlusion:".Length..])
            .OrderBy(k => int.TryParse(k.AsSpan("image".Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue).ToList();
        foreach (var image in images)
        {
            var rows = bySplit["occlusion:" + image];
            if (!bySplit.TryGetValue("input:" + image, out var input)) continue;
            int width = (int)input.First(m => m.Metric == "width").Value;
            var pixels = input.Where(m => m.Metric == "pixel").ToList();
            var picture = new double[pixels.Count / width, width];
            foreach (var p in pixels) picture[p.Step / width, p.Step % width] = p.Value;
            var steps = rows.Where(m => m.Metric is not ("label" or "unoccluded_p_true")).GroupBy(m => m.Step)
                .Select(g => g.ToDictionary(m => m.Metric, m => m.Value)).ToList();
            int mapRows = (int)steps.Max(s => s["row"]) + 1, mapCols = (int)steps.Max(s => s["col"]) + 1;
            double[,] Map(string metric)
            {
                var m = new double[mapRows, mapCols];
                foreach (var s in steps) m[(int)s["row"], (int)s["col"]] = s[metric];
                return m;
            }
            double label = rows.First(m => m.Metric == "label").Value;
            string name = $"{image["image".Length..]} {className(label)}";
            panels.Add(new HeatMapPanel($"{name}: input", picture, grey: true) { ColourLabel = "pixel" });
            panels.Add(new HeatMapPanel($"{name}: P(true class)", Map("p_true")) { ColourLabel = "P(true class)" });
            var classes = Map("most_probable_class");
            // The colour scale shows class numbers; the title says which classes they are.
            string present = string.Join(", ", classes.Cast<double>().Distinct().Order().Select(k => $"{(int)k} {className(k)}"));
            panels.Add(new HeatMapPanel($"{name}: most probable class ({present})", classes) { ColourLabel = "class" });
            panels.Add(new HeatMapPanel($"{name}: layer-{featureLayer} strongest map", Map($"layer{featureLayer}_activation")) { ColourLabel = "total activation" });
        }
        return panels;
    }
}
