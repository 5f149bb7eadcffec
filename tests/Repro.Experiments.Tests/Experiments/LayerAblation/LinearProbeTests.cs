using Repro.Experiments.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.LayerAblation;

public sealed class LinearProbeTests
{
    // Two images, two features, three classes. W = [[1, 0, -1], [0, 1, 1]], b = [0, 0, 0.5].
    // x1 = [1, 2], label 0: scores [1, 2, 1.5].   x2 = [0, 1], label 2: scores [0, 1, 1.5].
    // ||W||^2 = 1 + 0 + 1 + 0 + 1 + 1 = 4, so with l2 = 0.1 the penalty is 0.1 / 2 * 4 = 0.2.
    static (Tensor x, Tensor y, Tensor w, Tensor b) Tiny() =>
        (torch.tensor(new float[] { 1, 2, 0, 1 }, 2, 2), torch.tensor(new long[] { 0, 2 }),
         torch.tensor(new float[] { 1, 0, -1, 0, 1, 1 }, 2, 3), torch.tensor(new float[] { 0, 0, 0.5f }));

    [Fact]
    public void Softmax_objective_matches_the_hand_value()
    {
        using var scope = torch.NewDisposeScope();
        var (x, y, w, b) = Tiny();
        double first = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(1.5)) - 1;
        double second = Math.Log(Math.Exp(0) + Math.Exp(1) + Math.Exp(1.5)) - 1.5;
        double expected = (first + second) / 2 + 0.2;
        Assert.Equal(expected, LinearProbe.Objective(LinearProbe.Softmax, x, y, w, b, 0.1, 3).ToDouble(), 5);
    }

    [Fact]
    public void Squared_hinge_objective_matches_the_hand_value()
    {
        using var scope = torch.NewDisposeScope();
        var (x, y, w, b) = Tiny();
        // x1: targets [+1, -1, -1]: margins 1 - 1 = 0, 1 + 2 = 3, 1 + 1.5 = 2.5 -> 0 + 9 + 6.25 = 15.25.
        // x2: targets [-1, -1, +1]: margins 1 + 0 = 1, 1 + 1 = 2, 1 - 1.5 < 0 -> 1 + 4 + 0 = 5.
        double expected = (15.25 + 5) / 2 + 0.2;
        Assert.Equal(expected, LinearProbe.Objective(LinearProbe.Svm, x, y, w, b, 0.1, 3).ToDouble(), 5);
        // Without the penalty only the data term is left.
        Assert.Equal(10.125, LinearProbe.Objective(LinearProbe.Svm, x, y, w, b, 0, 3).ToDouble(), 5);
    }

    [Theory]
    [InlineData(LinearProbe.Softmax)]
    [InlineData(LinearProbe.Svm)]
    public void Both_classifiers_learn_a_linearly_separable_toy_problem(string loss)
    {
        using var scope = torch.NewDisposeScope();
        // Three clusters in the plane, around (3, 0), (-3, 3) and (-3, -3), with a fixed jitter; a fourth feature that
        // is constant checks that standardisation leaves a feature that never varies alone.
        var points = new List<float>();
        var labels = new List<long>();
        float[][] centres = [[3, 0], [-3, 3], [-3, -3]];
        for (var i = 0; i < 30; i++)
        {
            var c = i % 3;
            float jx = (i * 7 % 11 - 5) / 10f, jy = (i * 5 % 13 - 6) / 10f;
            points.AddRange([centres[c][0] + jx, centres[c][1] + jy, 1f]);
            labels.Add(c);
        }
        var x = torch.tensor(points.ToArray(), 30, 3);
        var y = torch.tensor(labels.ToArray());
        using var probe = LinearProbe.Fit(loss, x, y, 3, new LinearProbeOptions { Steps = 150, LearningRate = 0.1, L2 = 1e-3 });
        Assert.Equal(1.0, probe.Accuracy(x, y));
        // New points near each centre are classified by it.
        var fresh = torch.tensor(new float[] { 2.5f, 0.5f, 1, -2.5f, 2.5f, 1, -2.5f, -3.5f, 1 }, 3, 3);
        Assert.Equal(1.0, probe.Accuracy(fresh, torch.tensor(new long[] { 0, 1, 2 })));
        Assert.True(double.IsFinite(probe.FinalObjective));
        Assert.Equal(new long[] { 3, 3 }, probe.Weight.shape);
    }

    [Fact]
    public void Training_lowers_the_objective_from_its_value_at_zero_weights()
    {
        using var scope = torch.NewDisposeScope();
        var (x, y, _, _) = Tiny();
        // At W = 0, b = 0 softmax gives ln 3 and the squared hinge 1 + 1 + 1 = 3 per image.
        var zeroW = torch.zeros([2, 3]);
        var zeroB = torch.zeros([3]);
        Assert.Equal(Math.Log(3), LinearProbe.Objective(LinearProbe.Softmax, x, y, zeroW, zeroB, 0.1, 3).ToDouble(), 5);
        Assert.Equal(3.0, LinearProbe.Objective(LinearProbe.Svm, x, y, zeroW, zeroB, 0.1, 3).ToDouble(), 5);
        using var probe = LinearProbe.Fit(LinearProbe.Svm, x, y, 3, new LinearProbeOptions { Steps = 50, Standardize = false });
        Assert.True(probe.FinalObjective < 1.0, $"objective {probe.FinalObjective}");
    }

    [Fact]
    public void Bad_options_name_the_key()
    {
        var e = Assert.Throws<ReproInputException>(() => LinearProbe.CheckOptions(new LinearProbeOptions { Steps = 0 }, "features.svm"));
        Assert.Contains("features.svm.steps", e.Message);
    }
}
