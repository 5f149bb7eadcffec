using Repro.Experiments.Experiments;
using Repro.Experiments.Metrics;
using Repro.Experiments.Tests.Engine;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Tests.Experiments.Adversarial;

/// <summary>
/// Logistic regression P(y = 1 | x) = sigma(w.x + b) as a two-class classifier: logits (0, w.x + b), so that
/// softmax gives exactly sigma for class 1 and cross-entropy is the logistic loss.
/// </summary>
sealed class BinaryLogistic : nn.Module<Tensor, Tensor>
{
    readonly Linear score;

    public BinaryLogistic(float[] w, float b) : base("BinaryLogistic")
    {
        score = nn.Linear(w.Length, 1);
        using (torch.no_grad())
        {
            score.weight!.copy_(torch.tensor(w).view(1, w.Length));
            score.bias!.fill_(b);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var z = score.forward(input.flatten(1));
        return torch.cat([torch.zeros_like(z), z], 1);
    }
}

/// <summary>A linear softmax classifier with given weights [classes, D] and biases.</summary>
sealed class LinearSoftmax : nn.Module<Tensor, Tensor>
{
    readonly Linear scores;

    public LinearSoftmax(float[,] w, float[] b) : base("LinearSoftmax")
    {
        int classes = w.GetLength(0), d = w.GetLength(1);
        scores = nn.Linear(d, classes);
        using (torch.no_grad())
        {
            scores.weight!.copy_(torch.tensor(w.Cast<float>().ToArray()).view(classes, d));
            scores.bias!.copy_(torch.tensor(b));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => scores.forward(input.flatten(1));
}

public sealed class AdversarialAttackTests
{
    // The course notes' example (seed 001): x, w, and the adversarial x for eps = 0.5, computed by hand.
    static readonly float[] NotesX = [2, -1, 3, -2, 2, 2, 1, -4, 5, 1];
    static readonly float[] NotesW = [-1, -1, 1, -1, 1, -1, 1, 1, -1, 1];
    static readonly float[] NotesAdversarial = [1.5f, -1.5f, 3.5f, -2.5f, 2.5f, 1.5f, 1.5f, -3.5f, 4.5f, 1.5f];

    [Fact]
    public void Fgsm_on_a_binary_logistic_model_is_eps_times_the_sign_of_w()
    {
        using var model = new BinaryLogistic(NotesW, 0);
        using var x = torch.tensor(NotesX).view(1, 1, 1, 10);
        // Score w.x = -3: P(class 1) = 0.0474, the classifier is 95% sure of class 0, the true label.
        using (var score = model.forward(x)) Assert.Equal(-3f, score[0, 1].ToSingle(), 5);
        using var label0 = torch.tensor(new long[] { 0 });
        using var direction = FastGradientSign.Direction(model, x, label0);
        // d/dx of -log(1 - sigma(w.x)) is sigma(w.x) w: its sign is sign(w).
        Assert.Equal(NotesW, direction.flatten().data<float>().ToArray());
        using var adversarial = x + direction * 0.5;
        Assert.Equal(NotesAdversarial, adversarial.flatten().data<float>().ToArray());
        // The notes: the score becomes 2, now class 1 with P = 0.88.
        using (var score = model.forward(adversarial)) Assert.Equal(2f, score[0, 1].ToSingle(), 5);

        // For the other label the gradient is -(1 - sigma) w: the opposite sign.
        using var label1 = torch.tensor(new long[] { 1 });
        using var opposite = FastGradientSign.Direction(model, x, label1);
        Assert.Equal(NotesW.Select(v => -v).ToArray(), opposite.flatten().data<float>().ToArray());
    }

    [Fact]
    public void Fgsm_perturbations_stay_in_the_pixel_box_and_within_eps()
    {
        var random = new Random(7);
        int n = 4000;
        // Pixels include the box edges and values near them, where clipping matters.
        var pixels = Enumerable.Range(0, n).Select(i => i % 5 == 0 ? 0f : i % 5 == 1 ? 1f : (float)random.NextDouble()).ToArray();
        var signs = Enumerable.Range(0, n).Select(i => (float)(random.Next(3) - 1)).ToArray();
        using var images = torch.tensor(pixels).view(10, 1, 20, 20);
        using var direction = torch.tensor(signs).view(10, 1, 20, 20);
        foreach (var eps in new[] { 0.0, 0.1, 0.25, 0.3 })
        {
            using var adversarial = FastGradientSign.Perturb(images, direction, eps);
            var values = adversarial.flatten().data<float>().ToArray();
            for (int i = 0; i < n; i++)
            {
                Assert.InRange(values[i], 0f, 1f);
                // Exactly, in double: the difference of two floats has no rounding error.
                Assert.True(Math.Abs((double)values[i] - pixels[i]) <= eps, $"pixel {i}: moved {(double)values[i] - pixels[i]} for eps {eps}");
                // x + eps * sign, clipped, rounded to float; where rounding put it past eps, the next float towards x.
                float expected = (float)Math.Clamp(pixels[i] + signs[i] * eps, 0, 1);
                if (Math.Abs((double)expected - pixels[i]) > eps) expected = expected > pixels[i] ? MathF.BitDecrement(expected) : MathF.BitIncrement(expected);
                Assert.Equal(expected, values[i]);
            }
        }
    }

    [Fact]
    public void Fgsm_directions_of_a_trained_shape_are_signs_and_move_every_pixel_by_eps_inside_the_box()
    {
        torch.manual_seed(3);
        using var model = nn.Sequential(("flatten", nn.Flatten()), ("fc", nn.Linear(64, 5)));
        using var images = torch.rand(6, 1, 8, 8);
        using var labels = torch.tensor(new long[] { 0, 1, 2, 3, 4, 0 });
        using var direction = FastGradientSign.Direction(model, images, labels, batchSize: 4);
        Assert.All(direction.flatten().data<float>().ToArray(), v => Assert.Contains(v, new[] { -1f, 0f, 1f }));
        using var adversarial = FastGradientSign.Perturb(images, direction, 0.1);
        // In double, where the difference of two floats is exact.
        using var change = (adversarial.to(ScalarType.Float64) - images.to(ScalarType.Float64)).abs();
        Assert.True(change.max().ToDouble() <= 0.1);
        // Pixels the box does not clip move by eps to float precision: the step is not scaled down.
        using var inside = images.gt(0.1).logical_and(images.lt(0.9)).logical_and(direction.ne(0));
        Assert.True(change.masked_select(inside).min().ToDouble() >= 0.1 - 1e-7);
        Assert.True(adversarial.min().ToSingle() >= 0 && adversarial.max().ToSingle() <= 1);
    }

    [Fact]
    public void Goodfellow_objective_mixes_the_clean_and_the_adversarial_loss_by_alpha()
    {
        using var model = new BinaryLogistic(NotesW, 0.5f);
        // Pixels in the box, so that clipping leaves the perturbation as eps * sign(w).
        using var x = torch.tensor(new float[] { 0.5f, 0.4f, 0.6f, 0.5f, 0.3f, 0.7f, 0.5f, 0.5f, 0.4f, 0.6f }).view(1, 1, 1, 10);
        using var y = torch.tensor(new long[] { 0 });
        double Loss(double alpha)
        {
            using var scope = torch.NewDisposeScope();
            return FastGradientSign.Objective(alpha, 0.1)(model, x, y).loss.ToDouble();
        }
        double clean, adversarial;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            clean = F.cross_entropy(model.forward(x), y).ToDouble();
            adversarial = F.cross_entropy(model.forward(x + torch.tensor(NotesW).view(1, 1, 1, 10) * 0.1), y).ToDouble();
        }
        Assert.True(adversarial > clean);
        Assert.Equal(clean, Loss(1), 5);
        Assert.Equal(adversarial, Loss(0), 5);
        Assert.Equal(0.5 * clean + 0.5 * adversarial, Loss(0.5), 5);
    }

    [Fact]
    public void Minimal_perturbation_of_a_binary_linear_classifier_is_the_distance_to_its_boundary()
    {
        var random = new Random(11);
        const int d = 50;
        var w = Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        double wNorm = Math.Sqrt(w.Sum(v => (double)v * v));
        var images = new List<float>();
        var expected = new List<double>();
        var labels = new List<long>();
        // Scores of -0.6, -0.2 and 0.4 (labels 0, 0, 1): the boundary w.x + b = 0 lies well inside the box.
        var x = Enumerable.Range(0, d).Select(_ => (float)(0.3 + 0.4 * random.NextDouble())).ToArray();
        double wx = x.Zip(w, (a, b) => (double)a * b).Sum();
        float bias = (float)(-wx);
        foreach (var score in new[] { -0.6, -0.2, 0.4 })
        {
            // Move x along w so that its score is the wanted one.
            images.AddRange(x.Select((v, i) => (float)(v + score * w[i] / (wNorm * wNorm))));
            expected.Add(Math.Abs(score) / wNorm);
            labels.Add(score < 0 ? 0 : 1);
        }
        using var model = new BinaryLogistic(w, bias);
        using var batch = torch.tensor(images.ToArray()).view(3, 1, 1, d);
        using var result = MinimalPerturbation.Search(model, batch, labels.ToArray());
        for (int i = 0; i < 3; i++)
        {
            Assert.True(result.Found[i]);
            Assert.Equal(expected[i], result.Distance[i], 1e-3 * expected[i]);
        }
        using var predicted = model.forward(result.Adversarial).argmax(1);
        Assert.Equal(labels.Select(l => 1 - l).ToArray(), predicted.data<long>().ToArray());
        Assert.True(result.Adversarial.min().ToSingle() >= 0 && result.Adversarial.max().ToSingle() <= 1);
    }

    [Fact]
    public void Minimal_perturbation_of_a_linear_softmax_crosses_the_nearest_pairwise_boundary()
    {
        // Three classes in 2-D: the nearest boundary of x from class 0 is the one with class 2, |f_2| / ||w_2 - w_0||.
        float[,] w = { { 1, 0 }, { -1, 2 }, { 0, -1.5f } };
        float[] b = [0, -0.3f, 0.1f];
        float[] x = [0.6f, 0.5f];
        double[] f = new double[3];
        for (int k = 0; k < 3; k++) f[k] = w[k, 0] * x[0] + w[k, 1] * x[1] + b[k];
        double Distance(int k) => Math.Abs(f[k] - f[0]) / Math.Sqrt(Math.Pow(w[k, 0] - w[0, 0], 2) + Math.Pow(w[k, 1] - w[0, 1], 2));
        Assert.True(f[0] > f[1] && f[0] > f[2]);
        double nearest = Math.Min(Distance(1), Distance(2));

        using var model = new LinearSoftmax(w, b);
        using var image = torch.tensor(x).view(1, 1, 1, 2);
        using var result = MinimalPerturbation.Search(model, image, [0]);
        Assert.True(result.Found[0]);
        Assert.Equal(nearest, result.Distance[0], 1e-3 * nearest);
    }

    [Fact]
    public void An_image_whose_label_cannot_change_in_the_step_budget_is_reported_not_found()
    {
        using var model = new BinaryLogistic([1f, 1f], 5f);
        using var image = torch.tensor(new float[] { 0.5f, 0.5f }).view(1, 1, 1, 2);
        // Score 6 at every point of the box: class 1 everywhere; asked to move it from label 1.
        using var result = MinimalPerturbation.Search(model, image, [1], maxIterations: 5);
        Assert.False(result.Found[0]);
        Assert.True(double.IsNaN(result.Distance[0]));
        Assert.Equal(image.data<float>().ToArray(), result.Adversarial.flatten().data<float>().ToArray());
    }

    static nn.Module<Tensor, Tensor> SmallFixedNet()
    {
        torch.manual_seed(5);
        var net = nn.Sequential(("flatten", nn.Flatten()), ("fc1", nn.Linear(16, 32)), ("relu", nn.ReLU()), ("fc2", nn.Linear(32, 3)));
        // Larger weights than the default initialisation, so that 99% is within reach inside the box.
        using (torch.no_grad())
            foreach (var p in net.parameters()) p.mul_(12);
        return net;
    }

    [Fact]
    public void Fooling_ascent_raises_the_class_probability_monotonically_to_the_target()
    {
        using var net = SmallFixedNet();
        torch.manual_seed(9);
        using var noise = torch.rand(6, 1, 4, 4);
        // Each image's least probable class at the start (below 1/3), so that every ascent has to climb.
        long[] targets;
        using (torch.no_grad())
        using (var start = F.softmax(net.forward(noise), 1).argmin(1))
            targets = start.data<long>().ToArray();
        using var fooling = FoolingAscent.Ascend(net, noise, targets, stepSize: 0.3, maxSteps: 300, targetConfidence: 0.99);
        for (int i = 0; i < targets.Length; i++)
        {
            var curve = fooling.Trajectory.Select(p => p[i]).ToList();
            for (int s = 1; s < curve.Count; s++)
                Assert.True(curve[s] >= curve[s - 1], $"image {i}: P(target) fell from {curve[s - 1]} to {curve[s]} at step {s}");
            Assert.True(fooling.Reached[i], $"image {i} reached only {fooling.Confidence[i]}");
            Assert.True(fooling.Confidence[i] >= 0.99);
            Assert.True(curve[0] < 1.0 / 3 && curve[fooling.Steps[i]] >= 0.99 && curve[fooling.Steps[i] - 1] < 0.99,
                $"image {i}: steps {fooling.Steps[i]} is not the first step at the target");
        }
        // The probabilities reported are the net's own on the returned images, which stay in the box.
        Assert.True(fooling.Images.min().ToSingle() >= 0 && fooling.Images.max().ToSingle() <= 1);
        using var probabilities = F.softmax(net.forward(fooling.Images), 1);
        for (int i = 0; i < targets.Length; i++)
            Assert.Equal(fooling.Confidence[i], probabilities[i, targets[i]].ToDouble(), 5);
    }

    [Fact]
    public void Error_and_confidence_count_only_the_misclassified_images()
    {
        var (error, confidence) = AdversarialExperiment.ErrorAndConfidence([1, 2, 0, 0], [0.9f, 0.6f, 0.8f, 0.5f], [1, 0, 1, 0]);
        Assert.Equal(0.5, error, 12);
        Assert.Equal((0.6 + 0.8) / 2, confidence, 6);
        Assert.True(double.IsNaN(AdversarialExperiment.ErrorAndConfidence([0], [0.9f], [0]).wrongConfidence));
    }
}

[Collection(LiveTensorCollection.Name)]
public sealed class AdversarialLiveTensorTests
{
    [Fact]
    public void Attacks_and_the_fooling_ascent_leave_no_tensor_behind()
    {
        torch.manual_seed(1);
        using var model = nn.Sequential(("flatten", nn.Flatten()), ("fc1", nn.Linear(16, 8)), ("relu", nn.ReLU()), ("fc2", nn.Linear(8, 3)));
        using var images = torch.rand(5, 1, 4, 4);
        using var labels = torch.tensor(new long[] { 0, 1, 2, 0, 1 });
        long before = LiveTensorCollection.Settled();
        using (var direction = FastGradientSign.Direction(model, images, labels, batchSize: 2))
        using (FastGradientSign.Perturb(images, direction, 0.2)) { }
        using (MinimalPerturbation.Search(model, images, [0, 1, 2, 0, 1], maxIterations: 5)) { }
        using (FoolingAscent.Ascend(model, images, [0, 1, 2, 0, 1], 0.5, 10, 0.99)) { }
        Assert.Equal(before, LiveTensorCollection.Settled());
    }
}
