using Repro.Experiments.Experiments;
using Repro.Experiments.Training;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Architectures;

public sealed class ArchitectureDataScalingTests
{
    [Fact]
    public void Error_halving_with_every_fourfold_of_the_data_has_log_log_slope_minus_one_half()
    {
        // log(0.1 / 0.2) / log(4000 / 1000) = -ln 2 / ln 4 = -0.5
        Assert.Equal(-0.5, DataScaling.LogLogSlope([1000, 4000, 16000], [0.2, 0.1, 0.05]), 12);
        Assert.Equal(0.0, DataScaling.LogLogSlope([1000, 2000], [0.1, 0.1]), 12);
    }

    [Fact]
    public void Accuracy_per_decade_is_the_slope_against_log10_of_the_data()
    {
        Assert.Equal(0.05, DataScaling.PerDecade([1000, 10000, 100000], [0.80, 0.85, 0.90]), 12);
        // Least squares at log10 sizes 3, 4, 5: the middle point does not move the slope, (0.90 - 0.80) / 2.
        Assert.Equal(0.05, DataScaling.PerDecade([1000, 10000, 100000], [0.80, 0.87, 0.90]), 12);
    }

    [Fact]
    public void A_step_where_the_error_does_not_fall_counts_as_a_rise()
    {
        Assert.Equal(0, DataScaling.Rises([0.3, 0.2, 0.1]));
        Assert.Equal(1, DataScaling.Rises([0.3, 0.2, 0.25, 0.1]));
        // Equal is not a fall.
        Assert.Equal(1, DataScaling.Rises([0.2, 0.2]));
    }

    [Fact]
    public void A_small_training_set_gets_epochs_until_the_minimum_steps()
    {
        var train = new TrainOptions { Epochs = 5, BatchSize = 128 };
        // 1000 images: 8 steps an epoch (the last batch kept), 40 in 5 epochs; 80 need 10 epochs.
        Assert.Equal(10, ArchitecturesExperiment.WithMinimumSteps(train, 80, 1000).Epochs);
        // 8000 images: 63 steps an epoch, 315 in 5 epochs: unchanged.
        Assert.Equal(5, ArchitecturesExperiment.WithMinimumSteps(train, 80, 8000).Epochs);
        // Without the last partial batch: 7 steps an epoch, 80 need 12 epochs.
        Assert.Equal(12, ArchitecturesExperiment.WithMinimumSteps(new TrainOptions { Epochs = 5, BatchSize = 128, KeepLastBatch = false }, 80, 1000).Epochs);
        Assert.Equal(5, train.Epochs);
    }
}
