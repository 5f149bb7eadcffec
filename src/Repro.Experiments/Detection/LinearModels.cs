using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Detection;

/// <summary>A linear scorer w.x + b over feature rows.</summary>
public sealed record LinearScorer(float[] Weights, float Bias)
{
    /// <summary>Scores [N] of features [N, D].</summary>
    public Tensor Score(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.tensor(Weights, Weights.Length, 1).to(features.device);
        return scope.MoveToOuter(features.mm(w).view(-1).add(Bias));
    }
}

/// <summary>
/// A linear SVM trained on the primal hinge loss with libtorch: minimise
/// lambda/2 |w|^2 + mean_i c_i max(0, 1 - y_i (w.x_i + b)), c_i = <see cref="PositiveWeight"/> for positives
/// and 1 for negatives (R-CNN weights positives 2:1), by full-batch Adam.
/// </summary>
public sealed record LinearSvm(double Lambda, double PositiveWeight, int Iterations, double LearningRate)
{
    public LinearScorer Train(Tensor features, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        long d = features.size(1);
        var y = labels.to(ScalarType.Float32);
        var weight = torch.where(y.gt(0), torch.full([1], PositiveWeight, device: features.device), torch.ones([1], device: features.device));
        var w = torch.nn.Parameter(torch.zeros([d], device: features.device));
        var b = torch.nn.Parameter(torch.zeros([1], device: features.device));
        w.DetachFromDisposeScope();
        b.DetachFromDisposeScope();
        try
        {
            using var optimizer = torch.optim.Adam([w, b], LearningRate);
            for (int i = 0; i < Iterations; i++)
            {
                using var step = torch.NewDisposeScope();
                optimizer.ClearGradients();
                var margin = features.matmul(w).add(b);
                var hinge = F.relu(1 - y * margin).mul(weight).mean();
                var loss = hinge + w.mul(w).sum() * (Lambda / 2);
                loss.backward();
                optimizer.step();
            }
            return new LinearScorer(w.detach().cpu().data<float>().ToArray(), b.detach().cpu().ToSingle());
        }
        finally
        {
            w.Dispose();
            b.Dispose();
        }
    }
}

/// <summary>
/// Ridge regression with an unpenalised intercept, solved in closed form in double precision:
/// W = (X'X + lambda I)^-1 X'Y over X with a column of ones appended (the ones column is not penalised).
/// </summary>
public static class RidgeRegression
{
    /// <summary>Weights [D + 1, K] (last row the intercept) for features [N, D] and targets [N, K].</summary>
    public static Tensor Fit(Tensor features, Tensor targets, double lambda)
    {
        using var scope = torch.NewDisposeScope();
        var x = features.to(ScalarType.Float64);
        long n = x.size(0), d = x.size(1);
        var xa = torch.cat([x, torch.ones([n, 1], ScalarType.Float64, x.device)], 1);
        var penalty = torch.eye(d + 1, dtype: ScalarType.Float64, device: x.device) * lambda;
        var mask = torch.ones([d + 1, 1], ScalarType.Float64, x.device);
        mask.narrow(0, d, 1).zero_();
        var a = xa.t().mm(xa) + penalty * mask;
        var solution = torch.linalg.solve(a, xa.t().mm(targets.to(ScalarType.Float64)));
        return scope.MoveToOuter(solution.to(ScalarType.Float32));
    }

    /// <summary>Predictions [N, K] of features [N, D] under weights [D + 1, K].</summary>
    public static Tensor Predict(Tensor features, Tensor weights)
    {
        using var scope = torch.NewDisposeScope();
        long d = features.size(1);
        var result = features.mm(weights.narrow(0, 0, d)) + weights.narrow(0, d, 1);
        return scope.MoveToOuter(result);
    }
}
