using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

public class ActivationTests
{
    [Fact]
    public void ReluZeroesNegatives()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { -2, -0.5f, 0, 0.5f, 3 });
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 3 }, F.relu(x).ToArray<float>());
        using var module = torch.nn.ReLU();
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 3 }, module.forward(x).ToArray<float>());
        Assert.Equal(new float[] { -2, -0.5f, 0, 0.5f, 3 }, x.ToArray<float>());
    }

    [Fact]
    public void DropoutInTrainingZeroesAFractionPAndScalesSurvivors()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        const int n = 100_000;
        var y = F.dropout(torch.ones([n]), 0.3, training: true).ToArray<float>();
        var zeros = y.Count(v => v == 0);
        // Binomial(n, 0.3): standard deviation 0.00145 of the fraction; 0.01 is about 7 of them.
        Assert.InRange(zeros / (double)n, 0.29, 0.31);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.7f, v, 1e-6f));

        var values = Expect.RandomFloats(1000, 3);
        var eval = F.dropout(torch.tensor(values), 0.3, training: false);
        Assert.Equal(values, eval.ToArray<float>());

        using var module = torch.nn.Dropout(0.5);
        module.eval();
        Assert.Equal(values, module.forward(torch.tensor(values)).ToArray<float>());
        module.train();
        var trained = module.forward(torch.tensor(values)).ToArray<float>();
        Assert.Contains(trained, v => v == 0);
        for (var i = 0; i < values.Length; i++)
            if (trained[i] != 0) Assert.Equal(values[i] * 2, trained[i], 1e-6f);
    }

    [Fact]
    public void Dropout2dDropsWholeChannels()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(8);
        var y = F.dropout2d(torch.ones([8, 16, 3, 3]), 0.5).ToArray<float>();
        var dropped = 0;
        for (var plane = 0; plane < 8 * 16; plane++)
        {
            var values = y.Skip(plane * 9).Take(9).Distinct().ToArray();
            Assert.Single(values);
            Assert.True(values[0] == 0 || values[0] == 2, $"plane value {values[0]}");
            if (values[0] == 0) dropped++;
        }
        Assert.InRange(dropped, 32, 96);
    }

    [Fact]
    public void SoftmaxByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 1, 2, 3, 0, 0, Math.Log(2) }, 2, 3);
        double z = Math.E + Math.Exp(2) + Math.Exp(3);
        Expect.Close([Math.E / z, Math.Exp(2) / z, Math.Exp(3) / z, 0.25, 0.25, 0.5], F.softmax(x, 1), 1e-12);
        // Along dim 0 each column is normalised on its own.
        double c0 = Math.E + 1, c2 = Math.Exp(3) + 2;
        Expect.Close([Math.E / c0, Math.Exp(2) / (Math.Exp(2) + 1), Math.Exp(3) / c2, 1 / c0, 1 / (Math.Exp(2) + 1), 2 / c2], F.softmax(x, 0), 1e-12);
        // Large logits must not overflow.
        Expect.Close([0.5, 0.5], F.softmax(torch.tensor(new float[] { 1000, 1000 }), 0), 1e-6);
    }

    [Fact]
    public void BatchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes()
    {
        using var scope = torch.NewDisposeScope();
        const int n = 4, c = 2, h = 1, w = 3;
        var values = Expect.Random(n * c * h * w, 51).Select(v => v * 3 + 1).ToArray();
        var x = torch.tensor(values, n, c, h, w);
        var gamma = new[] { 1.5, -0.5 };
        var beta = new[] { 0.25, 2.0 };
        var runningMean = torch.tensor(new double[] { 0.5, -1 });
        var runningVar = torch.tensor(new double[] { 2, 0.5 });
        const double eps = 1e-5, momentum = 0.1;

        var y = F.batch_norm(x, runningMean, runningVar, torch.tensor(gamma), torch.tensor(beta), training: true, momentum, eps);

        var expected = new double[values.Length];
        var mean = new double[c];
        var biased = new double[c];
        for (var ch = 0; ch < c; ch++)
        {
            var xs = new List<double>();
            for (var b = 0; b < n; b++)
                for (var k = 0; k < h * w; k++) xs.Add(values[(b * c + ch) * h * w + k]);
            mean[ch] = xs.Average();
            biased[ch] = xs.Sum(v => (v - mean[ch]) * (v - mean[ch])) / xs.Count;
            for (var b = 0; b < n; b++)
                for (var k = 0; k < h * w; k++)
                {
                    var i = (b * c + ch) * h * w + k;
                    expected[i] = (values[i] - mean[ch]) / Math.Sqrt(biased[ch] + eps) * gamma[ch] + beta[ch];
                }
        }
        Expect.Close(expected, y, 1e-10);
        // Running statistics: exponential average with the unbiased batch variance (12 samples).
        var m = n * h * w;
        Expect.Close([0.9 * 0.5 + 0.1 * mean[0], 0.9 * -1 + 0.1 * mean[1]], runningMean, 1e-12);
        Expect.Close([0.9 * 2 + 0.1 * biased[0] * m / (m - 1), 0.9 * 0.5 + 0.1 * biased[1] * m / (m - 1)], runningVar, 1e-12);

        // Evaluation normalises with the running statistics and leaves them alone.
        var rm = Expect.Values(runningMean);
        var rv = Expect.Values(runningVar);
        var e = F.batch_norm(x, runningMean, runningVar, torch.tensor(gamma), torch.tensor(beta), training: false, momentum, eps);
        var expectedEval = values.Select((v, i) => { var ch = i / (h * w) % c; return (v - rm[ch]) / Math.Sqrt(rv[ch] + eps) * gamma[ch] + beta[ch]; }).ToArray();
        Expect.Close(expectedEval, e, 1e-10);
        Expect.Close(rm, runningMean, 0);
    }

    [Fact]
    public void BatchNormModuleTracksRunningStatistics()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = torch.nn.BatchNorm2d(1);
        var x = torch.tensor(new float[] { 1, 2, 3, 6 }, 2, 1, 1, 2);
        var y = bn.forward(x);
        // mean 3, biased variance (4+1+0+9)/4 = 3.5, unbiased 14/3.
        Expect.Close(new[] { 1, 2, 3, 6 }.Select(v => (v - 3) / Math.Sqrt(3.5 + 1e-5)).ToArray(), y, 1e-5);
        var state = bn.state_dict();
        Expect.Close([0.3], state["running_mean"], 1e-6);
        Expect.Close([0.9 + 0.1 * 14 / 3.0], state["running_var"], 1e-6);
        bn.eval();
        Expect.Close(new[] { 1, 2, 3, 6 }.Select(v => (v - 0.3) / Math.Sqrt(0.9 + 0.1 * 14 / 3.0 + 1e-5)).ToArray(), bn.forward(x), 1e-5);
    }

    [Theory]
    [InlineData(3, 0.1, 0.75, 2.0)]
    [InlineData(4, 0.5, 0.6, 1.0)]
    [InlineData(5, 1e-4, 0.75, 1.0)]
    public void LocalResponseNormMatchesTheFormula(int size, double alpha, double beta, double k)
    {
        using var scope = torch.NewDisposeScope();
        const int n = 2, c = 6, h = 2, w = 3;
        var a = Expect.Random(n * c * h * w, 61).Select(v => v * 4).ToArray();
        var y = F.local_response_norm(torch.tensor(a, n, c, h, w), size, alpha, beta, k);
        // b_c = a_c / (k + alpha/n * sum over channels c - n/2 .. c + (n-1)/2 of a^2)^beta
        var expected = new double[a.Length];
        for (var b = 0; b < n; b++)
        for (var ch = 0; ch < c; ch++)
        for (var p = 0; p < h * w; p++)
        {
            double sum = 0;
            for (var cc = Math.Max(0, ch - size / 2); cc <= Math.Min(c - 1, ch + (size - 1) / 2); cc++)
                sum += a[(b * c + cc) * h * w + p] * a[(b * c + cc) * h * w + p];
            var i = (b * c + ch) * h * w + p;
            expected[i] = a[i] / Math.Pow(k + alpha / size * sum, beta);
        }
        Expect.Close(expected, y, 1e-10);
        using var module = torch.nn.LocalResponseNorm(size, alpha, beta, k);
        Expect.Close(expected, module.forward(torch.tensor(a, n, c, h, w)), 1e-10);
    }
}
