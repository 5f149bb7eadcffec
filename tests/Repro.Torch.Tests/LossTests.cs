using Xunit;
using F = Repro.Torch.torch.nn.functional;
using Reduction = Repro.Torch.torch.nn.Reduction;

namespace Repro.Torch.Tests;

public class LossTests
{
    static readonly double[] Logits = [1, 2, 3, 1, 1, 1, -1, 0, 4];

    static double[] LogSoftmaxRows(double[] x, int cols)
    {
        var y = new double[x.Length];
        for (var r = 0; r < x.Length / cols; r++)
        {
            var lse = Math.Log(Enumerable.Range(0, cols).Sum(j => Math.Exp(x[r * cols + j])));
            for (var j = 0; j < cols; j++) y[r * cols + j] = x[r * cols + j] - lse;
        }
        return y;
    }

    [Fact]
    public void LogSoftmaxByHand()
    {
        using var scope = torch.NewDisposeScope();
        var y = F.log_softmax(torch.tensor(Logits, 3, 3), 1);
        var lse0 = 3 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2));
        Expect.Close([1 - lse0, 2 - lse0, 3 - lse0, -Math.Log(3), -Math.Log(3), -Math.Log(3)], Expect.Values(y).Take(6).ToArray(), 1e-12);
        Expect.Close(LogSoftmaxRows(Logits, 3), y, 1e-12);
    }

    [Fact]
    public void CrossEntropyAndNllByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(Logits, 3, 3);
        var target = torch.tensor(new long[] { 2, 0, 1 });
        var ls = LogSoftmaxRows(Logits, 3);
        var per = new[] { -ls[2], -ls[3], -ls[7] };
        Expect.Close([per.Average()], F.cross_entropy(x, target), 1e-12);
        Expect.Close([per.Sum()], F.cross_entropy(x, target, reduction: Reduction.Sum), 1e-12);
        Expect.Close(per, F.cross_entropy(x, target, reduction: Reduction.None), 1e-12);
        Expect.Close([per.Average()], F.nll_loss(F.log_softmax(x, 1), target), 1e-12);
        Expect.Close(per, F.nll_loss(F.log_softmax(x, 1), target, reduction: Reduction.None), 1e-12);

        // Class weights: the mean divides by the weights of the targets, not by the count.
        var weight = new double[] { 1, 2, 0.5 };
        var weighted = (0.5 * per[0] + 1 * per[1] + 2 * per[2]) / (0.5 + 1 + 2);
        Expect.Close([weighted], F.cross_entropy(x, target, torch.tensor(weight)), 1e-12);
        // An ignored target drops out of the sum and the count.
        var ignored = torch.tensor(new long[] { 2, -100, 1 });
        Expect.Close([(per[0] + per[2]) / 2], F.cross_entropy(x, ignored), 1e-12);

        // Label smoothing eps: (1 - eps) * nll + eps * mean over classes of -log p.
        var smoothing = Enumerable.Range(0, 3).Select(r => 0.9 * per[r] + 0.1 * -(ls[3 * r] + ls[3 * r + 1] + ls[3 * r + 2]) / 3).Average();
        Expect.Close([smoothing], F.cross_entropy(x, target, label_smoothing: 0.1), 1e-12);
        // cross_entropy(x) of a uniform prediction over 3 classes is ln 3.
        Expect.Close([Math.Log(3)], F.cross_entropy(torch.zeros([1, 3]), torch.tensor(new long[] { 1 })), 1e-6);
    }

    [Fact]
    public void NllOnProbabilityLikeInputPicksTheTargetEntry()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { -0.1f, -2, -3, -0.7f }, 2, 2);
        Expect.Close([(0.1 + 0.7) / 2], F.nll_loss(x, torch.tensor(new long[] { 0, 1 })), 1e-6);
        Expect.Close([(2 + 3) / 2.0], F.nll_loss(x, torch.tensor(new long[] { 1, 0 })), 1e-6);
    }

    [Fact]
    public void SmoothL1ByHand()
    {
        using var scope = torch.NewDisposeScope();
        var input = torch.tensor(new double[] { 0, 0.5, 2, -3, 1.5 });
        var target = torch.tensor(new double[] { 0, 0, 0, 0, 1 });
        // beta 1: 0.5 d^2 where |d| < 1, else |d| - 0.5.
        double[] per = [0, 0.125, 1.5, 2.5, 0.125];
        Expect.Close([per.Average()], F.smooth_l1_loss(input, target), 1e-12);
        Expect.Close(per, F.smooth_l1_loss(input, target, Reduction.None), 1e-12);
        Expect.Close([per.Sum()], F.smooth_l1_loss(input, target, Reduction.Sum), 1e-12);
        // beta 2: 0.5 d^2 / 2 where |d| < 2, else |d| - 1.
        Expect.Close([0, 0.0625, 1, 2, 0.0625], F.smooth_l1_loss(input, target, Reduction.None, beta: 2), 1e-12);
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsByHand()
    {
        using var scope = torch.NewDisposeScope();
        double[] x = [0, 2, -1, 30, -30];
        double[] t = [1, 0, 0.5, 1, 1];
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        var per = x.Select((v, i) => -(t[i] * Math.Log(Sig(v)) + (1 - t[i]) * Math.Log(1 - Sig(v)))).ToArray();
        Assert.Equal(Math.Log(2), per[0], 1e-15);
        Expect.Close(per, F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), reduction: Reduction.None), 1e-12);
        Expect.Close([per.Average()], F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t)), 1e-12);

        // pos_weight multiplies the positive term only.
        var pw = new[] { 3.0, 3, 3, 3, 3 };
        var weighted = x.Select((v, i) => -(pw[i] * t[i] * Math.Log(Sig(v)) + (1 - t[i]) * Math.Log(1 - Sig(v)))).ToArray();
        Expect.Close(weighted, F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), pos_weight: torch.tensor(pw), reduction: Reduction.None), 1e-12);

        // Huge logits stay finite (log-sum-exp form): x = -100 with target 1 costs 100.
        Expect.Close([100], F.binary_cross_entropy_with_logits(torch.tensor(new float[] { -100 }), torch.tensor(new float[] { 1 })), 1e-5);
    }

    [Fact]
    public void MseByHand()
    {
        using var scope = torch.NewDisposeScope();
        Expect.Close([(1 + 4 + 0.25) / 3], F.mse_loss(torch.tensor(new double[] { 1, 0, 3 }), torch.tensor(new double[] { 0, 2, 2.5 })), 1e-12);
    }
}
