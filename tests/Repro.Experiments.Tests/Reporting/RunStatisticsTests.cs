using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>One rule for a metric over a group of runs: missing and non-finite values left out, spread from two values.</summary>
public sealed class RunStatisticsTests
{
    static RunRecord Run(string id, params (string metric, double value)[] metrics) =>
        new(id, "ok", "", [], metrics.Select(m => new KeyValuePair<string, double>(m.metric, m.value)).ToList(), "/nonexistent");

    static readonly RunRecord[] Group =
    [
        Run("a", ("accuracy", 0.80)),
        Run("b", ("accuracy", 0.90)),
        Run("c", ("accuracy", double.NaN)),
        Run("d", ("accuracy", double.PositiveInfinity)),
        Run("e", ("loss", 1.0)),
    ];

    [Fact]
    public void Missing_and_non_finite_values_are_left_out()
    {
        Assert.Equal([0.80, 0.90], RunStatistics.Values(Group, "accuracy"));
        Assert.Equal(0.85, RunStatistics.Mean(Group, "accuracy"), 12);
        var (mean, std, count) = RunStatistics.MeanStd(Group, "accuracy");
        Assert.Equal(2, count);
        Assert.Equal(0.85, mean, 12);
        // Sample standard deviation of {0.8, 0.9}: sqrt((0.05^2 + 0.05^2) / 1) = 0.070711.
        Assert.Equal(Math.Sqrt(0.005), std, 12);
    }

    [Fact]
    public void No_value_is_NaN_and_an_empty_cell()
    {
        Assert.True(double.IsNaN(RunStatistics.Mean(Group, "steps")));
        Assert.True(RunStatistics.Cell(Group, "steps").IsEmpty);
        Assert.True(RunStatistics.Cell([], "accuracy").IsEmpty);
    }

    [Fact]
    public void A_cell_shows_a_spread_only_from_two_values_and_scales_both()
    {
        var one = RunStatistics.Cell(Group, "loss", 100);
        Assert.Equal(100.0, one.Number);
        Assert.Null(one.Std);
        var two = RunStatistics.Cell(Group, "accuracy", 100);
        Assert.Equal(85.0, two.Number!.Value, 10);
        Assert.Equal(100 * Math.Sqrt(0.005), two.Std!.Value, 10);
    }
}
