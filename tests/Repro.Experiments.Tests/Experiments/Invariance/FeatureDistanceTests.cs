using Repro.Experiments.Metrics;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Invariance;

public sealed class FeatureDistanceTests
{
    [Fact]
    public void Euclidean_distance_of_a_3_4_5_triangle_is_5()
    {
        Assert.Equal(5.0, FeatureDistance.Euclidean([1f, 1f, 7f], [4f, 5f, 7f]), 12);
        Assert.Equal(0.0, FeatureDistance.Euclidean([2f, -3f], [2f, -3f]));
    }

    [Fact]
    public void Row_distances_pair_rows_in_order()
    {
        // Rows: (0,0) vs (3,4) -> 5; (1,1) vs (1,2) -> 1.
        var d = FeatureDistance.RowDistances([0f, 0f, 1f, 1f], [3f, 4f, 1f, 2f], 2);
        Assert.Equal([5.0, 1.0], d);
    }

    [Fact]
    public void Mean_norm_averages_row_norms_and_normalised_divides_by_it()
    {
        // Norms 5 and 0 -> mean 2.5; a distance of 5 is then 2 typical feature vectors.
        double norm = FeatureDistance.MeanNorm([3f, 4f, 0f, 0f], 2);
        Assert.Equal(2.5, norm, 12);
        Assert.Equal(2.0, FeatureDistance.Normalised(5, norm), 12);
        Assert.True(double.IsNaN(FeatureDistance.Normalised(1, 0)));
    }

    [Fact]
    public void Growth_ratio_is_the_ratio_of_areas_under_the_curves()
    {
        // Top curve half the bottom one everywhere -> 0.5; identity points (0) add nothing.
        Assert.Equal(0.5, FeatureDistance.GrowthRatio([0, 1, 2], [0, 2, 4]), 12);
        Assert.Equal(1.5, FeatureDistance.GrowthRatio([3, 0], [1, 1]), 12);
    }

    [Fact]
    public void Min_within_a_radius_ignores_amounts_outside_it()
    {
        double[] amounts = [-3, -2, -1, 0, 1, 2, 3];
        double[] p = [0.1, 0.6, 0.8, 0.9, 0.7, 0.55, 0.2];
        Assert.Equal(0.55, FeatureDistance.MinWithin(amounts, p, 0, 2), 12);
        Assert.Equal(0.7, FeatureDistance.MinWithin(amounts, p, 0, 1), 12);
        Assert.True(double.IsNaN(FeatureDistance.MinWithin(amounts, p, 10, 1)));
    }

    [Fact]
    public void Rows_of_unequal_length_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => FeatureDistance.Euclidean([1f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => FeatureDistance.MeanNorm([1f, 2f, 3f], 2));
    }
}
