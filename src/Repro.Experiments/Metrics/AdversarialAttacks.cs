using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Metrics;

/// <summary>
/// Goodfellow et al. 2015's fast gradient sign method: eta = eps * sign(grad_x J(theta, x, y)), J the
/// cross-entropy of the true label, the adversarial image x + eta clipped to the [0, 1] pixel box.
/// </summary>
public static class FastGradientSign
{
    /// <summary>
    /// sign(grad_x J) of every image, [N, C, H, W], with the model in eval mode (no dropout). The gradient does not
    /// depend on eps, so one direction serves every eps of a curve.
    /// </summary>
    public static Tensor Direction(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels, int batchSize = 500)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var gradients = torch.enable_grad();
            using var scope = torch.NewDisposeScope();
            var parts = new List<Tensor>();
            for (long start = 0; start < images.size(0); start += batchSize)
            {
                using var batchScope = torch.NewDisposeScope();
                long n = Math.Min(batchSize, images.size(0) - start);
                var x = images.narrow(0, start, n).detach().requires_grad_(true);
                // Summed, not averaged: the sign is the same, and small per-image gradients do not underflow.
                var loss = F.cross_entropy(model.forward(x), labels.narrow(0, start, n), reduction: nn.Reduction.Sum);
                var gradient = torch.autograd.grad([loss], [x])[0];
                parts.Add(batchScope.MoveToOuter(gradient.sign()));
            }
            return scope.MoveToOuter(torch.cat(parts));
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>x + eps * direction, clipped to the [0, 1] box: every pixel moves by at most eps, exactly.</summary>
    public static Tensor Perturb(Tensor images, Tensor direction, double eps)
    {
        using var scope = torch.NewDisposeScope();
        // In double, then rounded to the image's float type; where the rounding put a pixel past eps from x (0.1 is
        // not a float), it steps one float back towards x. The difference of two floats is exact in double.
        var x = images.to(ScalarType.Float64);
        var moved = (x + direction.to(ScalarType.Float64) * eps).clamp(0.0, 1.0).to(images.dtype);
        var over = (moved.to(ScalarType.Float64) - x).abs().gt(eps);
        return scope.MoveToOuter(torch.where(over, moved.nextafter(images), moved));
    }

    /// <summary>
    /// Goodfellow et al.'s adversarial objective, J~ = alpha J(x, y) + (1 - alpha) J(x + eps sign(grad_x J), y). The
    /// perturbation is a constant of the step: sign has no gradient, as in the paper.
    /// </summary>
    public static TrainingObjective Objective(double alpha, double eps)
    {
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must lie in [0, 1]");
        return (model, images, labels) =>
        {
            var x = images.detach().requires_grad_(true);
            var logits = model.forward(x);
            var clean = F.cross_entropy(logits, labels);
            var gradient = torch.autograd.grad([clean], [x], retain_graph: true)[0];
            var adversarial = Perturb(images, gradient.sign(), eps).detach();
            var perturbed = F.cross_entropy(model.forward(adversarial), labels);
            return (logits, clean * alpha + perturbed * (1 - alpha));
        };
    }
}

/// <summary>The smallest label-changing L2 perturbations found for a batch of images.</summary>
public sealed class MinimalPerturbations(Tensor adversarial, double[] distance, bool[] found, int[] iterations) : IDisposable
{
    /// <summary>The perturbed images, in the [0, 1] box; an image whose label never changed is returned as it was.</summary>
    public Tensor Adversarial { get; } = adversarial;

    /// <summary>L2 norm of (adversarial - image) per image; NaN where no perturbation was found.</summary>
    public double[] Distance { get; } = distance;

    public bool[] Found { get; } = found;

    /// <summary>Linearisation steps taken before the label changed.</summary>
    public int[] Iterations { get; } = iterations;

    public void Dispose() => Adversarial.Dispose();
}

/// <summary>
/// Szegedy et al. 2014's question, the smallest perturbation r with f(x + r) != f(x), answered by an iterative
/// gradient method instead of their box-constrained L-BFGS: at each step the class scores are linearised at the
/// current point and the image moves onto the nearest linearised boundary between the true class and another one
/// (Moosavi-Dezfooli et al. 2016's DeepFool), clipped to the [0, 1] box; once the label has changed, a bisection
/// along the accumulated perturbation shrinks it back to the boundary. For a linear classifier the first step lands
/// on the boundary, so the distance found is |w.x + b| / ||w||.
/// </summary>
public static class MinimalPerturbation
{
    /// <param name="candidates">
    /// Other classes whose boundaries are linearised at each step: the highest-scoring ones besides the true class
    /// (DeepFool's top classes); every class when it is as large as the class count minus one.
    /// </param>
    public static MinimalPerturbations Search(nn.Module<Tensor, Tensor> model, Tensor images, long[] labels,
        int maxIterations = 50, double overshoot = 0.02, int bisectionSteps = 20, int candidates = 9)
    {
        int n = (int)images.size(0);
        if (labels.Length != n) throw new ArgumentException($"{labels.Length} labels for {n} images", nameof(labels));
        if (candidates < 1) throw new ArgumentOutOfRangeException(nameof(candidates), candidates, "at least one other class");
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var gradients = torch.enable_grad();
            using var scope = torch.NewDisposeScope();
            var device = images.device;
            var x0 = images.detach();
            var y = torch.tensor(labels, device: device);
            var found = new bool[n];
            var iterations = new int[n];
            var total = torch.zeros_like(x0);
            for (int it = 0; ; it++)
            {
                using var step = torch.NewDisposeScope();
                // Only the images whose label has not changed yet are linearised again.
                var rows = Enumerable.Range(0, n).Where(i => !found[i]).ToArray();
                if (rows.Length == 0) break;
                var index = torch.tensor(rows.Select(i => (long)i).ToArray(), device: device);
                int m = rows.Length;
                var x = (x0.index_select(0, index) + total.index_select(0, index) * (1 + overshoot)).clamp(0.0, 1.0).detach().requires_grad_(true);
                var logits = model.forward(x);
                var predicted = logits.argmax(1).cpu().data<long>().ToArray();
                bool changed = false;
                for (int k = 0; k < m; k++)
                    if (predicted[k] != labels[rows[k]])
                    {
                        found[rows[k]] = true;
                        iterations[rows[k]] = it;
                        changed = true;
                    }
                if (it == maxIterations) break;
                if (changed && found.All(f => f)) break;

                // Column 0: the true class; then the highest-scoring other classes. One backward pass per column.
                long classes = logits.size(1);
                int others = (int)Math.Min(candidates, classes - 1);
                var yRows = y.index_select(0, index).view(m, 1);
                var masked = logits.detach().scatter(1, yRows, torch.full([m, 1], double.NegativeInfinity, dtype: logits.dtype, device: device));
                var columns = torch.cat([yRows, masked.topk(others, 1).indexes], 1);                  // [m, 1 + others]
                var chosen = logits.gather(1, columns);
                var perColumn = new Tensor[1 + others];
                for (int j = 0; j <= others; j++)
                    perColumn[j] = torch.autograd.grad([chosen.select(1, j).sum()], [x], retain_graph: j < others)[0].flatten(1);
                var jacobian = torch.stack(perColumn, 1);                                                // [m, 1 + others, D]
                var w = jacobian.narrow(1, 1, others) - jacobian.narrow(1, 0, 1);
                var f = (chosen.narrow(1, 1, others) - chosen.narrow(1, 0, 1)).detach();               // < 0 while the label holds
                var wNorm = (w * w).sum(2).sqrt() + 1e-12;
                var nearest = (f.abs() / wNorm).argmin(1).view(m, 1);
                var fk = f.gather(1, nearest);
                var wk = w.gather(1, nearest.view(m, 1, 1).expand(m, 1, w.size(2))).squeeze(1);
                var r = wk * ((fk.abs() + 1e-4) / wNorm.gather(1, nearest).pow(2));
                var still = torch.tensor(rows.Select(i => found[i] ? 0f : 1f).ToArray(), device: device).view(m, 1);
                var next = total.index_add(0, index, (r * still).view_as(x), 1);
                total.Dispose();
                total = step.MoveToOuter(next.detach());
            }

            // Back to the boundary: the smallest fraction t of the perturbation that still changes the label.
            var perturbation = total * (1 + overshoot);
            var low = torch.zeros(n, 1, 1, 1, device: device);
            var high = torch.ones(n, 1, 1, 1, device: device);
            using (torch.no_grad())
                for (int s = 0; s < bisectionSteps; s++)
                {
                    using var step = torch.NewDisposeScope();
                    var middle = (low + high) / 2;
                    var changed = model.forward((x0 + perturbation * middle).clamp(0.0, 1.0)).argmax(1).ne(y).view(n, 1, 1, 1);
                    var newHigh = torch.where(changed, middle, high);
                    var newLow = torch.where(changed, low, middle);
                    high.Dispose();
                    low.Dispose();
                    (high, low) = (step.MoveToOuter(newHigh), step.MoveToOuter(newLow));
                }
            var foundMask = torch.tensor(found, device: device).view(n, 1, 1, 1);
            var adversarial = torch.where(foundMask, (x0 + perturbation * high).clamp(0.0, 1.0), x0);
            var norms = (adversarial - x0).flatten(1).pow(2).sum(1).sqrt().cpu().data<float>().ToArray();
            var result = new double[n];
            for (int i = 0; i < n; i++) result[i] = found[i] ? norms[i] : double.NaN;
            return new MinimalPerturbations(scope.MoveToOuter(adversarial.detach()), result, found, iterations);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}

/// <summary>What a fooling ascent reached, per image.</summary>
public sealed class FoolingImages(Tensor images, long[] targets, double[] confidence, int[] steps, bool[] reached, List<double[]> trajectory) : IDisposable
{
    /// <summary>The images, in the [0, 1] box.</summary>
    public Tensor Images { get; } = images;

    public long[] Targets { get; } = targets;

    /// <summary>Final P(target class).</summary>
    public double[] Confidence { get; } = confidence;

    /// <summary>Ascent steps until P(target) reached the threshold (the step budget where it did not).</summary>
    public int[] Steps { get; } = steps;

    public bool[] Reached { get; } = reached;

    /// <summary>P(target class) of every image after each step; entry 0 is the start.</summary>
    public List<double[]> Trajectory { get; } = trajectory;

    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Nguyen et al. 2015's fooling images made by gradient ascent instead of evolution: from a start image (noise),
/// steps of a fixed L2 length along the gradient of log P(target class), clipped to the [0, 1] box, until
/// P(target) reaches the threshold. A step that would lower P(target) is not taken and the step length is
/// halved; a step taken lengthens the next by a quarter. P(target) therefore never falls.
/// </summary>
public static class FoolingAscent
{
    public static FoolingImages Ascend(nn.Module<Tensor, Tensor> model, Tensor start, long[] targets,
        double stepSize, int maxSteps, double targetConfidence)
    {
        int n = (int)start.size(0);
        if (targets.Length != n) throw new ArgumentException($"{targets.Length} target classes for {n} images", nameof(targets));
        if (!(stepSize > 0)) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "the step size must be positive");
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var gradients = torch.enable_grad();
            using var scope = torch.NewDisposeScope();
            var device = start.device;
            var target = torch.tensor(targets, device: device).view(n, 1);
            var x = start.detach().clamp(0.0, 1.0).clone();
            var (logP, gradient) = LogProbability(model, x, target);
            var step = Enumerable.Repeat(stepSize, n).ToArray();
            var steps = new int[n];
            var reached = new bool[n];
            var trajectory = new List<double[]> { logP.Select(Math.Exp).ToArray() };
            for (int i = 0; i < n; i++) reached[i] = Math.Exp(logP[i]) >= targetConfidence;
            for (int s = 1; s <= maxSteps && !reached.All(r => r); s++)
            {
                using var stepScope = torch.NewDisposeScope();
                // Only the images still below the target take a step.
                var rows = Enumerable.Range(0, n).Where(i => !reached[i]).ToArray();
                int m = rows.Length;
                var index = torch.tensor(rows.Select(i => (long)i).ToArray(), device: device);
                var xa = x.index_select(0, index);
                var ga = gradient.index_select(0, index);
                // The part of the gradient that the box lets through: a pixel at 0 cannot go down, one at 1 not up.
                var blocked = xa.le(0).logical_and(ga.lt(0)).logical_or(xa.ge(1).logical_and(ga.gt(0)));
                var direction = ga.masked_fill(blocked, 0);
                var norm = direction.flatten(1).pow(2).sum(1).sqrt().view(m, 1, 1, 1) + 1e-12;
                var length = torch.tensor(rows.Select(i => (float)step[i]).ToArray(), device: device).view(m, 1, 1, 1);
                var candidate = (xa + direction / norm * length).clamp(0.0, 1.0);
                var (candidateLogP, candidateGradient) = LogProbability(model, candidate, target.index_select(0, index));
                var accept = new bool[m];
                for (int k = 0; k < m; k++)
                {
                    int i = rows[k];
                    accept[k] = candidateLogP[k] > logP[i];
                    if (accept[k])
                    {
                        logP[i] = candidateLogP[k];
                        step[i] *= 1.25;
                    }
                    else
                    {
                        step[i] *= 0.5;
                    }
                }
                var mask = torch.tensor(accept, device: device).view(m, 1, 1, 1);
                x.index_copy_(0, index, torch.where(mask, candidate, xa));
                gradient.index_copy_(0, index, torch.where(mask, candidateGradient, ga));
                trajectory.Add(logP.Select(Math.Exp).ToArray());
                foreach (int i in rows)
                    if (Math.Exp(logP[i]) >= targetConfidence)
                    {
                        reached[i] = true;
                        steps[i] = s;
                    }
            }
            for (int i = 0; i < n; i++)
                if (!reached[i]) steps[i] = maxSteps;
            return new FoolingImages(scope.MoveToOuter(x), targets, trajectory[^1], steps, reached, trajectory);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>log P(target class) per image, and its gradient with respect to the image.</summary>
    static (double[] logP, Tensor gradient) LogProbability(nn.Module<Tensor, Tensor> model, Tensor images, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var x = images.detach().requires_grad_(true);
        var logP = F.log_softmax(model.forward(x), 1).gather(1, target).squeeze(1);
        var gradient = torch.autograd.grad([logP.sum()], [x])[0];
        var values = logP.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
        return (values, scope.MoveToOuter(gradient.detach()));
    }
}
