using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Metrics;

/// <summary>The <c>softmax:</c> / <c>svm:</c> sections: how one linear classifier on fixed features is trained.</summary>
public sealed class LinearProbeOptions
{
    /// <summary>L2 penalty on the weights (not the bias): the objective adds l2 / 2 * ||W||^2 to the mean loss.</summary>
    [AtLeast(0)]
    public double L2 { get; set; } = 1e-3;

    /// <summary>Full-batch Adam steps (the problem is convex; the learning rate decays to zero by a cosine).</summary>
    [AtLeast(1)]
    public int Steps { get; set; } = 300;

    [Positive]
    public double LearningRate { get; set; } = 0.05;

    /// <summary>Scale every feature to zero mean and unit variance over the training images first.</summary>
    public bool Standardize { get; set; } = true;
}

/// <summary>
/// A linear classifier (scores = x W + b) on fixed features, trained full batch with the engine. Weights start at
/// zero: the objective is convex, so the result does not depend on a random initialisation.
/// </summary>
public sealed class LinearProbe : IDisposable
{
    public const string Softmax = "softmax";
    public const string Svm = "svm";

    readonly Tensor? mean;
    readonly Tensor? scale;

    LinearProbe(Tensor weight, Tensor bias, Tensor? mean, Tensor? scale, double finalObjective)
    {
        Weight = weight;
        Bias = bias;
        this.mean = mean;
        this.scale = scale;
        FinalObjective = finalObjective;
    }

    /// <summary>[features, classes].</summary>
    public Tensor Weight { get; }

    /// <summary>[classes].</summary>
    public Tensor Bias { get; }

    /// <summary>The training objective (mean loss plus penalty) after the last step.</summary>
    public double FinalObjective { get; }

    /// <summary>
    /// The classifiers: softmax (multinomial logistic regression) and svm (linear SVM: one-vs-rest squared hinge,
    /// the L2-loss SVM of LIBLINEAR).
    /// </summary>
    public static IReadOnlyList<string> Losses { get; } = [Softmax, Svm];

    public static void CheckOptions(LinearProbeOptions options, string key)
    {
        if (!(options.L2 >= 0)) throw new ReproInputException($"{key}.l2 = {options.L2}: expected 0 or more");
        if (options.Steps < 1) throw new ReproInputException($"{key}.steps = {options.Steps}: expected at least 1");
        if (!(options.LearningRate > 0)) throw new ReproInputException($"{key}.learning_rate = {options.LearningRate}: expected a positive number");
    }

    /// <summary>Mean cross-entropy of the scores [N, C] against integer labels [N].</summary>
    public static Tensor SoftmaxLoss(Tensor scores, Tensor labels) => F.cross_entropy(scores, labels);

    /// <summary>
    /// One-vs-rest squared hinge: for each image, sum over classes c of max(0, 1 - t_c s_c)^2 with t_c = +1 for the
    /// true class and -1 otherwise; mean over images.
    /// </summary>
    public static Tensor SquaredHingeLoss(Tensor scores, Tensor labels, int classes)
    {
        var targets = torch.nn.functional.one_hot(labels, classes).to(scores.dtype) * 2.0 - 1.0;
        var margins = (1.0 - targets * scores).clamp_min(0);
        return margins.pow(2).sum(1).mean();
    }

    /// <summary>The training objective: mean loss of x W + b plus l2 / 2 * ||W||^2.</summary>
    public static Tensor Objective(string loss, Tensor features, Tensor labels, Tensor weight, Tensor bias, double l2, int classes)
    {
        var scores = features.matmul(weight) + bias;
        var data = loss switch
        {
            Softmax => SoftmaxLoss(scores, labels),
            Svm => SquaredHingeLoss(scores, labels, classes),
            _ => throw new ArgumentException($"unknown probe loss '{loss}' (softmax or svm)"),
        };
        return l2 > 0 ? data + weight.pow(2).sum() * (0.5 * l2) : data;
    }

    /// <summary>Fits the classifier to features [N, D] and integer labels [N] in 0..classes-1.</summary>
    public static LinearProbe Fit(string loss, Tensor features, Tensor labels, int classes, LinearProbeOptions options)
    {
        if (!Losses.Contains(loss)) throw new ArgumentException($"unknown probe loss '{loss}' (softmax or svm)");
        CheckOptions(options, loss);
        if (features.shape.Length != 2) throw new ArgumentException($"features must be [N, D], got [{string.Join(", ", features.shape)}]");
        long dims = features.shape[1];
        Tensor? mean = null, scale = null;
        var weight = torch.nn.Parameter(torch.zeros([dims, classes], device: features.device));
        var bias = torch.nn.Parameter(torch.zeros([classes], device: features.device));
        weight.DetachFromDisposeScope();
        bias.DetachFromDisposeScope();
        double objective = double.NaN;
        using (var outer = torch.NewDisposeScope())
        {
            var x = features;
            if (options.Standardize)
            {
                using (torch.no_grad())
                {
                    mean = features.mean([0], keepdim: true);
                    var std = features.std(0, unbiased: false, keepdim: true);
                    // A feature that never varies over the training images (a ReLU that stays off) is left unscaled
                    // rather than blown up by a near-zero deviation at test time.
                    scale = torch.where(std.gt(1e-6), std, torch.ones_like(std));
                    x = (features - mean) / scale;
                    mean.DetachFromDisposeScope();
                    scale.DetachFromDisposeScope();
                }
            }
            using var optimizer = torch.optim.Adam([weight, bias], options.LearningRate);
            for (var step = 0; step < options.Steps; step++)
            {
                using var scope = torch.NewDisposeScope();
                optimizer.SetLearningRate(options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / options.Steps)));
                var objectiveValue = Objective(loss, x, labels, weight, bias, options.L2, classes);
                optimizer.ClearGradients();
                objectiveValue.backward();
                optimizer.step();
                if (step == options.Steps - 1)
                    using (torch.no_grad())
                        objective = Objective(loss, x, labels, weight, bias, options.L2, classes).ToDouble();
            }
        }
        weight.requires_grad = false;
        bias.requires_grad = false;
        return new LinearProbe(weight, bias, mean, scale, objective);
    }

    /// <summary>Class scores [N, C] for features [N, D], standardised as the training features were.</summary>
    public Tensor Scores(Tensor features)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = mean is null ? features : (features - mean) / scale!;
        return scope.MoveToOuter(x.matmul(Weight) + Bias);
    }

    /// <summary>Fraction of images whose highest score is their label.</summary>
    public double Accuracy(Tensor features, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        var scores = Scores(features);
        return scores.argmax(1).eq(labels).to(ScalarType.Float32).mean().ToDouble();
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
        mean?.Dispose();
        scale?.Dispose();
    }
}
