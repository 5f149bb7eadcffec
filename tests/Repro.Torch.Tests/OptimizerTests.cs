using Xunit;

namespace Repro.Torch.Tests;

/// <summary>The optimizers against torch.optim's documented update rules, computed here in plain C#.</summary>
public class OptimizerTests
{
    static readonly double[] Start = [0.5, -1.5, 2.0];
    static readonly double[] Slope = [1.0, 0.25, -3.0];
    const double Curvature = 0.8;

    /// <summary>loss(p) = sum(slope * p + curvature/2 * p^2), so grad = slope + curvature * p.</summary>
    static void Backward(Tensor p)
    {
        using var scope = torch.NewDisposeScope();
        p.mul(torch.tensor(Slope)).add(p.mul(p).mul(Curvature / 2)).sum().backward();
    }

    static double[] Gradient(double[] p) => p.Select((v, i) => Slope[i] + Curvature * v).ToArray();

    [Theory]
    [InlineData(0.1, 0.0, 0.0, 0.0, false)]
    [InlineData(0.1, 0.9, 0.0, 0.0, false)]
    [InlineData(0.05, 0.9, 0.0, 0.0, true)]
    [InlineData(0.1, 0.9, 0.0, 0.01, false)]
    [InlineData(0.1, 0.8, 0.3, 0.05, false)]
    [InlineData(0.02, 0.5, 0.0, 0.1, true)]
    public void SgdMatchesTheUpdateRule(double lr, double momentum, double dampening, double weightDecay, bool nesterov)
    {
        using var p = torch.tensor((double[])Start.Clone()).requires_grad_();
        using var optimizer = new torch.optim.SGD([p], lr, momentum, dampening, weightDecay, nesterov);
        var expected = (double[])Start.Clone();
        double[]? buffer = null;
        for (var step = 0; step < 6; step++)
        {
            optimizer.zero_grad();
            Backward(p);
            optimizer.step();

            var g = Gradient(expected).Select((v, i) => v + weightDecay * expected[i]).ToArray();
            if (momentum != 0)
            {
                buffer = buffer is null ? (double[])g.Clone() : buffer.Select((b, i) => momentum * b + (1 - dampening) * g[i]).ToArray();
                g = nesterov ? g.Select((v, i) => v + momentum * buffer[i]).ToArray() : buffer;
            }
            expected = expected.Select((v, i) => v - lr * g[i]).ToArray();
            Expect.Close(expected, p, 1e-12);
        }
    }

    [Theory]
    [InlineData(0.1, 0.9, 0.999, 1e-8, 0.0, false)]
    [InlineData(0.01, 0.8, 0.99, 1e-3, 0.1, false)]
    [InlineData(0.05, 0.9, 0.999, 1e-8, 0.1, true)]
    public void AdamMatchesTheUpdateRule(double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled)
    {
        using var p = torch.tensor((double[])Start.Clone()).requires_grad_();
        using var optimizer = new torch.optim.Adam([p], lr, beta1, beta2, eps, weightDecay, decoupled);
        var expected = (double[])Start.Clone();
        var m = new double[3];
        var v = new double[3];
        for (var t = 1; t <= 6; t++)
        {
            optimizer.zero_grad();
            Backward(p);
            optimizer.step();

            var g = Gradient(expected);
            if (decoupled) expected = expected.Select(x => x * (1 - lr * weightDecay)).ToArray();
            else g = g.Select((x, i) => x + weightDecay * expected[i]).ToArray();
            double bias1 = 1 - Math.Pow(beta1, t), bias2 = 1 - Math.Pow(beta2, t);
            for (var i = 0; i < 3; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                expected[i] -= lr / bias1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(bias2) + eps);
            }
            Expect.Close(expected, p, 1e-12);
        }
    }

    [Fact]
    public void FirstAdamStepMovesByLearningRate()
    {
        using var p = torch.tensor((double[])Start.Clone()).requires_grad_();
        using var optimizer = new torch.optim.Adam([p], lr: 0.01);
        Backward(p);
        optimizer.step();
        var g = Gradient(Start);
        Expect.Close(Start.Select((x, i) => x - 0.01 * Math.Sign(g[i])).ToArray(), p, 1e-7);
    }

    [Fact]
    public void ZeroGradClearsAndStepSkipsParametersWithoutGradient()
    {
        using var a = torch.tensor(new double[] { 1, 2 }).requires_grad_();
        using var b = torch.tensor(new double[] { 3 }).requires_grad_();
        using var optimizer = new torch.optim.SGD([a, b], lr: 0.5, momentum: 0.9);
        using (var scope = torch.NewDisposeScope()) a.sum().backward();
        optimizer.step();
        Expect.Close([0.5, 1.5], a, 1e-12);
        Expect.Close([3], b, 1e-12);
        optimizer.zero_grad();
        Assert.Null(a.grad);
        // The learning rate may change between steps (schedules).
        optimizer.lr = 0.1;
        using (var scope = torch.NewDisposeScope()) a.sum().backward();
        optimizer.step();
        // buffer = 0.9 * 1 + 1 = 1.9; step 0.1 * 1.9.
        Expect.Close([0.5 - 0.19, 1.5 - 0.19], a, 1e-12);
    }

    [Fact]
    public void NesterovNeedsMomentum()
    {
        using var p = torch.ones([1]).requires_grad_();
        Assert.Throws<ArgumentException>(() => new torch.optim.SGD([p], 0.1, momentum: 0, nesterov: true));
    }
}
