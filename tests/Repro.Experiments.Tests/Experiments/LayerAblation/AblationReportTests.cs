using Repro.Experiments.Experiments;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.LayerAblation;

public sealed class AblationReportTests
{
    [Theory]
    [InlineData(new int[0], "none")]
    [InlineData(new[] { 7 }, "7")]
    [InlineData(new[] { 7, 6 }, "6;7")]
    [InlineData(new[] { 3, 4, 6, 7, 7 }, "3;4;6;7")]
    public void Ablation_keys_use_the_reference_tables_spelling(int[] removed, string key) =>
        Assert.Equal(key, LayerAblationExperiment.AblationKey(removed));

    [Fact]
    public void Error_change_pairs_runs_by_seed()
    {
        var full = new Dictionary<string, double> { ["0"] = 0.10, ["1"] = 0.12, ["2"] = 0.11 };
        // Seed 2 has no ablated run and seed 3 no full run: only seeds 0 and 1 pair up.
        var ablated = new Dictionary<string, double> { ["0"] = 0.13, ["1"] = 0.13, ["3"] = 0.50 };
        var (mean, std, pairs) = LayerAblationExperiment.PairedChange(ablated, full);
        Assert.Equal(2, pairs);
        // Changes 0.03 and 0.01: mean 0.02, sample std sqrt(((0.01)^2 + (0.01)^2) / 1) = 0.01414.
        Assert.Equal(0.02, mean, 10);
        Assert.Equal(Math.Sqrt(2e-4), std, 10);
    }

    [Fact]
    public void Drops_counts_the_steps_that_lower_accuracy()
    {
        Assert.Equal(0, LayerAblationExperiment.Drops([0.448, 0.662, 0.723, 0.766, 0.862]));
        Assert.Equal(2, LayerAblationExperiment.Drops([0.9, 0.8, 0.85, 0.85, 0.7]));
    }
}
