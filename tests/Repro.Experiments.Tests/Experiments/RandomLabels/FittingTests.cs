using Repro.Experiments.Experiments;
using Repro.Experiments.Metrics;
using Repro.Experiments.Models;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.RandomLabels;

public sealed class FittingTests
{
    [Fact]
    public void First_step_reaching_the_threshold_is_the_earliest_checkpoint_at_or_above_it()
    {
        var checkpoints = new (long, double)[] { (30, 0.995), (10, 0.5), (20, 0.99), (40, 0.98) };
        Assert.Equal(20, Fitting.FirstStepReaching(checkpoints, 0.99));
        Assert.Equal(30, Fitting.FirstStepReaching(checkpoints, 0.991));
        Assert.Null(Fitting.FirstStepReaching(checkpoints, 0.999));
        Assert.Null(Fitting.FirstStepReaching([], 0.5));
    }

    [Fact]
    public void Ties_share_their_average_rank()
    {
        Assert.Equal([1.0, 2.5, 2.5, 4.0], Fitting.Ranks([1.0, 5.0, 5.0, 7.0]));
        Assert.Equal([3.0, 1.0, 2.0], Fitting.Ranks([double.PositiveInfinity, 2.0, 3.0]));
    }

    [Fact]
    public void Spearman_matches_the_hand_computed_value_with_an_unfitted_run_ranked_last()
    {
        // Ranks of y: 1, 3, 2, 4, 5, 6; d = 0, -1, 1, 0, 0, 0; rho = 1 - 6 * 2 / (6 * 35) = 0.942857...
        double rho = Fitting.Spearman([0, 0.2, 0.4, 0.6, 0.8, 1.0], [10, 30, 20, 40, 50, double.PositiveInfinity]);
        Assert.Equal(1 - 12.0 / 210, rho, 12);
        Assert.Equal(-1, Fitting.Spearman([1, 2, 3], [9, 5, 1]), 12);
        Assert.True(double.IsNaN(Fitting.Spearman([1, 2, 3], [4, 4, 4])));
    }

    [Fact]
    public void Mlp_1x512_has_zhangs_parameter_count_and_ten_scores_per_image()
    {
        using var model = new Mlp(new MlpOptions(), 28 * 28, 10);
        // 784 * 512 + 512 weights and biases into the hidden layer, 512 * 10 + 10 into the classifier.
        Assert.Equal(784 * 512 + 512 + 512 * 10 + 10, model.parameters().Sum(p => p.numel()));
        using var input = torch.zeros([3, 1, 28, 28]);
        using var output = model.forward(input);
        Assert.Equal([3L, 10L], output.shape);
    }

    [Theory]
    [InlineData("images", 0.0, "true labels")]
    [InlineData("images", 1.0, "random labels")]
    [InlineData("images", 0.4, "labels corrupted p=0.4")]
    [InlineData("shuffled-pixels", 0.0, "shuffled pixels")]
    [InlineData("random-pixels", 0.0, "random pixels")]
    [InlineData("gaussian", 0.0, "Gaussian")]
    public void Conditions_are_named_as_in_the_paper(string inputs, double p, string name) =>
        Assert.Equal(name, RandomLabelsExperiment.ConditionName(inputs, p));

    [Fact]
    public void Regularisers_are_named_by_what_is_on()
    {
        Assert.Equal("none", RandomLabelsExperiment.RegulariserName(false, false, false));
        Assert.Equal("augmentation + dropout + weight decay", RandomLabelsExperiment.RegulariserName(true, true, true));
        Assert.Equal("weight decay", RandomLabelsExperiment.RegulariserName(false, false, true));
    }
}
