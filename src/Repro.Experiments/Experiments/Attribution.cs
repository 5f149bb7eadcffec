using System.Diagnostics;
using System.Globalization;
using Repro.Experiments.Config;
using Repro.Experiments.Data;
using Repro.Experiments.Metrics;
using Repro.Experiments.Models;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Experiments;

/// <summary>The <c>units:</c> section: which units and random directions get their nine strongest test images.</summary>
public sealed class TopUnitsOptions
{
    /// <summary>The first this many test images are searched.</summary>
    [AtLeast(9)]
    public int Images { get; set; } = 2000;

    /// <summary>Strongest images kept per unit or direction (nine in Zeiler and Fergus's Fig. 2).</summary>
    [AtLeast(1)]
    public int Top { get; set; } = 9;

    /// <summary>Units, and as many random unit-norm directions, per layer whose top images give the class purity.</summary>
    [AtLeast(1)]
    public int Units { get; set; } = 16;

    /// <summary>Paper layers (1..7) whose units and directions are compared.</summary>
    [NotEmpty, Distinct, Between(1, 7)]
    public List<int> PurityLayers { get; set; } = [1, 2, 3, 4, 5, 6, 7];

    /// <summary>Conv layers (1..5) drawn as a grid of top images and their deconvnet projections.</summary>
    [Distinct, Between(1, 5)]
    public List<int> GridLayers { get; set; } = [1, 2, 3, 4, 5];

    /// <summary>Units (and directions) drawn per grid.</summary>
    [AtLeast(1)]
    public int GridUnits { get; set; } = 3;

    /// <summary>Conv layer whose random directions are drawn beside its units.</summary>
    [Between(1, 5)]
    public int DirectionLayer { get; set; } = 5;
}

/// <summary>The <c>class_models:</c> section (Simonyan et al. 2014, Sect. 2).</summary>
public sealed class ClassModelOptions
{
    [AtLeast(1)]
    public int Steps { get; set; } = 200;

    [Positive]
    public double LearningRate { get; set; } = 0.1;

    /// <summary>Weight of the L2 penalty lambda ||x||^2.</summary>
    [AtLeast(0)]
    public double Lambda { get; set; } = 0.05;
}

/// <summary>The <c>occlusion:</c> section: the grey square of Zeiler and Fergus's occlusion maps.</summary>
public sealed class OccluderOptions
{
    [AtLeast(1)]
    public int Size { get; set; } = 8;

    [AtLeast(1)]
    public int Stride { get; set; } = 4;

    public double Grey { get; set; } = 0.5;
}

/// <summary>The <c>deletion:</c> section (Petsiuk et al. 2018).</summary>
public sealed class DeletionOptions
{
    /// <summary>Equal steps from nothing removed to every pixel removed.</summary>
    [AtLeast(1)]
    public int Steps { get; set; } = 16;

    /// <summary>Value a removed pixel takes (every channel).</summary>
    public double Fill { get; set; }
}

/// <summary>The <c>canvases:</c> section: one object on a cluttered canvas with its box known, and a net trained on them.</summary>
public sealed class CanvasOptions
{
    /// <summary>The detection set's generator; one object per canvas makes the object's class the canvas's label.</summary>
    public GeneratedVocOptions Generated { get; set; } = new() { CanvasSize = 64, MinObjectSize = 20, MaxObjectSize = 32, MinObjects = 1, MaxObjects = 1, TrainImages = 3000, TestImages = 300, DifficultFraction = 0 };

    public ZfNetOptions Model { get; set; } = new() { ConvChannels = [16, 32, 48, 48, 32], HiddenUnits = [128, 128], Dropout = 0.3 };

    public TrainOptions Train { get; set; } = new() { Epochs = 4, BatchSize = 64, Optimizer = OptimizerKind.Adam, LearningRate = 0.001, Schedule = LearningRateDecay.Cosine };

    /// <summary>The first this many test canvases give the pointing game and the deletion curves.</summary>
    [AtLeast(1)]
    public int Images { get; set; } = 100;

    /// <summary>Pixels a map's maximum may lie outside the object's box and still hit (15 on VOC's ~500 px images in the paper).</summary>
    [AtLeast(0)]
    public double Tolerance { get; set; } = 2;

    /// <summary>Test-canvas indices whose maps are drawn.</summary>
    [AtLeast(0)]
    public List<int> MapImages { get; set; } = [0, 1, 2];
}

public sealed class AttributionOptions : ICheckedOptions
{
    public DatasetOptions Dataset { get; set; } = new();
    public ZfNetOptions Model { get; set; } = new();
    public TrainOptions Train { get; set; } = new();
    public TopUnitsOptions Units { get; set; } = new();
    public ClassModelOptions ClassModels { get; set; } = new();

    /// <summary>Test-set indices of the images whose maps are drawn side by side.</summary>
    [AtLeast(0)]
    public List<int> MapImages { get; set; } = [0, 2, 8];

    public CanvasOptions Canvases { get; set; } = new();
    public OccluderOptions Occlusion { get; set; } = new();
    public DeletionOptions Deletion { get; set; } = new();

    /// <summary>Test canvases timed one map at a time per method.</summary>
    [AtLeast(1)]
    public int TimedImages { get; set; } = 10;

    [AtLeast(1)]
    public int BatchSize { get; set; } = 500;

    public IEnumerable<OptionProblem> Problems()
    {
        if (Units.GridUnits > Units.Units)
            yield return new("Units.GridUnits", $"must be at most units.units ({Units.Units}), got {Units.GridUnits}");
        foreach (var layer in Units.PurityLayers.Concat(Units.GridLayers).Append(Units.DirectionLayer).Distinct())
            if (Model.RemovedLayers.Contains(layer))
                yield return new("Units", $"names layer {layer}, which options.model.removed_layers removes");
        if (Units.Top > Units.Images)
            yield return new("Units.Top", $"must be at most units.images ({Units.Images}), got {Units.Top}");
    }
}

/// <summary>
/// What a ConvNet looks at: Zeiler and Fergus's top-9 images per unit with their deconvnet projections (Fig. 2),
/// single units against random directions (Szegedy et al. 2014), gradient, deconvnet and guided-backprop maps
/// (Simonyan et al. 2014; Springenberg et al. 2015) against occlusion and a random map, class models (Simonyan et
/// al.), and, on canvases whose object box is known, the pointing game (Zhang et al. 2016), deletion curves
/// (Petsiuk et al. 2018) and the milliseconds each map costs. The run writes its pictures (pictures.csv,
/// panels.csv, boxes.csv) beside metrics.csv; the report draws every image figure from them.
/// </summary>
public sealed class AttributionExperiment : Experiment<AttributionOptions>
{
    public override string Name => "attribution";

    public override string Description => "top-9 units and deconvnet projections, saliency and guided backprop, class models, pointing game, deletion (Zeiler & Fergus; Simonyan; Springenberg)";

    /// <summary>The map methods in table order; the names are those of metrics and configs.</summary>
    public const string Gradient = "gradient", DeconvnetMethod = "deconvnet", GuidedBackprop = "guided-backprop", OcclusionMethod = "occlusion", RandomMethod = "random", Centre = "centre";

    public static readonly string[] MapMethods = [Gradient, DeconvnetMethod, GuidedBackprop, OcclusionMethod, RandomMethod];

    static readonly (string method, BackwardRule rule)[] RuleMethods =
        [(Gradient, BackwardRule.Gradient), (DeconvnetMethod, BackwardRule.Deconvnet), (GuidedBackprop, BackwardRule.GuidedBackprop)];

    /// <summary>A method as it appears inside metric names: guided-backprop -> guided_backprop.</summary>
    public static string Key(string method) => method.Replace('-', '_');

    public override MeasureCatalog Measures { get; } = new(
    [
        "test_accuracy", "train_seconds", "canvas_test_accuracy", "canvas_train_seconds", "timed_images",
        "class_model_score_gain_min", "class_model_objective_gain_min",
        "purity_units", "purity_directions", "purity_units_layer{n}", "purity_directions_layer{n}", "purity_units_minus_directions",
        "pointing_images", "pointing_tolerance", $"pointing_{Centre}",
        .. MapMethods.Select(Key).SelectMany(m => new[] { $"pointing_{m}", $"deletion_area_{m}", $"ms_per_map_{m}", $"cpu_ms_per_map_{m}" }),
        .. new[] { Key(Gradient), Key(GuidedBackprop) }.SelectMany(m => new[] { $"pointing_{m}_minus_{RandomMethod}", $"pointing_{m}_minus_{Centre}", $"deletion_{RandomMethod}_minus_{m}" }),
        "occlusion_vs_gradient_cost", "occlusion_vs_gradient_wall_cost",
    ]);

    public const string PicturesFile = "pictures.csv", PanelsFile = "panels.csv", BoxesFile = "boxes.csv";

    public override RunResult Run(AttributionOptions options, RunContext context)
    {
        var device = ClassifierRun.DeviceOf(context);
        var splits = DataSources.LoadTrainTest(options.Dataset, context.DataRoot);
        Validate(options, splits.Test);
        var book = new PictureBook();
        var summary = new List<(string, double)>();

        using var model = new ZfNet(options.Model, splits.Train.Channels, splits.Train.Height, splits.Train.ClassCount);
        model.to(device);
        using var test = new TensorDataset(splits.Test, device);
        double trainSeconds;
        using (var train = new TensorDataset(splits.Train, device))
        {
            context.Log.Information("training the ZF-style net on {Train} images", train.Count);
            (_, trainSeconds, _) = ClassifierRun.Train(model, train, options.Train, context, Augmentation.Create(options.Dataset.Transforms, splits.Train), evaluate: [("test", test)]);
        }
        model.eval();
        summary.Add(("test_accuracy", Evaluator.Evaluate(model, test).Accuracy));
        summary.Add(("train_seconds", trainSeconds));
        string[] classNames = splits.Test.ClassNames;

        var clock = Stopwatch.StartNew();
        summary.AddRange(TopUnits(model, test, options, context, book, classNames));
        context.Log.Information("top images of units and directions: {Seconds:F1} s", clock.Elapsed.TotalSeconds);
        context.Cancel.ThrowIfCancellationRequested();
        summary.AddRange(DrawClassModels(model, splits.Test, options.ClassModels, device, context, book, classNames));
        summary.AddRange(DrawFashionMaps(model, test, options, context, book, classNames));
        context.Cancel.ThrowIfCancellationRequested();

        summary.AddRange(Canvases(options, context, device, book));
        book.Write(context.RunDirectory);
        return RunResult.Of(summary.ToArray());
    }

    static void Validate(AttributionOptions o, ImageSet test)
    {
        foreach (var i in o.MapImages)
            if (i < 0 || i >= test.Count) throw new ReproInputException($"options.map_images: index {i} is outside the test set (0..{test.Count - 1})");
        if (o.Units.Top > test.Count) throw new ReproInputException($"options.units.top: {o.Units.Top} is more than the {test.Count} test images");
        foreach (var i in o.Canvases.MapImages)
            if (i < 0 || i >= o.Canvases.Generated.TestImages)
                throw new ReproInputException($"options.canvases.map_images: index {i} is outside the test canvases (0..{o.Canvases.Generated.TestImages - 1})");
        if (o.Canvases.Generated.MaxObjects != 1 || o.Canvases.Generated.MinObjects != 1)
            throw new ReproInputException("options.canvases.generated: min_objects and max_objects must be 1 (a canvas's label is its one object's class)");
        try
        {
            foreach (int extent in new[] { test.Height, test.Width, o.Canvases.Generated.CanvasSize })
                Occlusion.Positions(extent, o.Occlusion.Size, o.Occlusion.Stride);
        }
        catch (ArgumentException e)
        {
            throw new ReproInputException($"options.occlusion: {e.Message}");
        }
    }

    // ---- top images of units and random directions (Zeiler & Fergus Fig. 2; Szegedy et al. 2014) ----

    /// <summary>Per image of the searched set: every channel's strongest activation and where it was, for one layer.</summary>
    sealed class LayerScores(int channels, int height, int width)
    {
        public int Channels { get; } = channels;
        public int Height { get; } = height;
        public int Width { get; } = width;
        public List<float> Values { get; } = new();
        public List<long> Positions { get; } = new();
        public List<float> DirectionValues { get; } = new();
        public List<long> DirectionPositions { get; } = new();
    }

    static IEnumerable<(string, double)> TopUnits(ZfNet model, TensorDataset test, AttributionOptions o, RunContext context, PictureBook book, string[] classNames)
    {
        var u = o.Units;
        int n = Math.Min(u.Images, test.Count);
        var layers = u.PurityLayers.Concat(u.GridLayers).Append(u.DirectionLayer).Distinct().Order().ToList();
        int last = layers.Max();
        var scores = new Dictionary<int, LayerScores>();
        var directions = new Dictionary<int, Tensor>();
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad())
        {
            for (int start = 0; start < n; start += o.BatchSize)
            {
                using var batchScope = torch.NewDisposeScope();
                var batch = test.Images.narrow(0, start, Math.Min(o.BatchSize, n - start));
                var acts = model.Activations(batch, last);
                foreach (var layer in layers)
                {
                    var a = acts[layer];
                    var maps = a.dim() == 4 ? a : a.unsqueeze(2).unsqueeze(3);
                    if (!scores.TryGetValue(layer, out var s))
                    {
                        scores[layer] = s = new LayerScores((int)maps.size(1), (int)maps.size(2), (int)maps.size(3));
                        // Random unit-norm directions in the layer's channel space, one seed stream per layer.
                        var random = new SeededRandom(context.Seed, "attribution-directions", layer);
                        var w = new float[u.Units * s.Channels];
                        for (int i = 0; i < w.Length; i++) w[i] = (float)Gaussian(random);
                        var d = torch.tensor(w, u.Units, s.Channels).to(maps.device);
                        directions[layer] = (d / d.norm(1, keepdim: true)).MoveToOuterDisposeScope();
                    }
                    var (values, positions) = maps.flatten(2).max(2);
                    s.Values.AddRange(values.cpu().data<float>().ToArray());
                    s.Positions.AddRange(positions.cpu().data<long>().ToArray());
                    var projected = torch.einsum("bchw,kc->bkhw", maps, directions[layer]).flatten(2).max(2);
                    s.DirectionValues.AddRange(projected.values.cpu().data<float>().ToArray());
                    s.DirectionPositions.AddRange(projected.indexes.cpu().data<long>().ToArray());
                }
            }
        }

        var labels = test.Source.Labels;
        var result = new List<(string, double)>();
        var unitPurities = new List<double>();
        var directionPurities = new List<double>();
        var chosen = new Dictionary<int, int[]>();
        foreach (var layer in layers)
        {
            var s = scores[layer];
            // Units: drawn at random among the channels that fire on some searched image (dead ones have no top images).
            var alive = Enumerable.Range(0, s.Channels).Where(c => Enumerable.Range(0, n).Any(i => s.Values[i * s.Channels + c] > 0)).ToArray();
            new SeededRandom(context.Seed, "attribution-units", layer).Shuffle(alive.AsSpan());
            chosen[layer] = alive.Take(u.Units).ToArray();
            if (!u.PurityLayers.Contains(layer)) continue;
            var unitPurity = chosen[layer].Select(c => Purity(Column(s.Values, s.Channels, n, c), labels, u.Top)).ToList();
            var directionPurity = Enumerable.Range(0, u.Units).Select(k => Purity(Column(s.DirectionValues, u.Units, n, k), labels, u.Top)).ToList();
            double unitMean = unitPurity.DefaultIfEmpty(double.NaN).Average(), directionMean = directionPurity.Average();
            context.Metrics.Log(layer, "purity", "units", unitMean);
            context.Metrics.Log(layer, "purity", "directions", directionMean);
            context.Metrics.Log(layer, "purity", "units_measured", unitPurity.Count);
            result.Add(($"purity_units_layer{layer}", unitMean));
            result.Add(($"purity_directions_layer{layer}", directionMean));
            unitPurities.AddRange(unitPurity);
            directionPurities.AddRange(directionPurity);
        }
        result.Add(("purity_units", unitPurities.DefaultIfEmpty(double.NaN).Average()));
        result.Add(("purity_directions", directionPurities.DefaultIfEmpty(double.NaN).Average()));

        // Grids: per drawn unit its top images' patches at the unit's receptive field and their deconvnet projections.
        int height = test.Source.Height, width = test.Source.Width;
        foreach (var layer in u.GridLayers)
        {
            var s = scores[layer];
            var modules = BackwardRules.Modules(model, layer);
            var field = Deconvnet.Field(modules);
            int tile = Math.Min(field.Size, Math.Min(height, width));
            string figure = $"top9_layer{layer}";
            string title = $"Layer {layer}: the {u.Top} strongest test images per unit (receptive field {tile} px) and their deconvnet projections (cf. Zeiler & Fergus Fig. 2)";
            foreach (var c in chosen[layer].Take(u.GridUnits))
            {
                var top = AttributionMaps.Top(Column(s.Values, s.Channels, n, c), u.Top);
                var positions = top.Select(i => { long p = s.Positions[i * s.Channels + c]; return (c, (int)(p / s.Width), (int)(p % s.Width)); }).ToList();
                using var imageScope = torch.NewDisposeScope();
                var images = test.Images.index_select(0, torch.tensor(top.Select(i => (long)i).ToArray(), device: test.Images.device));
                var projections = Deconvnet.Project(modules, images, positions).cpu();
                var patchTiles = new List<int[,]>();
                var projectionTiles = new List<int[,]>();
                for (int k = 0; k < top.Length; k++)
                {
                    var (_, row, col) = positions[k];
                    var box = Crop(field, row, col, tile, height, width);
                    patchTiles.Add(Pictures.Tile(images[k].cpu(), box, TileScaling.Intensity));
                    projectionTiles.Add(Pictures.Tile(projections[k], box, TileScaling.Signed));
                }
                string purity = string.Join("", $" ({Classes(top, labels, classNames)})");
                book.Add(figure, title, 2, $"unit {c}: top {u.Top}{purity}", $"{figure}_unit{c}_images", Pictures.Mosaic(patchTiles, 3));
                book.Add(figure, title, 2, $"unit {c}: deconvnet projections", $"{figure}_unit{c}_projections", Pictures.Mosaic(projectionTiles, 3));
            }
        }

        // Random directions of one layer beside its units: the top images' patches at the direction's best position.
        {
            int layer = u.DirectionLayer;
            var s = scores[layer];
            var field = Deconvnet.Field(BackwardRules.Modules(model, layer));
            int tile = Math.Min(field.Size, Math.Min(height, width));
            string figure = $"top9_directions_layer{layer}";
            string title = $"Layer {layer}: the {u.Top} strongest test images of single units and of random directions (cf. Szegedy et al. 2014, Fig. 1-4)";
            for (int k = 0; k < u.GridUnits; k++)
            {
                foreach (var (what, values, positions, count, index) in new[]
                         {
                             ("unit", s.Values, s.Positions, s.Channels, chosen[layer].ElementAtOrDefault(k)),
                             ("direction", s.DirectionValues, s.DirectionPositions, u.Units, k),
                         })
                {
                    var top = AttributionMaps.Top(Column(values, count, n, index), u.Top);
                    var tiles = top.Select(i =>
                    {
                        long p = positions[i * count + index];
                        return Pictures.Tile(test.Images[i].cpu(), Crop(field, (int)(p / s.Width), (int)(p % s.Width), tile, height, width), TileScaling.Intensity);
                    }).ToList();
                    double purity = AttributionMaps.ClassPurity(top.Select(i => labels[i]).ToList());
                    book.Add(figure, title, 2, $"{what} {index}: purity {purity.ToString("0.00", CultureInfo.InvariantCulture)} ({Classes(top, labels, classNames)})",
                        $"{figure}_{what}{index}", Pictures.Mosaic(tiles, 3));
                }
            }
        }
        foreach (var d in directions.Values) d.Dispose();
        return result;
    }

    static string Classes(int[] top, int[] labels, string[] classNames) =>
        string.Join(", ", top.Select(i => labels[i]).GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key)
            .Take(2).Select(g => $"{g.Count()} {(g.Key < classNames.Length ? classNames[g.Key] : g.Key.ToString(CultureInfo.InvariantCulture))}"));

    static double Purity(float[] scores, int[] labels, int top) =>
        AttributionMaps.ClassPurity(AttributionMaps.Top(scores, top).Select(i => labels[i]).ToList());

    static float[] Column(List<float> values, int columns, int rows, int column)
    {
        var result = new float[rows];
        for (int i = 0; i < rows; i++) result[i] = values[i * columns + column];
        return result;
    }

    /// <summary>A tile x tile square of the image around a position's receptive field, moved inside the image where it sticks out.</summary>
    static PixelBox Crop(ReceptiveField field, int row, int col, int tile, int height, int width)
    {
        int top = field.Jump == 0 ? 0 : Math.Clamp(field.Start + row * field.Jump + (field.Size - tile) / 2, 0, height - tile);
        int left = field.Jump == 0 ? 0 : Math.Clamp(field.Start + col * field.Jump + (field.Size - tile) / 2, 0, width - tile);
        return new PixelBox(top, left, top + tile, left + tile);
    }

    static double Gaussian(SeededRandom random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    // ---- class models (Simonyan et al. 2014, Sect. 2) ----

    static IEnumerable<(string, double)> DrawClassModels(ZfNet model, ImageSet test, ClassModelOptions o, Device device, RunContext context, PictureBook book, string[] classNames)
    {
        var classes = Enumerable.Range(0, test.ClassCount).ToArray();
        using var result = ClassModels.Ascend(model, classes, [test.Channels, test.Height, test.Width], o.Steps, o.LearningRate, o.Lambda, device);
        using var images = result.Images.cpu();
        string title = $"Class models: argmax S_c(x) - {o.Lambda.ToString(CultureInfo.InvariantCulture)} ||x||^2 by {o.Steps} steps of gradient ascent from x = 0 (cf. Simonyan et al. 2014, Fig. 1)";
        foreach (var c in classes)
        {
            context.Metrics.Log(c, "class_model", "start_score", result.StartScores[c]);
            context.Metrics.Log(c, "class_model", "end_score", result.EndScores[c]);
            context.Metrics.Log(c, "class_model", "start_objective", result.StartObjectives[c]);
            context.Metrics.Log(c, "class_model", "end_objective", result.EndObjectives[c]);
            var image = images[c];
            book.Add("class_models", title, 5, $"{(c < classNames.Length ? classNames[c] : c.ToString(CultureInfo.InvariantCulture))}: score {result.EndScores[c].ToString("0.0", CultureInfo.InvariantCulture)}",
                $"class_model{c}", Pictures.Tile(image, new PixelBox(0, 0, test.Height, test.Width), TileScaling.Stretched));
        }
        return [("class_model_score_gain_min", classes.Min(c => result.EndScores[c] - result.StartScores[c])),
            ("class_model_objective_gain_min", classes.Min(c => result.EndObjectives[c] - result.StartObjectives[c]))];
    }

    // ---- attribution maps ----

    /// <summary>Every method's map of each image [N,C,H,W] for its label, as N arrays of H*W values per method.</summary>
    static Dictionary<string, float[][]> Maps(ZfNet model, Tensor images, int[] labels, OccluderOptions occluder, SeededRandom random)
    {
        int count = (int)images.size(0), height = (int)images.size(2), width = (int)images.size(3);
        var maps = new Dictionary<string, float[][]>();
        var modules = BackwardRules.Modules(model);
        using (var scope = torch.NewDisposeScope())
        using (var pass = RecordedPass.Run(modules, images))
        {
            var signal = F.one_hot(torch.tensor(labels.Select(l => (long)l).ToArray(), device: images.device), pass.Output.size(1)).to(pass.Output.dtype);
            foreach (var (method, rule) in RuleMethods)
            {
                var map = AttributionMaps.MaxMagnitude(pass.Backward(signal, rule)).cpu().data<float>().ToArray();
                maps[method] = Enumerable.Range(0, count).Select(i => map.AsSpan(i * height * width, height * width).ToArray()).ToArray();
            }
        }
        maps[OcclusionMethod] = Enumerable.Range(0, count).Select(i => OcclusionMap(model, images[i], labels[i], occluder, height, width)).ToArray();
        maps[RandomMethod] = Enumerable.Range(0, count).Select(_ => AttributionMaps.Random(random, height, width)).ToArray();
        return maps;
    }

    static float[] OcclusionMap(ZfNet model, Tensor image, int label, OccluderOptions o, int height, int width)
    {
        var map = Occlusion.Map(batch => (model.forward(batch), null), image, label, o.Size, o.Stride, o.Grey);
        return AttributionMaps.FromOcclusion(map, height, width);
    }

    static IEnumerable<(string, double)> DrawFashionMaps(ZfNet model, TensorDataset test, AttributionOptions o, RunContext context, PictureBook book, string[] classNames)
    {
        if (o.MapImages.Count == 0) return [];
        using var scope = torch.NewDisposeScope();
        var indices = o.MapImages.ToArray();
        var images = test.Images.index_select(0, torch.tensor(indices.Select(i => (long)i).ToArray(), device: test.Images.device));
        var labels = indices.Select(i => test.Source.Labels[i]).ToArray();
        var maps = Maps(model, images, labels, o.Occlusion, new SeededRandom(context.Seed, "attribution-random-maps-drawn"));
        DrawMaps(book, "maps", "Attribution maps of test images for their true class (cf. Springenberg et al. 2015, Fig. 6; Zeiler & Fergus Fig. 7)",
            images.cpu(), indices, labels, classNames, maps, null);
        return [];
    }

    static void DrawMaps(PictureBook book, string figure, string title, Tensor images, int[] indices, int[] labels, string[] classNames,
        Dictionary<string, float[][]> maps, PixelBox[]? boxes)
    {
        int height = (int)images.size(2), width = (int)images.size(3);
        for (int k = 0; k < indices.Length; k++)
        {
            string name = $"{indices[k]} ({(labels[k] < classNames.Length ? classNames[labels[k]] : labels[k].ToString(CultureInfo.InvariantCulture))})";
            var extra = new List<ImageBox>();
            if (boxes is not null)
            {
                var b = boxes[k];
                extra.Add(new ImageBox(b.Left, b.Top, b.Right - 1, b.Bottom - 1, "object", 0x00c000));
            }
            book.Add(figure, title, MapMethods.Length + 1, $"{name}: input", $"{figure}_{indices[k]}_input",
                Pictures.Tile(images[k], new PixelBox(0, 0, height, width), TileScaling.Intensity), extra);
            foreach (var method in MapMethods)
            {
                var map = maps[method][k];
                var (row, col) = PointingGame.Maximum(map, height, width);
                var marks = new List<ImageBox>(extra);
                if (boxes is not null)
                    marks.Add(new ImageBox(col, row, col, row, "max", 0x00a0ff));
                book.Add(figure, title, MapMethods.Length + 1, $"{name}: {method}", $"{figure}_{indices[k]}_{Key(method)}", Pictures.HeatMap(map, height, width), marks);
            }
        }
    }

    // ---- canvases: pointing game, deletion, cost ----

    static IEnumerable<(string, double)> Canvases(AttributionOptions o, RunContext context, Device device, PictureBook book)
    {
        var c = o.Canvases;
        string generated = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(context.RunDirectory))!, "cache", "generated");
        var clock = Stopwatch.StartNew();
        string root = GeneratedVoc.Generate(c.Generated, generated, context.DataRoot);
        var classes = c.Generated.Classes.ToArray();
        var (train, _) = LoadCanvases(root, "trainval", classes);
        var (testSet, testBoxes) = LoadCanvases(root, "test", classes);
        context.Log.Information("canvases: {Train} training and {Test} test images in {Seconds:F1} s", train.Count, testSet.Count, clock.Elapsed.TotalSeconds);

        using var model = new ZfNet(c.Model, train.Channels, train.Height, train.ClassCount);
        model.to(device);
        using var test = new TensorDataset(testSet, device);
        double trainSeconds;
        using (var trainData = new TensorDataset(train, device))
            (_, trainSeconds, _) = ClassifierRun.Train(model, trainData, c.Train, context, metricPrefix: "canvas_", seed: context.Seed + 1, evaluate: [("test", test)]);
        model.eval();
        var result = new List<(string, double)> { ("canvas_test_accuracy", Evaluator.Evaluate(model, test).Accuracy), ("canvas_train_seconds", trainSeconds) };

        int n = Math.Min(c.Images, test.Count), height = testSet.Height, width = testSet.Width;
        var labels = testSet.Labels.Take(n).ToArray();
        var maps = new Dictionary<string, float[][]>();
        var random = new SeededRandom(context.Seed, "attribution-random-maps");
        for (int start = 0; start < n; start += 50)
        {
            context.Cancel.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(50, n - start);
            var part = Maps(model, test.Images.narrow(0, start, count), labels[start..(start + count)], o.Occlusion, random);
            foreach (var (method, m) in part)
                maps[method] = maps.TryGetValue(method, out var earlier) ? earlier.Concat(m).ToArray() : m;
        }

        // Pointing game: the map's maximum within the tolerance of the object's box; the centre point as a baseline.
        var boxes = testBoxes.Take(n).ToList();
        foreach (var method in MapMethods)
        {
            var points = maps[method].Select(m => PointingGame.Maximum(m, height, width)).ToList();
            result.Add(($"pointing_{Key(method)}", PointingGame.Accuracy(points, boxes, c.Tolerance)));
        }
        result.Add(($"pointing_{Centre}", PointingGame.Accuracy(Enumerable.Repeat(PointingGame.Centre(height, width), n).ToList(), boxes, c.Tolerance)));
        result.Add(("pointing_images", n));
        result.Add(("pointing_tolerance", c.Tolerance));

        // Deletion: the most salient pixels go first; the mean P(true class) curve per method and its area.
        var fractions = DeletionCurve.Fractions(o.Deletion.Steps);
        foreach (var method in MapMethods)
        {
            var sum = new double[fractions.Length];
            var areas = new List<double>();
            for (int i = 0; i < n; i++)
            {
                using var scope = torch.NewDisposeScope();
                var masks = DeletionCurve.Masks(DeletionCurve.Order(maps[method][i]), fractions);
                var mask = torch.tensor(masks, fractions.Length, 1, height, width).to(device);
                var image = test.Images[i].unsqueeze(0);
                using var _ = torch.no_grad();
                var probabilities = F.softmax(model.forward(image * (1 - mask) + mask * o.Deletion.Fill), 1).select(1, labels[i]).cpu().data<float>().Select(v => (double)v).ToArray();
                for (int s = 0; s < fractions.Length; s++) sum[s] += probabilities[s];
                areas.Add(DeletionCurve.Area(fractions, probabilities));
            }
            for (int s = 0; s < fractions.Length; s++)
            {
                context.Metrics.Log(s, $"deletion:{method}", "fraction", fractions[s]);
                context.Metrics.Log(s, $"deletion:{method}", "p_true", sum[s] / n);
            }
            result.Add(($"deletion_area_{Key(method)}", areas.Average()));
        }

        // Cost: one map at a time, each method on the same net and images, the forward pass included.
        result.AddRange(Timings(model, test, labels, o));

        var drawn = c.MapImages.Where(i => i < n).ToArray();
        if (drawn.Length > 0)
        {
            var drawnMaps = MapMethods.ToDictionary(m => m, m => drawn.Select(i => maps[m][i]).ToArray());
            using var scope = torch.NewDisposeScope();
            var images = test.Images.index_select(0, torch.tensor(drawn.Select(i => (long)i).ToArray(), device: device)).cpu();
            DrawMaps(book, "canvas_maps", $"Maps on test canvases for the true class; green: the object's box, blue: the map's maximum (hit within {c.Tolerance.ToString(CultureInfo.InvariantCulture)} px)",
                images, drawn, drawn.Select(i => labels[i]).ToArray(), classes, drawnMaps, drawn.Select(i => boxes[i]).ToArray());
        }
        return result;
    }

    /// <summary>
    /// Wall and CPU milliseconds per map, one map at a time on one thread (as the detection experiment times its
    /// detectors): with more threads, spinning workers would count as CPU time and the many small operators of one
    /// image's backward pass would pay for their synchronisation.
    /// </summary>
    static IEnumerable<(string, double)> Timings(ZfNet model, TensorDataset test, int[] labels, AttributionOptions o)
    {
        int n = Math.Min(o.TimedImages, labels.Length), height = test.Source.Height, width = test.Source.Width;
        var modules = BackwardRules.Modules(model);
        var random = new SeededRandom(0, "attribution-timing");
        var result = new List<(string, double)>();
        var process = Process.GetCurrentProcess();
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            // One untimed map of each kind first, so that no method pays for the first call into a kernel.
            for (int round = 0; round < 2; round++)
            {
                foreach (var method in MapMethods)
                {
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < (round == 0 ? 1 : n); i++)
                    {
                        using var scope = torch.NewDisposeScope();
                        var image = test.Images.narrow(0, i, 1);
                        switch (method)
                        {
                            case OcclusionMethod:
                                _ = OcclusionMap(model, image[0], labels[i], o.Occlusion, height, width);
                                break;
                            case RandomMethod:
                                _ = AttributionMaps.Random(random, height, width);
                                break;
                            default:
                                var rule = RuleMethods.First(r => r.method == method).rule;
                                using (var pass = RecordedPass.Run(modules, image))
                                {
                                    var signal = torch.zeros_like(pass.Output);
                                    signal[0, labels[i]] = 1;
                                    _ = AttributionMaps.MaxMagnitude(pass.Backward(signal, rule)).cpu().data<float>().ToArray();
                                }
                                break;
                        }
                    }
                    double wall = clock.Elapsed.TotalMilliseconds;
                    process.Refresh();
                    double cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
                    if (round == 1)
                    {
                        result.Add(($"ms_per_map_{Key(method)}", wall / n));
                        result.Add(($"cpu_ms_per_map_{Key(method)}", cpu / n));
                    }
                }
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }
        result.Add(("timed_images", n));
        return result;
    }

    static (ImageSet images, List<PixelBox> boxes) LoadCanvases(string root, string imageSet, string[] classes)
    {
        var images = VocFormat.Load(root, imageSet);
        if (images.Count == 0) throw new ReproInputException($"{root}: image set '{imageSet}' is empty");
        var first = images[0];
        int plane = first.Width * first.Height;
        var pixels = new float[images.Count * 3 * plane];
        var labels = new int[images.Count];
        var boxes = new List<PixelBox>();
        for (int i = 0; i < images.Count; i++)
        {
            var o = images[i].Objects.Single();
            labels[i] = Array.IndexOf(classes, o.ClassName);
            boxes.Add(new PixelBox(o.Y1 - 1, o.X1 - 1, o.Y2, o.X2));
            using var image = ImageFiles.Read(images[i].ImagePath);
            var bytes = image.data<byte>().ToArray();
            for (int k = 0; k < bytes.Length; k++) pixels[i * 3 * plane + k] = bytes[k] / 255f;
        }
        return (new ImageSet(pixels, labels, classes, 3, first.Height, first.Width), boxes);
    }

    // ---- pictures: what the run draws, kept as CSV for the report ----

    /// <summary>The image figures of a run: packed RGB pictures, the panels that show them (in order) and boxes over them.</summary>
    sealed class PictureBook
    {
        readonly Dictionary<string, int[,]> pictures = new();
        readonly List<string[]> panels = new();
        readonly List<string[]> boxes = new();
        readonly Dictionary<string, int> panelCount = new();

        public void Add(string figure, string title, int columns, string panelTitle, string picture, int[,] pixels, IReadOnlyList<ImageBox>? marks = null)
        {
            pictures[picture] = pixels;
            int panel = panelCount.GetValueOrDefault(figure);
            panelCount[figure] = panel + 1;
            panels.Add([figure, title, Cell(columns), Cell(panel), panelTitle, picture]);
            foreach (var b in marks ?? [])
                boxes.Add([figure, Cell(panel), Cell(b.X1), Cell(b.Y1), Cell(b.X2), Cell(b.Y2), b.Label, Cell(b.Colour)]);
        }

        static string Cell(double v) => v.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// pictures.csv holds one row per picture row: its pixels as six hex digits each (RRGGBB), a quarter of the
        /// size of one CSV row per pixel; the report's figure data files hold them one pixel a row again.
        /// </summary>
        public void Write(string directory)
        {
            var rows = new List<string[]>();
            foreach (var (key, pixels) in pictures)
                for (int y = 0; y < pixels.GetLength(0); y++)
                {
                    var line = new System.Text.StringBuilder(pixels.GetLength(1) * 6);
                    for (int x = 0; x < pixels.GetLength(1); x++) line.Append(pixels[y, x].ToString("x6", CultureInfo.InvariantCulture));
                    rows.Add([key, Cell(y), line.ToString()]);
                }
            AtomicFile.WriteAllText(Path.Combine(directory, PicturesFile), CsvFiles.Write(["picture", "y", "rgb_hex"], rows));
            AtomicFile.WriteAllText(Path.Combine(directory, PanelsFile), CsvFiles.Write(["figure", "figure_title", "columns", "panel", "title", "picture"], panels));
            AtomicFile.WriteAllText(Path.Combine(directory, BoxesFile), CsvFiles.Write(["figure", "panel", "x1", "y1", "x2", "y2", "label", "rgb"], boxes));
        }

        /// <summary>The pictures of a pictures.csv as <see cref="Write"/> wrote them.</summary>
        public static Dictionary<string, int[,]> ReadPictures(string path)
        {
            var csv = CsvFiles.Read(path);
            int yColumn = csv.Require("y"), pixelColumn = csv.Require("rgb_hex"), pictureColumn = csv.Require("picture");
            var result = new Dictionary<string, int[,]>();
            foreach (var group in csv.Records.GroupBy(r => r[pictureColumn]))
            {
                var rows = group.Select(r => (y: (int)csv.Integer(r, yColumn), hex: r[pixelColumn], record: r)).ToList();
                int width = rows[0].hex.Length / 6;
                var picture = new int[rows.Max(r => r.y) + 1, width];
                foreach (var (y, hex, record) in rows)
                {
                    if (hex.Length != 6 * width || y < 0) throw csv.BadCell(record, pixelColumn, $"{width} pixels of six hex digits");
                    for (int x = 0; x < width; x++)
                        picture[y, x] = int.TryParse(hex.AsSpan(6 * x, 6), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var rgb)
                            ? rgb : throw csv.BadCell(record, pixelColumn, "six hex digits per pixel");
                }
                result[group.Key] = picture;
            }
            return result;
        }
    }

    // ---- report ----

    /// <summary>Pointing game on PASCAL VOC 2007 test, VGG-16 (All / Difficult), and deletion AUC on ImageNet, per method; from reference/.</summary>
    public const string PointingReference = "attribution_pointing_voc2007.csv", DeletionReference = "attribution_deletion_imagenet.csv";

    static readonly Dictionary<string, string> PaperNames = new()
    {
        [Gradient] = "gradient (Simonyan et al. 2014)", [DeconvnetMethod] = "deconvnet (Zeiler & Fergus 2014)", [GuidedBackprop] = "guided backprop (Springenberg et al. 2015)",
        [OcclusionMethod] = "occlusion (Zeiler & Fergus 2014)", [RandomMethod] = "random map", [Centre] = "centre point",
    };

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.ToList();
        if (runs.Count == 0) return;
        double Mean(string metric) => RunStatistics.Mean(runs, metric);
        context.AddMeasure("test_accuracy", Mean("test_accuracy"));
        context.AddMeasure("canvas_test_accuracy", Mean("canvas_test_accuracy"));

        // Units versus random directions.
        var purityLayers = Enumerable.Range(1, 7).Where(l => double.IsFinite(Mean($"purity_units_layer{l}"))).ToList();
        var purity = new ResultTable("purity", "Class purity of the top images (share of the most common class): single units vs random unit-norm directions",
            ResultColumn.Text("layer"), ResultColumn.Percent("units", "units (%)", 1), ResultColumn.Percent("directions", "random directions (%)", 1),
            ResultColumn.Number("difference", "units - directions (points)", 1), ResultColumn.Text("paper", "paper (Szegedy et al. 2014, Sect. 3)"));
        foreach (var l in purityLayers)
            purity.AddRow(l.ToString(CultureInfo.InvariantCulture), Mean($"purity_units_layer{l}"), Mean($"purity_directions_layer{l}"),
                100 * (Mean($"purity_units_layer{l}") - Mean($"purity_directions_layer{l}")), "units and directions look alike");
        purity.AddRow("mean", Mean("purity_units"), Mean("purity_directions"), 100 * (Mean("purity_units") - Mean("purity_directions")),
            "no distinction between individual units and random directions");
        context.AddTable(purity);
        context.AddMeasure("purity_units", Mean("purity_units"));
        context.AddMeasure("purity_directions", Mean("purity_directions"));
        context.AddMeasure("purity_units_minus_directions", Mean("purity_units") - Mean("purity_directions"));

        // Pointing game, beside the VOC 2007 numbers.
        var pointingPaper = Paper(context, PointingReference, "all", "difficult");
        var pointing = new ResultTable("pointing_game", $"Pointing game on test canvases ({CellFormat.Number(Mean("pointing_images"))} images, tolerance {CellFormat.Number(Mean("pointing_tolerance"))} px); paper: VOC 2007 test, VGG-16, tolerance 15 px",
            ResultColumn.Text("method"), ResultColumn.Percent("hit_rate", "hit rate (%)", 1),
            ResultColumn.Text("paper_all", "paper: VOC07 all (%)"), ResultColumn.Text("paper_difficult", "paper: VOC07 difficult (%)"));
        foreach (var method in MapMethods.Append(Centre))
        {
            var p = pointingPaper.GetValueOrDefault(method, ("-", "-"));
            pointing.AddRow(PaperNames[method], Mean($"pointing_{Key(method)}"), p.Item1, p.Item2);
        }
        context.AddTable(pointing);
        foreach (var method in MapMethods.Append(Centre)) context.AddMeasure($"pointing_{Key(method)}", Mean($"pointing_{Key(method)}"));
        foreach (var method in new[] { Gradient, GuidedBackprop })
            foreach (var baseline in new[] { RandomMethod, Centre })
                context.AddMeasure($"pointing_{Key(method)}_minus_{baseline}", 100 * (Mean($"pointing_{Key(method)}") - Mean($"pointing_{baseline}")));

        // Deletion areas and milliseconds per map.
        var deletionPaper = Paper(context, DeletionReference, "deletion_auc", "note");
        var deletion = new ResultTable("deletion", "Deletion: area under P(true class) as the most salient pixels are removed first (lower: the map found what the class depends on); milliseconds per map on the canvas net, one map at a time on one thread",
            ResultColumn.Text("method"), ResultColumn.Number("deletion_area", "deletion area", 3), ResultColumn.Number("ms_per_map", "ms per map", 2),
            ResultColumn.Number("cpu_ms_per_map", "CPU ms per map", 2), ResultColumn.Number("cost_vs_gradient", "CPU cost vs gradient (x)", 1),
            ResultColumn.Text("paper_deletion", "paper: deletion AUC, ImageNet ResNet-50"));
        double gradientMs = Mean($"cpu_ms_per_map_{Key(Gradient)}");
        foreach (var method in MapMethods)
            deletion.AddRow(PaperNames[method], Mean($"deletion_area_{Key(method)}"), Mean($"ms_per_map_{Key(method)}"), Mean($"cpu_ms_per_map_{Key(method)}"),
                Mean($"cpu_ms_per_map_{Key(method)}") / gradientMs, deletionPaper.GetValueOrDefault(method, ("-", "")).Item1);
        context.AddTable(deletion);
        foreach (var method in MapMethods)
        {
            context.AddMeasure($"deletion_area_{Key(method)}", Mean($"deletion_area_{Key(method)}"));
            context.AddMeasure($"ms_per_map_{Key(method)}", Mean($"ms_per_map_{Key(method)}"));
            context.AddMeasure($"cpu_ms_per_map_{Key(method)}", Mean($"cpu_ms_per_map_{Key(method)}"));
        }
        context.AddMeasure("deletion_random_minus_guided_backprop", Mean($"deletion_area_{RandomMethod}") - Mean($"deletion_area_{Key(GuidedBackprop)}"));
        context.AddMeasure("deletion_random_minus_gradient", Mean($"deletion_area_{RandomMethod}") - Mean($"deletion_area_{Gradient}"));
        context.AddMeasure("occlusion_vs_gradient_cost", Mean($"cpu_ms_per_map_{OcclusionMethod}") / gradientMs);
        context.AddMeasure("occlusion_vs_gradient_wall_cost", Mean($"ms_per_map_{OcclusionMethod}") / Mean($"ms_per_map_{Key(Gradient)}"));

        var first = runs[0];
        var metrics = first.ReadMetrics();
        var curves = new ResultTable("deletion_curves", "Mean deletion curves",
            ResultColumn.Text("method"), ResultColumn.Number("fraction"), ResultColumn.Number("p_true"));
        foreach (var method in MapMethods)
            foreach (var g in metrics.Where(m => m.Split == $"deletion:{method}").GroupBy(m => m.Step).OrderBy(g => g.Key))
                curves.AddRow(method, g.First(m => m.Metric == "fraction").Value, g.First(m => m.Metric == "p_true").Value);
        if (curves.Rows.Count > 0)
            context.AddFigure(FigureSpec.Plot("deletion_curves", "Deletion curves on test canvases (cf. Petsiuk et al. 2018, Fig. 4)", curves, new PlotPanel
            {
                XLabel = "fraction of pixels removed (most salient first)", YLabel = "mean P(true class)", XMin = 0, XMax = 1, YMin = 0, YMax = 1,
                Series = MapMethods.Select(m => new FigureSeries(m, "fraction", "p_true") { Style = SeriesStyle.LinesPoints }.Where("method", m)).ToList(),
            }));

        var classModels = metrics.Where(m => m.Split == "class_model").GroupBy(m => m.Step).OrderBy(g => g.Key).ToList();
        if (classModels.Count > 0)
        {
            string[] names = first.Options<AttributionOptions>().Dataset.Name == DataSources.FashionMnist ? ClassNames.FashionMnist : [];
            var table = new ResultTable("class_model_scores", "Class models: class score S_c at x = 0 and after gradient ascent on S_c(x) - lambda ||x||^2",
                ResultColumn.Text("class"), ResultColumn.Number("start_score", "S_c(0)", 2), ResultColumn.Number("end_score", "S_c(x*)", 2),
                ResultColumn.Number("end_objective", "S_c(x*) - lambda ||x*||^2", 2));
            foreach (var g in classModels)
            {
                double V(string metric) => g.First(m => m.Metric == metric).Value;
                table.AddRow(g.Key < names.Length ? names[g.Key] : g.Key.ToString(CultureInfo.InvariantCulture), V("start_score"), V("end_score"), V("end_objective"));
            }
            context.AddTable(table);
            context.AddMeasure("class_model_score_gain_min", Mean("class_model_score_gain_min"));
        }

        AddPictureFigures(context, first);
    }

    static Dictionary<string, (string, string)> Paper(ReportContext context, string file, string a, string b)
    {
        var table = context.ReferenceTable(file);
        var result = new Dictionary<string, (string, string)>();
        for (int i = 0; i < table.Rows.Count; i++) result[table.Text(i, "method")] = (table.Text(i, a), table.Text(i, b));
        return result;
    }

    static void AddPictureFigures(ReportContext context, RunRecord run)
    {
        string picturesFile = Path.Combine(run.RunDirectory, PicturesFile), panelsFile = Path.Combine(run.RunDirectory, PanelsFile), boxesFile = Path.Combine(run.RunDirectory, BoxesFile);
        if (!File.Exists(picturesFile) || !File.Exists(panelsFile) || !File.Exists(boxesFile)) return;
        var pictures = PictureBook.ReadPictures(picturesFile);
        var boxCsv = CsvFiles.Read(boxesFile);
        var boxes = boxCsv.Records.GroupBy(r => (r[0], (int)boxCsv.Integer(r, 1))).ToDictionary(g => g.Key, g => g.Select(r =>
            new ImageBox(boxCsv.Number(r, 2), boxCsv.Number(r, 3), boxCsv.Number(r, 4), boxCsv.Number(r, 5), r[6], (int)boxCsv.Integer(r, 7))).ToList());
        var panelCsv = CsvFiles.Read(panelsFile);
        foreach (var figure in panelCsv.Records.GroupBy(r => r[0]))
        {
            var rows = figure.OrderBy(r => panelCsv.Integer(r, 3)).ToList();
            int columns = (int)panelCsv.Integer(rows[0], 2);
            var panels = rows.Select(r => new ImagePanel(r[4], r[5], boxes.GetValueOrDefault((figure.Key, (int)panelCsv.Integer(r, 3)), []))).ToList();
            var used = panels.Select(p => p.Image).Distinct().ToDictionary(k => k, k => pictures.TryGetValue(k, out var p) ? p
                : throw new ReproInputException($"{panelsFile}: picture '{k}' is not in {PicturesFile}"));
            context.AddFigure(FigureSpec.Images(figure.Key, rows[0][1], (panels.Count + columns - 1) / columns, columns, used, panels));
        }
    }
}

/// <summary>How a tile's values become grey levels.</summary>
enum TileScaling
{
    /// <summary>Pixel values in [0, 1] shown as they are.</summary>
    Intensity,

    /// <summary>A signed signal (a projection): mid grey at zero, scaled by the largest magnitude inside the tile.</summary>
    Signed,

    /// <summary>Any range stretched to [0, 1] by the image's minimum and maximum.</summary>
    Stretched,
}

/// <summary>Turning tensors and maps into packed RGB pictures (0xRRGGBB) for image figures.</summary>
static class Pictures
{
    static int Grey(double v)
    {
        int g = (int)Math.Round(255 * Math.Clamp(v, 0, 1));
        return (g << 16) | (g << 8) | g;
    }

    static int Rgb(double r, double g, double b) =>
        ((int)Math.Round(255 * Math.Clamp(r, 0, 1)) << 16) | ((int)Math.Round(255 * Math.Clamp(g, 0, 1)) << 8) | (int)Math.Round(255 * Math.Clamp(b, 0, 1));

    /// <summary>The box of an image [C,H,W] (C = 1 grey, 3 RGB) as a picture.</summary>
    public static int[,] Tile(Tensor image, PixelBox box, TileScaling scaling)
    {
        int channels = (int)image.size(0), height = (int)image.size(1), width = (int)image.size(2);
        var values = image.cpu().contiguous().data<float>().ToArray();
        double low = 0, high = 1;
        if (scaling == TileScaling.Signed)
        {
            double max = 0;
            for (int c = 0; c < channels; c++)
                for (int y = box.Top; y < box.Bottom; y++)
                    for (int x = box.Left; x < box.Right; x++)
                        max = Math.Max(max, Math.Abs(values[(c * height + y) * width + x]));
            low = -Math.Max(max, 1e-12);
            high = -low;
        }
        else if (scaling == TileScaling.Stretched)
        {
            low = double.MaxValue;
            high = double.MinValue;
            foreach (var v in values)
            {
                low = Math.Min(low, v);
                high = Math.Max(high, v);
            }
            if (!(high > low)) high = low + 1;
        }
        var picture = new int[box.Height, box.Width];
        for (int y = 0; y < box.Height; y++)
            for (int x = 0; x < box.Width; x++)
            {
                int sy = box.Top + y, sx = box.Left + x;
                double V(int c) => (values[(c * height + sy) * width + sx] - low) / (high - low);
                picture[y, x] = channels == 3 ? Rgb(V(0), V(1), V(2)) : Grey(V(0));
            }
        return picture;
    }

    /// <summary>A map of height x width values in the "hot" palette (black, red, yellow, white), stretched by its minimum and maximum.</summary>
    public static int[,] HeatMap(float[] map, int height, int width)
    {
        double low = map.Min(), high = map.Max();
        if (!(high > low)) high = low + 1;
        var picture = new int[height, width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double t = (map[y * width + x] - low) / (high - low);
                picture[y, x] = Rgb(3 * t, 3 * t - 1, 3 * t - 2);
            }
        return picture;
    }

    /// <summary>Tiles of one size in a grid of <paramref name="columns"/>, one white pixel between them.</summary>
    public static int[,] Mosaic(IReadOnlyList<int[,]> tiles, int columns)
    {
        int th = tiles[0].GetLength(0), tw = tiles[0].GetLength(1);
        int rows = (tiles.Count + columns - 1) / columns;
        var picture = new int[rows * (th + 1) - 1, columns * (tw + 1) - 1];
        for (int y = 0; y < picture.GetLength(0); y++)
            for (int x = 0; x < picture.GetLength(1); x++)
                picture[y, x] = 0xffffff;
        for (int k = 0; k < tiles.Count; k++)
        {
            int oy = k / columns * (th + 1), ox = k % columns * (tw + 1);
            for (int y = 0; y < th; y++)
                for (int x = 0; x < tw; x++)
                    picture[oy + y, ox + x] = tiles[k][y, x];
        }
        return picture;
    }
}
