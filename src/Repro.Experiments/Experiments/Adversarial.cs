using System.Diagnostics;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Experiments;

/// <summary>The three classifiers attacked: a linear softmax on the pixels, an MLP and the ZF-style ConvNet.</summary>
public enum AttackedModel
{
    Softmax,
    Mlp,
    Zf,
}

/// <summary>The <c>fgsm:</c> section: the eps of the error curve, of the table and of every single-eps measure.</summary>
public sealed class FgsmOptions : ICheckedOptions
{
    /// <summary>Points of the error-vs-eps curve, on [0, 1] pixels.</summary>
    [NotEmpty, Between(0, 1)]
    public List<double> Eps { get; set; } = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];

    /// <summary>The eps values the table shows (Goodfellow et al. quote 0.1 and 0.25).</summary>
    [NotEmpty, Between(0, 1)]
    public List<double> TableEps { get; set; } = [0.1, 0.25];

    /// <summary>The eps of adversarial training, the transfer matrix and the claims (the paper's MNIST value).</summary>
    [Between(0, 1)]
    public double AttackEps { get; set; } = 0.25;

    public IEnumerable<OptionProblem> Problems()
    {
        foreach (var e in TableEps.Append(AttackEps))
            if (!Eps.Contains(e))
                yield return new(nameof(Eps), $"must contain every table_eps and attack_eps value; {e.ToString(CultureInfo.InvariantCulture)} is missing");
    }
}

/// <summary>The <c>adversarial_training:</c> section: Goodfellow et al.'s objective alpha J(x) + (1 - alpha) J(x + eps sign(grad)).</summary>
public sealed class AdversarialTrainingOptions
{
    [Between(0, 1)]
    public double Alpha { get; set; } = 0.5;

    /// <summary>Which models are trained again with the adversarial objective (from scratch, same schedule otherwise).</summary>
    [NotEmpty, Distinct]
    public List<AttackedModel> Models { get; set; } = [AttackedModel.Zf];

    /// <summary>
    /// Epochs of adversarial training; empty for train.epochs. Goodfellow et al. trained the adversarial objective
    /// much longer than the clean one (it keeps improving once the clean error has settled).
    /// </summary>
    [AtLeast(1)]
    public int? Epochs { get; set; }
}

/// <summary>The <c>minimal_perturbation:</c> section (Szegedy et al.'s smallest label-changing perturbation).</summary>
public sealed class MinimalPerturbationOptions
{
    /// <summary>The first this many test images; each model's search keeps those it classifies correctly.</summary>
    [AtLeast(1)]
    public int Images { get; set; } = 200;

    [AtLeast(1)]
    public int MaxIterations { get; set; } = 50;

    /// <summary>Each linearised step goes this fraction past the boundary, so that the label does change.</summary>
    [AtLeast(0)]
    public double Overshoot { get; set; } = 0.02;

    [AtLeast(0)]
    public int BisectionSteps { get; set; } = 20;

    /// <summary>Other classes linearised at each step: the highest-scoring ones besides the true class.</summary>
    [AtLeast(1)]
    public int Candidates { get; set; } = 3;

    /// <summary>Test images (correct for every model) drawn with their perturbations.</summary>
    [AtLeast(0)]
    public int Examples { get; set; } = 2;
}

/// <summary>The <c>fooling:</c> section: Nguyen et al.'s fooling images by gradient ascent from noise, on the ConvNet.</summary>
public sealed class FoolingOptions
{
    /// <summary>Ascend until P(class) reaches this.</summary>
    [Between(0, 1, AboveMinimum = true, BelowMaximum = true)]
    public double TargetConfidence { get; set; } = 0.995;

    [AtLeast(1)]
    public int MaxSteps { get; set; } = 200;

    /// <summary>L2 length of the first step, in [0, 1] pixel units over the whole image.</summary>
    [Positive]
    public double StepSize { get; set; } = 1.0;

    /// <summary>
    /// Fooling images added as the extra class when the ConvNet is trained again; empty for as many as the
    /// training set has images of an average class.
    /// </summary>
    [AtLeast(1)]
    public int? ClassImages { get; set; }

    /// <summary>Fooling images made on the first ConvNet and kept out of that training, to see whether the new class catches them.</summary>
    [AtLeast(1)]
    public int HeldOut { get; set; } = 100;

    /// <summary>Fresh noise images shown to the retrained ConvNet, to see how many it puts in the fooling class.</summary>
    [AtLeast(1)]
    public int NoiseImages { get; set; } = 100;
}

public sealed class AdversarialOptions : ICheckedOptions
{
    public DatasetOptions Dataset { get; set; } = new() { Name = DataSources.MnistDigits };

    /// <summary>The MLP (Zhang et al.'s 1x512 by default).</summary>
    public MlpOptions Mlp { get; set; } = new();

    /// <summary>The ZF-style ConvNet.</summary>
    public ZfNetOptions Convnet { get; set; } = new();

    /// <summary>The schedule every model trains with (the ConvNet's fooling-class retraining too).</summary>
    public TrainOptions Train { get; set; } = new() { Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, Epochs = 3 };

    public FgsmOptions Fgsm { get; set; } = new();

    public AdversarialTrainingOptions AdversarialTraining { get; set; } = new();

    public MinimalPerturbationOptions MinimalPerturbation { get; set; } = new();

    public FoolingOptions Fooling { get; set; } = new();

    /// <summary>Images per forward pass when measuring.</summary>
    [AtLeast(1)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// eps and the [0, 1] box are in pixel units, so the models see the pixels as loaded: augmentation or
    /// normalisation would change what a perturbation of eps means.
    /// </summary>
    public IEnumerable<OptionProblem> Problems()
    {
        var t = Dataset.Transforms;
        if (t.CropPadding != 0) yield return new("Dataset.Transforms.CropPadding", "must be 0: the attacks perturb the pixels as loaded");
        if (t.HorizontalFlip) yield return new("Dataset.Transforms.HorizontalFlip", "must be false: the attacks perturb the pixels as loaded");
        if (t.Normalize) yield return new("Dataset.Transforms.Normalize", "must be false: eps and the [0, 1] box are in pixel units");
    }
}

/// <summary>
/// Fooling ConvNets: Goodfellow et al. 2015's fast gradient sign method against a linear softmax, an MLP and the
/// ZF-style ConvNet (error and confidence against eps), adversarial training with their objective, transfer of
/// adversarial examples between the models, Szegedy et al. 2014's smallest label-changing perturbations, and
/// Nguyen et al. 2015's fooling images from noise, before and after the ConvNet is trained again with them as an
/// extra class. One run does all of it on one data set; the report reads every number back from the run files.
/// </summary>
public sealed class AdversarialExperiment : Experiment<AdversarialOptions>
{
    /// <summary>Per run, by model ({name}: softmax, mlp, zf, zf_adv) and eps in hundredths ({n}); per sweep, by data set.</summary>
    public override MeasureCatalog Measures { get; } = new(
    [
        "{name}_clean_error", "{name}_train_seconds", "{name}_fgsm_error_eps{n}", "{name}_fgsm_confidence_eps{n}",
        "{name}_minimal_distortion", "{name}_minimal_found", "{name}_minimal_images", "{name}_minimal_iterations",
        "{name}_minimal_l2_mean", "{name}_minimal_l2_median", "transfer_{name}_to_{name}", "{name}_adversarial_training_error_ratio",
        "zf_fooling_class_clean_error", "zf_fooling_class_train_seconds",
        "fgsm_seconds", "fooling_seconds", "minimal_perturbation_seconds", "fooling_class_images", "fooling_class_images_mean_confidence",
        "fooling_class_images_reached", "fooling_held_out_caught", "fooling_noise_caught",
        // The report's measures carry the data set's key in front ("mnist_digits_transfer_min_excess_error").
        .. new[] { "transfer_min_excess_error" }
            .Concat(new[] { "fooling", "fooling_after" }.SelectMany(f => new[]
            {
                $"{f}_classes_reached", $"{f}_max_steps", $"{f}_mean_confidence", $"{f}_mean_steps", $"{f}_min_confidence", $"{f}_start_target_probability",
            }))
            .SelectMany(m => new[] { m, "{name}_" + m }),
    ]);

    public override string Name => "adversarial";

    public override string Description => "fast gradient sign error vs eps, adversarial training, transfer, minimal perturbations, fooling images (Goodfellow 2015, Szegedy 2014, Nguyen 2015)";

    /// <summary>Key of a model in metrics and summary names; the adversarially trained ones end in "_adv".</summary>
    public static string Key(AttackedModel model, bool adversarial = false) => model.ToString().ToLowerInvariant() + (adversarial ? "_adv" : "");

    public static string DisplayName(string key) => key switch
    {
        "softmax" => "linear softmax",
        "mlp" => "MLP",
        "zf" => "ZF-style ConvNet",
        _ when key.EndsWith("_adv", StringComparison.Ordinal) => DisplayName(key[..^4]) + ", adversarially trained",
        _ => key,
    };

    /// <summary>"eps25" for eps 0.25: metric names carry eps in hundredths.</summary>
    public static string EpsKey(double eps) => "eps" + Math.Round(eps * 100).ToString(CultureInfo.InvariantCulture);

    public const string FgsmCurve = "fgsm";
    public const string TransferSplit = "transfer";
    public const string ImageSplit = "image";
    public const string AscentSplit = "ascent";
    public const string FoolingClassName = "fooling";
    public const string BeforePhase = "original";
    public const string AfterPhase = "with_fooling_class";

    public override RunResult Run(AdversarialOptions o, RunContext context)
    {
        var splits = DataSources.LoadTrainTest(o.Dataset, context.DataRoot);
        var device = ClassifierRun.DeviceOf(context);
        using var train = new TensorDataset(splits.Train, device);
        using var test = new TensorDataset(splits.Test, device);
        int classes = splits.Train.ClassCount;
        var summary = new List<(string, double)>();
        context.Log.Information("{Train} training and {Test} test images of {Dataset}", train.Count, test.Count, o.Dataset.Name);
        foreach (var (i, eps) in o.Fgsm.TableEps.Select((e, i) => (i, e)))
            context.Metrics.Log(i, "table_eps", "eps", eps);
        context.Metrics.Log(0, "attack_eps", "eps", o.Fgsm.AttackEps);

        var models = new List<(string key, nn.Module<Tensor, Tensor> model)>();
        try
        {
            foreach (var kind in Enum.GetValues<AttackedModel>())
            {
                var model = Create(kind, o, splits.Train, classes, device);
                var seconds = Fit(model, Key(kind), train, test, o.Train, context, objective: null);
                models.Add((Key(kind), model));
                summary.Add(($"{Key(kind)}_train_seconds", seconds));
            }
            foreach (var kind in o.AdversarialTraining.Models)
            {
                var model = Create(kind, o, splits.Train, classes, device);
                var objective = FastGradientSign.Objective(o.AdversarialTraining.Alpha, o.Fgsm.AttackEps);
                var schedule = o.Train.Clone();
                schedule.Epochs = o.AdversarialTraining.Epochs ?? o.Train.Epochs;
                var seconds = Fit(model, Key(kind, true), train, test, schedule, context, objective);
                models.Add((Key(kind, true), model));
                summary.Add(($"{Key(kind, true)}_train_seconds", seconds));
            }
            context.Cancel.ThrowIfCancellationRequested();

            var clock = Stopwatch.StartNew();
            summary.AddRange(MeasureFgsm(models, test, o, context));
            summary.Add(("fgsm_seconds", clock.Elapsed.TotalSeconds));
            context.Cancel.ThrowIfCancellationRequested();
            clock.Restart();
            summary.AddRange(MeasureMinimalPerturbations(models, test, o, context));
            summary.Add(("minimal_perturbation_seconds", clock.Elapsed.TotalSeconds));
            context.Cancel.ThrowIfCancellationRequested();
            clock.Restart();
            var convnet = models.First(m => m.key == Key(AttackedModel.Zf)).model;
            summary.AddRange(MeasureFooling(convnet, splits.Train, train, test, o, context, device));
            summary.Add(("fooling_seconds", clock.Elapsed.TotalSeconds));
        }
        finally
        {
            foreach (var (_, model) in models) model.Dispose();
        }
        return RunResult.Of(summary.ToArray());
    }

    static nn.Module<Tensor, Tensor> Create(AttackedModel kind, AdversarialOptions o, ImageSet train, int classes, Device device)
    {
        nn.Module<Tensor, Tensor> model = kind switch
        {
            AttackedModel.Softmax => nn.Sequential(("flatten", nn.Flatten()), ("classifier", nn.Linear(train.ImageLength, classes))),
            AttackedModel.Mlp => new Mlp(o.Mlp, train.ImageLength, classes),
            _ => new ZfNet(o.Convnet, train.Channels, train.Height, classes),
        };
        model.to(device);
        return model;
    }

    /// <summary>Trains one model with the standard hooks, its curves under the "key_" prefix; returns the seconds taken.</summary>
    static double Fit(nn.Module<Tensor, Tensor> model, string key, TensorDataset train, TensorDataset test, TrainOptions options,
        RunContext context, TrainingObjective? objective)
    {
        context.Log.Information("training {Model}{Objective}", DisplayName(key), objective is null ? "" : " with the adversarial objective");
        string prefix = key + "_";
        var trainer = new Trainer(options, context.Seed) { Objective = objective }
            .Add(new LossLogHook(context.Metrics, options.LogEvery, prefix))
            .Add(new EvaluationHook(context.Metrics, 1, (prefix + "test", test)))
            .Add(new ProgressHook(context.Progress, context.Log));
        var clock = Stopwatch.StartNew();
        trainer.Fit(model, train);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Predicted class and its probability for every image.</summary>
    static (long[] predicted, float[] confidence) Predict(nn.Module<Tensor, Tensor> model, Tensor images, int batchSize)
    {
        using var scope = torch.NewDisposeScope();
        var probabilities = F.softmax(Evaluator.Logits(model, images, batchSize), 1);
        var (values, indices) = probabilities.max(1);
        return (indices.cpu().data<long>().ToArray(), values.cpu().data<float>().ToArray());
    }

    /// <summary>Error rate and mean confidence (probability of the predicted, wrong class) over the misclassified images.</summary>
    public static (double error, double wrongConfidence) ErrorAndConfidence(long[] predicted, float[] confidence, IReadOnlyList<int> labels)
    {
        int wrong = 0;
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++)
            if (predicted[i] != labels[i])
            {
                wrong++;
                sum += confidence[i];
            }
        return ((double)wrong / Math.Max(1, predicted.Length), wrong > 0 ? sum / wrong : double.NaN);
    }

    static IEnumerable<(string, double)> MeasureFgsm(List<(string key, nn.Module<Tensor, Tensor> model)> models, TensorDataset test,
        AdversarialOptions o, RunContext context)
    {
        var result = new List<(string, double)>();
        var labels = test.Source.Labels;
        var directions = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (key, model) in models)
            {
                directions[key] = FastGradientSign.Direction(model, test.Images, test.Labels, o.BatchSize);
                for (int e = 0; e < o.Fgsm.Eps.Count; e++)
                {
                    double eps = o.Fgsm.Eps[e];
                    using var adversarial = FastGradientSign.Perturb(test.Images, directions[key], eps);
                    var (predicted, confidence) = Predict(model, adversarial, o.BatchSize);
                    var (error, wrongConfidence) = ErrorAndConfidence(predicted, confidence, labels);
                    string split = $"{FgsmCurve}:{key}";
                    context.Metrics.Log(e, split, "eps", eps);
                    context.Metrics.Log(e, split, "error", error);
                    context.Metrics.Log(e, split, "wrong_confidence", wrongConfidence);
                    if (eps == 0) result.Add(($"{key}_clean_error", error));
                    result.Add(($"{key}_fgsm_error_{EpsKey(eps)}", error));
                    result.Add(($"{key}_fgsm_confidence_{EpsKey(eps)}", wrongConfidence));
                }
                context.Log.Information("FGSM on {Model}: error {Error:P1} at eps {Eps}", DisplayName(key),
                    result.First(r => r.Item1 == $"{key}_fgsm_error_{EpsKey(o.Fgsm.AttackEps)}").Item2, o.Fgsm.AttackEps);
            }
            if (!o.Fgsm.Eps.Contains(0))
                foreach (var (key, model) in models)
                {
                    var (predicted, confidence) = Predict(model, test.Images, o.BatchSize);
                    result.Add(($"{key}_clean_error", ErrorAndConfidence(predicted, confidence, labels).error));
                }

            // Transfer: the examples made on each model at the attack eps, shown to every model.
            var clean = result.Where(r => r.Item1.EndsWith("_clean_error", StringComparison.Ordinal))
                .ToDictionary(r => r.Item1[..^"_clean_error".Length], r => r.Item2);
            double minExcess = double.PositiveInfinity;
            for (int s = 0; s < models.Count; s++)
            {
                using var adversarial = FastGradientSign.Perturb(test.Images, directions[models[s].key], o.Fgsm.AttackEps);
                for (int t = 0; t < models.Count; t++)
                {
                    var (predicted, confidence) = Predict(models[t].model, adversarial, o.BatchSize);
                    double error = ErrorAndConfidence(predicted, confidence, labels).error;
                    context.Metrics.Log(s * models.Count + t, $"{TransferSplit}:{models[s].key}:{models[t].key}", "error", error);
                    result.Add(($"transfer_{models[s].key}_to_{models[t].key}", error));
                    bool standard = !models[s].key.EndsWith("_adv", StringComparison.Ordinal) && !models[t].key.EndsWith("_adv", StringComparison.Ordinal);
                    if (s != t && standard) minExcess = Math.Min(minExcess, error - clean[models[t].key]);
                }
            }
            result.Add(("transfer_min_excess_error", double.IsFinite(minExcess) ? minExcess : double.NaN));

            string attack = EpsKey(o.Fgsm.AttackEps);
            foreach (var kind in o.AdversarialTraining.Models)
            {
                double before = result.First(r => r.Item1 == $"{Key(kind)}_fgsm_error_{attack}").Item2;
                double after = result.First(r => r.Item1 == $"{Key(kind, true)}_fgsm_error_{attack}").Item2;
                result.Add(($"{Key(kind)}_adversarial_training_error_ratio", before > 0 ? after / before : double.NaN));
            }

            // One test image of the ConvNet at each table eps, with the perturbation (sign pattern) beside it.
            var convnet = models.First(m => m.key == Key(AttackedModel.Zf));
            for (int e = 0; e < o.Fgsm.TableEps.Count; e++)
            {
                using var scope = torch.NewDisposeScope();
                var image = test.Images.narrow(0, 0, 1);
                var adversarial = FastGradientSign.Perturb(image, directions[convnet.key].narrow(0, 0, 1), o.Fgsm.TableEps[e]);
                var (predicted, confidence) = Predict(convnet.model, adversarial, 1);
                if (e == 0)
                {
                    var (p0, c0) = Predict(convnet.model, image, 1);
                    LogImage(context, "fgsm", 0, image, labels[0], p0[0], c0[0], 0);
                }
                LogImage(context, "fgsm", 1 + 2 * e, adversarial - image, labels[0], predicted[0], confidence[0], o.Fgsm.TableEps[e]);
                LogImage(context, "fgsm", 2 + 2 * e, adversarial, labels[0], predicted[0], confidence[0], o.Fgsm.TableEps[e]);
            }
        }
        finally
        {
            foreach (var d in directions.Values) d.Dispose();
        }
        return result;
    }

    static IEnumerable<(string, double)> MeasureMinimalPerturbations(List<(string key, nn.Module<Tensor, Tensor> model)> models, TensorDataset test,
        AdversarialOptions o, RunContext context)
    {
        var mp = o.MinimalPerturbation;
        int count = Math.Min(mp.Images, test.Count);
        var labels = test.Source.Labels;
        var result = new List<(string, double)>();
        var correctByModel = new Dictionary<string, bool[]>();
        using var images = test.Images.narrow(0, 0, count).contiguous();
        foreach (var (key, model) in models)
        {
            var (predicted, _) = Predict(model, images, o.BatchSize);
            correctByModel[key] = Enumerable.Range(0, count).Select(i => predicted[i] == labels[i]).ToArray();
        }
        // Examples: the first images every model classifies correctly.
        var examples = Enumerable.Range(0, count).Where(i => correctByModel.Values.All(c => c[i])).Take(mp.Examples).ToList();
        int dims = (int)(images.numel() / Math.Max(1, count));
        foreach (var (key, model) in models)
        {
            var rows = Enumerable.Range(0, count).Where(i => correctByModel[key][i]).ToArray();
            var distances = new List<double>();
            int found = 0;
            long iterations = 0;
            for (int start = 0; start < rows.Length; start += 100)
            {
                context.Cancel.ThrowIfCancellationRequested();
                var chunk = rows.Skip(start).Take(100).ToArray();
                using var index = torch.tensor(chunk.Select(i => (long)i).ToArray(), device: images.device);
                using var batch = images.index_select(0, index);
                using var search = MinimalPerturbation.Search(model, batch, chunk.Select(i => (long)labels[i]).ToArray(),
                    mp.MaxIterations, mp.Overshoot, mp.BisectionSteps, mp.Candidates);
                var (predicted, confidence) = Predict(model, search.Adversarial, o.BatchSize);
                for (int k = 0; k < chunk.Length; k++)
                {
                    int i = chunk[k];
                    if (search.Found[k])
                    {
                        found++;
                        distances.Add(search.Distance[k]);
                        iterations += search.Iterations[k];
                    }
                    context.Metrics.Log(i, $"minimal:{key}", "l2", search.Distance[k]);
                    int example = examples.IndexOf(i);
                    if (example < 0) continue;
                    using var scope = torch.NewDisposeScope();
                    var original = batch.narrow(0, k, 1);
                    var adversarial = search.Adversarial.narrow(0, k, 1);
                    string group = $"minimal:{key}";
                    LogImage(context, group, 3 * example, original, labels[i], labels[i], double.NaN, 0);
                    LogImage(context, group, 3 * example + 1, adversarial - original, labels[i], predicted[k], confidence[k], search.Distance[k]);
                    LogImage(context, group, 3 * example + 2, adversarial, labels[i], predicted[k], confidence[k], search.Distance[k]);
                }
            }
            double meanL2 = distances.Count > 0 ? distances.Average() : double.NaN;
            result.Add(($"{key}_minimal_images", rows.Length));
            result.Add(($"{key}_minimal_found", rows.Length > 0 ? (double)found / rows.Length : double.NaN));
            result.Add(($"{key}_minimal_l2_mean", meanL2));
            result.Add(($"{key}_minimal_l2_median", Median(distances)));
            // Szegedy et al.'s distortion: sqrt(sum r_i^2 / n) over the n pixels, i.e. the L2 norm over sqrt(n).
            result.Add(($"{key}_minimal_distortion", meanL2 / Math.Sqrt(dims)));
            result.Add(($"{key}_minimal_iterations", found > 0 ? (double)iterations / found : double.NaN));
            context.Log.Information("minimal perturbations of {Model}: {Found}/{Images} found, mean L2 {L2:F3}", DisplayName(key), found, rows.Length, meanL2);
        }
        return result;
    }

    static double Median(List<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        int m = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /// <summary>Uniform noise images in [0, 1], seeded per purpose.</summary>
    static Tensor Noise(ImageSet shape, int count, long seed, string purpose, Device device)
    {
        var random = new SeededRandom(seed, purpose);
        var pixels = new float[(long)count * shape.ImageLength];
        for (long i = 0; i < pixels.LongLength; i++) pixels[i] = (float)random.NextDouble();
        return torch.tensor(pixels, [count, shape.Channels, shape.Height, shape.Width], device: device);
    }

    /// <summary>Fooling images for the given targets from noise, in chunks so that an easy chunk stops early.</summary>
    static (Tensor images, double[] confidence, int[] steps, bool[] reached) MakeFooling(nn.Module<Tensor, Tensor> model, ImageSet shape,
        long[] targets, FoolingOptions f, long seed, string purpose, Device device, int chunkSize, CancellationToken cancel)
    {
        using var scope = torch.NewDisposeScope();
        var parts = new List<Tensor>();
        var confidence = new List<double>();
        var steps = new List<int>();
        var reached = new List<bool>();
        using var start = Noise(shape, targets.Length, seed, purpose, device);
        for (int s = 0; s < targets.Length; s += chunkSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(chunkSize, targets.Length - s);
            using var fooling = FoolingAscent.Ascend(model, start.narrow(0, s, n), targets[s..(s + n)], f.StepSize, f.MaxSteps, f.TargetConfidence);
            parts.Add(fooling.Images.clone());
            confidence.AddRange(fooling.Confidence);
            steps.AddRange(fooling.Steps);
            reached.AddRange(fooling.Reached);
        }
        return (scope.MoveToOuter(torch.cat(parts)), confidence.ToArray(), steps.ToArray(), reached.ToArray());
    }

    IEnumerable<(string, double)> MeasureFooling(nn.Module<Tensor, Tensor> convnet, ImageSet trainSet, TensorDataset train, TensorDataset test,
        AdversarialOptions o, RunContext context, Device device)
    {
        var f = o.Fooling;
        int classes = trainSet.ClassCount;
        var result = new List<(string, double)>();
        var targets = Enumerable.Range(0, classes).Select(c => (long)c).ToArray();

        // One fooling image per class on the ConvNet as trained.
        using (var start = Noise(trainSet, classes, context.Seed, "fooling:original", device))
        using (var fooling = FoolingAscent.Ascend(convnet, start, targets, f.StepSize, f.MaxSteps, f.TargetConfidence))
            result.AddRange(RecordFooling(context, BeforePhase, fooling, start, convnet, trainSet));
        context.Log.Information("fooling images of the ConvNet: {Reached}/{Classes} classes reached {Target:P1}",
            result.First(r => r.Item1 == "fooling_classes_reached").Item2 * classes, classes, f.TargetConfidence);

        // "Adversarial examples do not help": fooling images as an extra class, the ConvNet trained again from scratch.
        int classImages = f.ClassImages ?? Math.Max(1, trainSet.Count / classes);
        var poolTargets = Enumerable.Range(0, classImages + f.HeldOut).Select(i => (long)(i % classes)).ToArray();
        var (pool, poolConfidence, _, poolReached) = MakeFooling(convnet, trainSet, poolTargets, f, context.Seed, "fooling:class", device, o.BatchSize, context.Cancel);
        using var poolImages = pool;
        result.Add(("fooling_class_images", classImages));
        result.Add(("fooling_class_images_reached", poolReached.Take(classImages).Count(r => r) / (double)classImages));
        result.Add(("fooling_class_images_mean_confidence", poolConfidence.Take(classImages).Average()));

        var foolingPixels = poolImages.narrow(0, 0, classImages).contiguous().cpu().data<float>().ToArray();
        string[] names = [.. trainSet.ClassNames, FoolingClassName];
        var extended = new ImageSet(trainSet.Pixels, trainSet.Labels, names, trainSet.Channels, trainSet.Height, trainSet.Width)
            .Concat(new ImageSet(foolingPixels, Enumerable.Repeat(classes, classImages).ToArray(), names, trainSet.Channels, trainSet.Height, trainSet.Width));
        using var extendedTrain = new TensorDataset(extended, device);
        using var retrained = new ZfNet(o.Convnet, trainSet.Channels, trainSet.Height, classes + 1);
        retrained.to(device);
        result.Add(("zf_fooling_class_train_seconds", Fit(retrained, "zf_fooling_class", extendedTrain, test, o.Train, context, objective: null)));

        var (testPredicted, _) = Predict(retrained, test.Images, o.BatchSize);
        result.Add(("zf_fooling_class_clean_error", testPredicted.Where((p, i) => p != test.Source.Labels[i]).Count() / (double)test.Count));
        using (var heldOut = poolImages.narrow(0, classImages, f.HeldOut))
        {
            var (predicted, _) = Predict(retrained, heldOut, o.BatchSize);
            result.Add(("fooling_held_out_caught", predicted.Count(p => p == classes) / (double)predicted.Length));
        }
        using (var noise = Noise(trainSet, f.NoiseImages, context.Seed, "fooling:noise", device))
        {
            var (predicted, _) = Predict(retrained, noise, o.BatchSize);
            result.Add(("fooling_noise_caught", predicted.Count(p => p == classes) / (double)predicted.Length));
        }
        using (var start = Noise(trainSet, classes, context.Seed, "fooling:after", device))
        using (var fooling = FoolingAscent.Ascend(retrained, start, targets, f.StepSize, f.MaxSteps, f.TargetConfidence))
            result.AddRange(RecordFooling(context, AfterPhase, fooling, start, retrained, trainSet));
        context.Log.Information("fooling images after the fooling class: {Reached}/{Classes} classes reached {Target:P1}",
            result.First(r => r.Item1 == "fooling_after_classes_reached").Item2 * classes, classes, f.TargetConfidence);
        return result;
    }

    /// <summary>Summary metrics, the ascent curves and the images of one set of per-class fooling images.</summary>
    static IEnumerable<(string, double)> RecordFooling(RunContext context, string phase, FoolingImages fooling, Tensor start,
        nn.Module<Tensor, Tensor> model, ImageSet shape)
    {
        string prefix = phase == BeforePhase ? "fooling" : "fooling_after";
        int n = fooling.Targets.Length;
        for (int s = 0; s < fooling.Trajectory.Count; s++)
            for (int i = 0; i < n; i++)
                context.Metrics.Log(s, $"{AscentSplit}:{phase}", $"class{fooling.Targets[i]}", fooling.Trajectory[s][i]);
        var (startPredicted, startConfidence) = Predict(model, start, n);
        var (predicted, confidence) = Predict(model, fooling.Images, n);
        for (int i = 0; i < n; i++)
        {
            using var scope = torch.NewDisposeScope();
            LogImage(context, $"fooling:{phase}", i, fooling.Images.narrow(0, i, 1), (int)fooling.Targets[i], predicted[i], fooling.Confidence[i], fooling.Steps[i]);
            context.Metrics.Log(i, $"fooling_start:{phase}", "predicted", startPredicted[i]);
            context.Metrics.Log(i, $"fooling_start:{phase}", "confidence", startConfidence[i]);
        }
        return
        [
            ($"{prefix}_classes_reached", fooling.Reached.Count(r => r) / (double)n),
            ($"{prefix}_min_confidence", fooling.Confidence.Min()),
            ($"{prefix}_mean_confidence", fooling.Confidence.Average()),
            ($"{prefix}_mean_steps", fooling.Steps.Average()),
            ($"{prefix}_max_steps", fooling.Steps.Max()),
            ($"{prefix}_start_target_probability", fooling.Trajectory[0].Average()),
        ];
    }

    /// <summary>
    /// One image of a figure into metrics.csv: split "image:group:index", its pixels (first channel) as metric
    /// "pixel" by position, and label, prediction, confidence and a value (eps, L2 norm or ascent steps) at step 0.
    /// </summary>
    static void LogImage(RunContext context, string group, int index, Tensor image, int label, long predicted, double confidence, double value)
    {
        string split = $"{ImageSplit}:{group}:{index}";
        long height = image.size(2), width = image.size(3);
        var pixels = image.select(0, 0).select(0, 0).contiguous().cpu().data<float>().ToArray();
        context.Metrics.Log(0, split, "width", width);
        context.Metrics.Log(0, split, "label", label);
        context.Metrics.Log(0, split, "predicted", predicted);
        context.Metrics.Log(0, split, "confidence", confidence);
        context.Metrics.Log(0, split, "value", value);
        for (int p = 0; p < height * width; p++)
            context.Metrics.Log(p, split, "pixel", pixels[p]);
    }

    // ---------------------------------------------------------------- report

    /// <summary>Candidate model keys in table order; a run reports those it measured.</summary>
    static readonly string[] ModelKeys = ["softmax", "mlp", "zf", "softmax_adv", "mlp_adv", "zf_adv"];

    public static string DatasetName(string? name) => name switch
    {
        DataSources.MnistDigits or DataSources.MnistIdx => "MNIST digits",
        DataSources.FashionMnist => "Fashion-MNIST",
        null => "?",
        _ => name,
    };

    static string DatasetKey(RunRecord run) => DatasetOf(run).Replace('-', '_');

    static string DatasetOf(RunRecord run) => run.Options<AdversarialOptions>().Dataset.Name;

    static bool IsMnist(RunRecord run) => DatasetOf(run) is DataSources.MnistDigits or DataSources.MnistIdx;

    static string Eps(double eps) => eps.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Goodfellow et al.'s MNIST numbers (reference/goodfellow2015_fgsm.csv) by model and condition.</summary>
    sealed record PaperFgsm(string Error, string Confidence);

    static Dictionary<(string model, string condition), PaperFgsm> ReadGoodfellow(ReportContext context)
    {
        var data = context.ReferenceData("goodfellow2015_fgsm.csv");
        int dataset = data.Require("dataset"), model = data.Require("model"), condition = data.Require("condition"),
            error = data.Require("error_percent"), confidence = data.Require("mean_confidence_percent");
        var result = new Dictionary<(string, string), PaperFgsm>();
        foreach (var r in data.Records)
            if (r[dataset] == "MNIST")
                result[(r[model], r[condition])] = new PaperFgsm(r[error], r[confidence]);
        return result;
    }

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.OrderBy(r => IsMnist(r) ? 0 : 1).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
        if (runs.Count == 0) return;
        var paper = ReadGoodfellow(context);
        string Paper(string model, string condition, bool confidence = false) =>
            paper.TryGetValue((model, condition), out var p) ? (confidence ? p.Confidence : p.Error) : "";
        var metrics = runs.ToDictionary(r => r.RunId, r => r.ReadMetrics());
        List<double> EpsList(RunRecord run, string split) =>
            metrics[run.RunId].Where(m => m.Split == split && m.Metric == "eps").OrderBy(m => m.Step).Select(m => m.Value).ToList();
        var tableEps = EpsList(runs[0], "table_eps");
        double attackEps = EpsList(runs[0], "attack_eps").DefaultIfEmpty(0.25).First();
        string attack = EpsKey(attackEps);
        List<string> Keys(RunRecord run) => ModelKeys.Where(k => run.Metric($"{k}_clean_error") is not null).ToList();

        // FGSM at the table's eps, Goodfellow et al.'s MNIST values beside (their models: shallow softmax, maxout net).
        var columns = new List<ResultColumn> { ResultColumn.Text("dataset"), ResultColumn.Text("model"), ResultColumn.Percent("clean_error", "clean error (%)", 1) };
        foreach (var e in tableEps)
        {
            columns.Add(ResultColumn.Percent($"error_{EpsKey(e)}", $"FGSM error, eps {Eps(e)} (%)", 1));
            columns.Add(ResultColumn.Percent($"confidence_{EpsKey(e)}", $"confidence on the wrong label, eps {Eps(e)} (%)", 1));
        }
        columns.Add(ResultColumn.Text("paper_error", $"paper: error, eps {Eps(attackEps)} (%)"));
        columns.Add(ResultColumn.Text("paper_confidence", $"paper: confidence, eps {Eps(attackEps)} (%)"));
        var fgsm = new ResultTable("fgsm", $"Fast gradient sign method on the test images (paper: Goodfellow et al. 2015, MNIST, eps {Eps(attackEps)})", columns);
        foreach (var run in runs)
            foreach (var key in Keys(run))
            {
                var cells = new List<ResultCell> { DatasetName(DatasetOf(run)), DisplayName(key), ResultCell.Of(run.Metric($"{key}_clean_error")) };
                foreach (var e in tableEps)
                {
                    cells.Add(ResultCell.Of(run.Metric($"{key}_fgsm_error_{EpsKey(e)}")));
                    cells.Add(ResultCell.Of(run.Metric($"{key}_fgsm_confidence_{EpsKey(e)}")));
                }
                var (paperError, paperConfidence) = !IsMnist(run) ? ("", "") : key switch
                {
                    "softmax" => (Paper("shallow softmax", "FGSM"), Paper("shallow softmax", "FGSM", true)),
                    "zf" => ($"{Paper("maxout network", "FGSM")} (maxout net); notes: {Paper("course notes (seed 003)", "FGSM")} (ConvNet)", Paper("maxout network", "FGSM", true)),
                    "zf_adv" => ($"{Paper("maxout network (adversarially trained)", "FGSM")} (maxout net, adversarially trained)", ""),
                    _ => ("", ""),
                };
                cells.Add(paperError);
                cells.Add(paperConfidence);
                fgsm.AddRow(cells.ToArray());
            }
        context.AddTable(fgsm);

        // Adversarial training: before and after, per adversarially trained model.
        var training = new ResultTable("adversarial_training", $"Adversarial training (alpha {OptionsBinder.FormatNumber(runs[0].Options<AdversarialOptions>().AdversarialTraining.Alpha)}, eps {Eps(attackEps)}): clean and FGSM test error before and after",
            ResultColumn.Text("dataset"), ResultColumn.Text("model"),
            ResultColumn.Percent("clean_before", "clean error before (%)", 2), ResultColumn.Percent("clean_after", "clean error after (%)", 2),
            ResultColumn.Percent("fgsm_before", "FGSM error before (%)", 1), ResultColumn.Percent("fgsm_after", "FGSM error after (%)", 1),
            ResultColumn.Number("ratio", "after / before", 3), ResultColumn.Percent("confidence_after", "confidence on the wrong label after (%)", 1),
            ResultColumn.Text("paper", "paper (maxout net, MNIST)"));
        foreach (var run in runs)
            foreach (var key in Keys(run).Where(k => k.EndsWith("_adv", StringComparison.Ordinal)))
            {
                string plain = key[..^4];
                string paperText = IsMnist(run)
                    ? $"clean {Paper("maxout network", "clean")} -> {Paper("maxout network (adversarially trained)", "clean")}; FGSM {Paper("maxout network", "FGSM")} -> {Paper("maxout network (adversarially trained)", "FGSM")}"
                    : "";
                training.AddRow(DatasetName(DatasetOf(run)), DisplayName(plain),
                    ResultCell.Of(run.Metric($"{plain}_clean_error")), ResultCell.Of(run.Metric($"{key}_clean_error")),
                    ResultCell.Of(run.Metric($"{plain}_fgsm_error_{attack}")), ResultCell.Of(run.Metric($"{key}_fgsm_error_{attack}")),
                    ResultCell.Of(run.Metric($"{plain}_adversarial_training_error_ratio")), ResultCell.Of(run.Metric($"{key}_fgsm_confidence_{attack}")), paperText);
            }
        context.AddTable(training);

        // Transfer matrix: rows the model the examples were made on, columns the model they are shown to.
        var allKeys = runs.SelectMany(Keys).Distinct().OrderBy(k => Array.IndexOf(ModelKeys, k)).ToList();
        var transferColumns = new List<ResultColumn> { ResultColumn.Text("dataset"), ResultColumn.Text("source", "examples made on") };
        transferColumns.AddRange(allKeys.Select(k => ResultColumn.Percent($"on_{k}", $"error on {DisplayName(k)} (%)", 1)));
        transferColumns.Add(ResultColumn.Text("paper", "paper (Goodfellow et al. sec. 6, maxout net)"));
        var transfer = new ResultTable("transfer", $"Transfer: FGSM examples (eps {Eps(attackEps)}) made on one model, test error of every model; last row without perturbation", transferColumns);
        foreach (var run in runs)
        {
            foreach (var source in Keys(run))
            {
                var cells = new List<ResultCell> { DatasetName(DatasetOf(run)), DisplayName(source) };
                cells.AddRange(allKeys.Select(t => ResultCell.Of(run.Metric($"transfer_{source}_to_{t}"))));
                cells.Add(!IsMnist(run) ? "" : source switch
                {
                    "zf" => $"original -> adversarially trained: {Paper("maxout network (original -> adversarially trained)", "transfer")}",
                    "zf_adv" => $"adversarially trained -> original: {Paper("maxout network (adversarially trained -> original)", "transfer")}",
                    _ => "",
                });
                transfer.AddRow(cells.ToArray());
            }
            var clean = new List<ResultCell> { DatasetName(DatasetOf(run)), "(clean test images)" };
            clean.AddRange(allKeys.Select(t => ResultCell.Of(run.Metric($"{t}_clean_error"))));
            clean.Add("");
            transfer.AddRow(clean.ToArray());
        }
        context.AddTable(transfer);

        // Minimal perturbations.
        var szegedy = context.ReferenceData("szegedy2014_distortion.csv");
        int sModel = szegedy.Require("model"), sDistortion = szegedy.Require("mean_distortion");
        string szegedyRange = szegedy.Records.Count == 0 ? "" :
            $"{szegedy.Records.Min(r => szegedy.Number(r, sDistortion)).ToString("0.###", CultureInfo.InvariantCulture)}-" +
            $"{szegedy.Records.Max(r => szegedy.Number(r, sDistortion)).ToString("0.###", CultureInfo.InvariantCulture)} ({string.Join(", ", szegedy.Records.Select(r => r[sModel]))})";
        var minimal = new ResultTable("minimal_perturbation", "Smallest label-changing L2 perturbation (iterative linearisation, DeepFool-style, in the [0, 1] box) of correctly classified test images",
            ResultColumn.Text("dataset"), ResultColumn.Text("model"), ResultColumn.Integer("images"), ResultColumn.Percent("found", "label changed (%)", 1),
            ResultColumn.Number("l2_mean", "mean L2", 3), ResultColumn.Number("l2_median", "median L2", 3),
            ResultColumn.Number("distortion", "mean distortion sqrt(sum r^2 / n)", 4), ResultColumn.Number("iterations", "mean steps", 1),
            ResultColumn.Text("paper", "paper: Szegedy et al. 2014 Table 1, MNIST mean distortion"));
        foreach (var run in runs)
            foreach (var key in Keys(run))
                minimal.AddRow(DatasetName(DatasetOf(run)), DisplayName(key), ResultCell.Of(run.Metric($"{key}_minimal_images")),
                    ResultCell.Of(run.Metric($"{key}_minimal_found")), ResultCell.Of(run.Metric($"{key}_minimal_l2_mean")), ResultCell.Of(run.Metric($"{key}_minimal_l2_median")),
                    ResultCell.Of(run.Metric($"{key}_minimal_distortion")), ResultCell.Of(run.Metric($"{key}_minimal_iterations")),
                    IsMnist(run) && key == "softmax" ? szegedyRange : "");
        context.AddTable(minimal);

        // Fooling images, before and after the fooling class.
        var nguyen = context.ReferenceData("nguyen2015_fooling.csv");
        int nDataset = nguyen.Require("dataset"), nCondition = nguyen.Require("condition"), nConfidence = nguyen.Require("confidence_percent");
        string Nguyen(string condition) => nguyen.Records.Where(r => r[nDataset] == "MNIST" && r[nCondition] == condition).Select(r => r[nConfidence]).FirstOrDefault() ?? "";
        double target = runs[0].Options<AdversarialOptions>().Fooling.TargetConfidence;
        var fooling = new ResultTable("fooling", $"Fooling images: gradient ascent from uniform noise on P(class) until {target.ToString("P1", CultureInfo.InvariantCulture)}, one image per class (ZF-style ConvNet)",
            ResultColumn.Text("dataset"), ResultColumn.Text("network"), ResultColumn.Percent("reached", "classes reached (%)", 0),
            ResultColumn.Percent("min_confidence", "lowest confidence (%)", 2), ResultColumn.Percent("mean_confidence", "mean confidence (%)", 2),
            ResultColumn.Number("mean_steps", "mean steps", 1), ResultColumn.Integer("max_steps", "most steps"),
            ResultColumn.Percent("start", "P(class) of the noise (%)", 2), ResultColumn.Text("paper", "paper: Nguyen et al. 2015, MNIST (%)"));
        var foolingClass = new ResultTable("fooling_class", "\"Adversarial examples do not help\": the ConvNet trained again with fooling images as an extra class",
            ResultColumn.Text("dataset"), ResultColumn.Integer("images", "fooling images added"), ResultColumn.Percent("images_reached", "of which reached the target (%)", 1),
            ResultColumn.Percent("clean_before", "clean error before (%)", 2), ResultColumn.Percent("clean_after", "clean error after (%)", 2),
            ResultColumn.Percent("held_out", "held-out fooling images put in the fooling class (%)", 1), ResultColumn.Percent("noise", "noise images put in the fooling class (%)", 1),
            ResultColumn.Percent("new_min", "new fooling images: lowest confidence (%)", 2));
        foreach (var run in runs)
        {
            string ds = DatasetName(DatasetOf(run));
            foreach (var (phase, prefix, label, condition) in new[] { (BeforePhase, "fooling", "original (10 classes)", "original"), (AfterPhase, "fooling_after", "with the fooling class (11 classes)", "with fooling class") })
                fooling.AddRow(ds, label, ResultCell.Of(run.Metric($"{prefix}_classes_reached")), ResultCell.Of(run.Metric($"{prefix}_min_confidence")),
                    ResultCell.Of(run.Metric($"{prefix}_mean_confidence")), ResultCell.Of(run.Metric($"{prefix}_mean_steps")), ResultCell.Of(run.Metric($"{prefix}_max_steps")),
                    ResultCell.Of(run.Metric($"{prefix}_start_target_probability")), IsMnist(run) ? Nguyen(condition) : "");
            foolingClass.AddRow(ds, ResultCell.Of(run.Metric("fooling_class_images")), ResultCell.Of(run.Metric("fooling_class_images_reached")),
                ResultCell.Of(run.Metric("zf_clean_error")), ResultCell.Of(run.Metric("zf_fooling_class_clean_error")),
                ResultCell.Of(run.Metric("fooling_held_out_caught")), ResultCell.Of(run.Metric("fooling_noise_caught")), ResultCell.Of(run.Metric("fooling_after_min_confidence")));
        }
        context.AddTable(fooling);
        context.AddTable(foolingClass);

        foreach (var run in runs)
        {
            string ds = DatasetKey(run);
            foreach (var name in new[] { $"zf_fgsm_error_{attack}", "zf_adversarial_training_error_ratio", "transfer_min_excess_error", "fooling_min_confidence", "fooling_after_min_confidence" })
                context.AddMeasure($"{ds}_{name}", run.Metric(name) ?? double.NaN);
        }

        AddFgsmFigure(context, runs, metrics);
        AddAscentFigure(context, runs, metrics);
        foreach (var run in runs) AddImageFigures(context, run, metrics[run.RunId]);
    }

    static void AddFgsmFigure(ReportContext context, List<RunRecord> runs, Dictionary<string, IReadOnlyList<MetricRow>> metrics)
    {
        var data = new ResultTable("fgsm_error_vs_eps", "FGSM error and confidence against eps",
            ResultColumn.Text("curve"), ResultColumn.Text("dataset"), ResultColumn.Text("model"), ResultColumn.Number("eps"),
            ResultColumn.Number("error"), ResultColumn.Number("wrong_confidence"));
        var errorPanels = new List<PlotPanel>();
        var confidencePanels = new List<PlotPanel>();
        foreach (var run in runs)
        {
            string ds = DatasetKey(run);
            var series = new List<(string label, string curve)>();
            foreach (var group in metrics[run.RunId].Where(m => m.Split.StartsWith(FgsmCurve + ":", StringComparison.Ordinal)).GroupBy(m => m.Split)
                         .OrderBy(g => Array.IndexOf(ModelKeys, g.Key[(FgsmCurve.Length + 1)..])))
            {
                string key = group.Key[(FgsmCurve.Length + 1)..];
                string curve = $"{ds}:{key}";
                foreach (var point in group.GroupBy(m => m.Step).OrderBy(g => g.Key))
                {
                    double V(string metric) => point.FirstOrDefault(m => m.Metric == metric).Value;
                    data.AddRow(curve, ds, key, V("eps"), V("error"), V("wrong_confidence"));
                }
                series.Add((DisplayName(key), curve));
            }
            if (series.Count == 0) continue;
            string title = DatasetName(DatasetOf(run));
            errorPanels.Add(new PlotPanel
            {
                Title = $"{title}: test error", XLabel = "eps (pixels in [0, 1])", YLabel = "error rate", YMin = 0, YMax = 1, KeyPosition = "bottom right",
                Series = series.Select(s => new FigureSeries(s.label, "eps", "error").Where("curve", s.curve)).ToList(),
                ReferenceLines = IsMnist(run) ? [new ReferenceLine("notes: 87% (ConvNet, MNIST)", 0.87)] : [],
            });
            confidencePanels.Add(new PlotPanel
            {
                Title = $"{title}: confidence on the wrong label", XLabel = "eps (pixels in [0, 1])", YLabel = "mean P(predicted class), misclassified", YMin = 0, YMax = 1, KeyPosition = "bottom right",
                Series = series.Select(s => new FigureSeries(s.label, "eps", "wrong_confidence").Where("curve", s.curve)).ToList(),
            });
        }
        if (errorPanels.Count == 0) return;
        context.AddFigure(FigureSpec.Grid("fgsm_error_vs_eps", "Fast gradient sign method: error and confidence against eps (cf. Goodfellow et al. 2015)",
            data, 2, errorPanels.Count, [.. errorPanels, .. confidencePanels]));
    }

    static void AddAscentFigure(ReportContext context, List<RunRecord> runs, Dictionary<string, IReadOnlyList<MetricRow>> metrics)
    {
        var data = new ResultTable("fooling_ascent", "P(target class) during the fooling ascent",
            ResultColumn.Text("curve"), ResultColumn.Integer("step"), ResultColumn.Number("probability"));
        var panels = new List<PlotPanel>();
        foreach (var run in runs)
        {
            string ds = DatasetKey(run);
            foreach (var phase in new[] { BeforePhase, AfterPhase })
            {
                var rows = metrics[run.RunId].Where(m => m.Split == $"{AscentSplit}:{phase}").ToList();
                if (rows.Count == 0) continue;
                var classes = rows.Select(m => m.Metric).Distinct().OrderBy(m => m.Length).ThenBy(m => m, StringComparer.Ordinal).ToList();
                foreach (var m in rows) data.AddRow($"{ds}:{phase}:{m.Metric}", m.Step, m.Value);
                panels.Add(new PlotPanel
                {
                    Title = $"{DatasetName(DatasetOf(run))}, {(phase == BeforePhase ? "original ConvNet" : "with the fooling class")}",
                    XLabel = "ascent step", YLabel = "P(target class)", YMin = 0, YMax = 1, KeyPosition = "bottom right",
                    Series = classes.Select(c => new FigureSeries(c["class".Length..], "step", "probability") { Style = SeriesStyle.Lines }.Where("curve", $"{ds}:{phase}:{c}")).ToList(),
                });
            }
        }
        if (panels.Count == 0) return;
        context.AddFigure(FigureSpec.Grid("fooling_ascent", "Fooling ascent from noise: P(target class) per step, one curve per class", data, runs.Count, (panels.Count + runs.Count - 1) / runs.Count, panels));
    }

    /// <summary>An image logged by <see cref="LogImage"/>, read back from metrics.csv.</summary>
    sealed record LoggedImage(string Group, int Index, double[,] Pixels, int Label, int Predicted, double Confidence, double Value);

    static List<LoggedImage> ReadImages(IReadOnlyList<MetricRow> rows)
    {
        var result = new List<LoggedImage>();
        foreach (var g in rows.Where(m => m.Split.StartsWith(ImageSplit + ":", StringComparison.Ordinal)).GroupBy(m => m.Split))
        {
            int colon = g.Key.LastIndexOf(':');
            string group = g.Key[(ImageSplit.Length + 1)..colon];
            int index = int.Parse(g.Key[(colon + 1)..], CultureInfo.InvariantCulture);
            double V(string metric) => g.FirstOrDefault(m => m.Metric == metric && m.Step == 0).Value;
            int width = (int)V("width");
            var pixels = g.Where(m => m.Metric == "pixel").ToList();
            if (width <= 0 || pixels.Count == 0) continue;
            var picture = new double[pixels.Count / width, width];
            foreach (var p in pixels) picture[p.Step / width, p.Step % width] = p.Value;
            result.Add(new LoggedImage(group, index, picture, (int)V("label"), (int)V("predicted"), V("confidence"), V("value")));
        }
        return result.OrderBy(i => i.Group, StringComparer.Ordinal).ThenBy(i => i.Index).ToList();
    }

    static void AddImageFigures(ReportContext context, RunRecord run, IReadOnlyList<MetricRow> rows)
    {
        var images = ReadImages(rows);
        if (images.Count == 0) return;
        string ds = DatasetKey(run);
        string title = DatasetName(DatasetOf(run));
        string[] names = DatasetOf(run) == DataSources.FashionMnist ? ClassNames.FashionMnist : ClassNames.Digits;
        string Class(int c) => c >= 0 && c < names.Length ? names[c] : c == names.Length ? FoolingClassName : $"class {c}";
        string Percent(double p) => (100 * p).ToString("0.0", CultureInfo.InvariantCulture) + "%";

        var fgsm = images.Where(i => i.Group == "fgsm").ToList();
        if (fgsm.Count > 0)
        {
            var panels = fgsm.Select(i => i.Index == 0
                ? new HeatMapPanel($"test image: {Class(i.Label)} -> {Class(i.Predicted)} {Percent(i.Confidence)}", i.Pixels, grey: true) { ColourLabel = "pixel" }
                : i.Index % 2 == 1
                    ? new HeatMapPanel($"eps {Eps(i.Value)} * sign(grad)", i.Pixels, grey: true) { ColourLabel = "change" }
                    : new HeatMapPanel($"eps {Eps(i.Value)}: {Class(i.Predicted)} {Percent(i.Confidence)}", i.Pixels, grey: true) { ColourLabel = "pixel" }).ToList();
            context.AddFigure(FigureSpec.HeatMap($"fgsm_examples_{ds}", $"{title}: fast gradient sign examples on the ZF-style ConvNet (true -> predicted, confidence)", 1, panels.Count, panels));
        }

        var minimal = images.Where(i => i.Group.StartsWith("minimal:", StringComparison.Ordinal))
            .OrderBy(i => Array.IndexOf(ModelKeys, i.Group["minimal:".Length..])).ThenBy(i => i.Index).ToList();
        if (minimal.Count > 0)
        {
            var panels = minimal.Select(i =>
            {
                string model = DisplayName(i.Group["minimal:".Length..]);
                return (i.Index % 3) switch
                {
                    0 => new HeatMapPanel($"{model}: {Class(i.Label)}", i.Pixels, grey: true) { ColourLabel = "pixel" },
                    1 => new HeatMapPanel($"perturbation (scaled), L2 {i.Value.ToString("0.00", CultureInfo.InvariantCulture)}", i.Pixels, grey: true) { ColourLabel = "change" },
                    _ => new HeatMapPanel($"-> {Class(i.Predicted)} {Percent(i.Confidence)}", i.Pixels, grey: true) { ColourLabel = "pixel" },
                };
            }).ToList();
            context.AddFigure(FigureSpec.HeatMap($"minimal_examples_{ds}", $"{title}: smallest label-changing perturbations, magnified to the colour scale", (panels.Count + 2) / 3, 3, panels));
        }

        var fooling = images.Where(i => i.Group.StartsWith("fooling:", StringComparison.Ordinal))
            .OrderBy(i => i.Group == $"fooling:{BeforePhase}" ? 0 : 1).ThenBy(i => i.Index).ToList();
        if (fooling.Count > 0)
        {
            var panels = fooling.Select(i =>
                new HeatMapPanel($"{(i.Group == $"fooling:{BeforePhase}" ? "" : "11 classes: ")}{Class(i.Predicted)} {Percent(i.Confidence)}, {i.Value:0} steps", i.Pixels, grey: true) { ColourLabel = "pixel" }).ToList();
            int cols = Math.Min(5, panels.Count);
            context.AddFigure(FigureSpec.HeatMap($"fooling_images_{ds}", $"{title}: fooling images from noise, one per class (first rows: original ConvNet; last rows: trained again with a fooling class)",
                (panels.Count + cols - 1) / cols, cols, panels));
        }
    }
}
