using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

public class PoolingTests
{
    static readonly float[] Plane =
    [
        1, 5, 2, 0,
        3, 4, 8, 7,
        9, 0, 6, 6.5f,
        2, 10, 1, 3,
    ];

    [Fact]
    public void MaxPoolReturnsMaximaAndTheirSwitches()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(Plane, 1, 1, 4, 4);
        var (y, idx) = F.max_pool2d_with_indices(x, 2);
        Assert.Equal(new float[] { 5, 8, 10, 6.5f }, y.ToArray<float>());
        // Switches are flat positions within each plane (row * width + column).
        Assert.Equal(new long[] { 1, 6, 13, 11 }, idx.ToArray<long>());
        Assert.Equal(new float[] { 5, 8, 10, 6.5f }, F.max_pool2d(x, 2).ToArray<float>());

        // Overlapping windows (kernel 3, stride 1): 2x2 output.
        Assert.Equal(new float[] { 9, 8, 10, 10 }, F.max_pool2d(x, 3, 1).ToArray<float>());
    }

    [Fact]
    public void MaxUnpoolPutsValuesBackAtTheSwitches()
    {
        using var scope = torch.NewDisposeScope();
        using var pool = torch.nn.MaxPool2d(2);
        var x = torch.tensor(Plane, 1, 1, 4, 4);
        var (y, idx) = pool.forward_with_indices(x);
        var up = F.max_unpool2d(y, idx, [4, 4]);
        Assert.Equal(new float[] { 0, 5, 0, 0, 0, 0, 8, 0, 0, 0, 0, 6.5f, 0, 10, 0, 0 }, up.ToArray<float>());

        // Values other than the pooled ones go to the same switch positions (the deconvnet feeds
        // reconstructions, not the pooled maxima, through the switches).
        var fed = torch.tensor(new float[] { -1, -2, -3, -4 }, 1, 1, 2, 2);
        Assert.Equal(new float[] { 0, -1, 0, 0, 0, 0, -2, 0, 0, 0, 0, -4, 0, -3, 0, 0 }, F.max_unpool2d(fed, idx, [4, 4]).ToArray<float>());
    }

    [Fact]
    public void MaxPoolSwitchesAreIndependentPerChannelAndImage()
    {
        using var scope = torch.NewDisposeScope();
        var values = Expect.RandomFloats(2 * 3 * 6 * 6, 31);
        var x = torch.tensor(values, 2, 3, 6, 6);
        var (y, idx) = F.max_pool2d_with_indices(x, 2);
        var yv = y.ToArray<float>();
        var iv = idx.ToArray<long>();
        for (var plane = 0; plane < 6; plane++)
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 3; j++)
        {
            var best = float.NegativeInfinity;
            var bestAt = -1;
            for (var di = 0; di < 2; di++)
            for (var dj = 0; dj < 2; dj++)
            {
                var at = (2 * i + di) * 6 + 2 * j + dj;
                if (values[plane * 36 + at] > best) (best, bestAt) = (values[plane * 36 + at], at);
            }
            Assert.Equal(best, yv[plane * 9 + i * 3 + j]);
            Assert.Equal(bestAt, iv[plane * 9 + i * 3 + j]);
        }
        var up = F.max_unpool2d(y, idx, [6, 6]).ToArray<float>();
        for (var k = 0; k < up.Length; k++)
        {
            var isSwitch = iv.Skip(k / 36 * 9).Take(9).Contains(k % 36);
            Assert.Equal(isSwitch ? values[k] : 0, up[k]);
        }
    }

    [Fact]
    public void AveragePoolAndCeilMode()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(Plane, 1, 1, 4, 4);
        Assert.Equal(new float[] { 13 / 4f, 17 / 4f, 21 / 4f, 16.5f / 4 }, F.avg_pool2d(x, 2).ToArray<float>());
        // Kernel 3 stride 2: floor mode gives one window, ceil mode a second, partial one per axis.
        Expect.Shape([1, 1, 1, 1], F.max_pool2d(x, 3, 2));
        var ceil = F.max_pool2d(x, 3, 2, ceil_mode: true);
        Expect.Shape([1, 1, 2, 2], ceil);
        Assert.Equal(new float[] { 9, 8, 10, 6.5f }, ceil.ToArray<float>());
    }

    [Theory]
    [InlineData(5, 5, 2, 2)]
    [InlineData(7, 5, 3, 2)]
    [InlineData(4, 6, 4, 6)]
    [InlineData(3, 3, 5, 5)]
    public void AdaptivePoolingMatchesPyTorchBins(int h, int w, int oh, int ow)
    {
        using var scope = torch.NewDisposeScope();
        var values = Expect.Random(2 * h * w, 41 + h);
        var x = torch.tensor(values, 1, 2, h, w);
        var avg = F.adaptive_avg_pool2d(x, [oh, ow]);
        var (max, idx) = F.adaptive_max_pool2d(x, [oh, ow]);
        var expectedAvg = new List<double>();
        var expectedMax = new List<double>();
        for (var ch = 0; ch < 2; ch++)
        {
            var plane = values.Skip(ch * h * w).Take(h * w).ToArray();
            expectedAvg.AddRange(Reference.AdaptivePool(plane, h, w, oh, ow, max: false));
            expectedMax.AddRange(Reference.AdaptivePool(plane, h, w, oh, ow, max: true));
        }
        Expect.Shape([1, 2, oh, ow], avg);
        Expect.Close(expectedAvg, avg, 1e-12);
        Expect.Close(expectedMax, max, 0);
        var iv = idx.ToArray<long>();
        for (var k = 0; k < iv.Length; k++) Assert.Equal(expectedMax[k], values[k / (oh * ow) * h * w + iv[k]]);
    }

    [Fact]
    public void AdaptivePoolingByHand()
    {
        using var scope = torch.NewDisposeScope();
        // 5 -> 2 bins: rows/columns [0,3) and [2,5); the middle row and column are shared.
        var x = torch.arange(25, ScalarType.Float32).view(1, 1, 5, 5);
        Assert.Equal(new float[] { 6, 8, 16, 18 }, F.adaptive_avg_pool2d(x, [2, 2]).ToArray<float>());
        Assert.Equal(new float[] { 12, 14, 22, 24 }, F.adaptive_max_pool2d(x, [2, 2]).output.ToArray<float>());
        using var module = torch.nn.AdaptiveAvgPool2d(1, 1);
        Assert.Equal(new float[] { 12 }, module.forward(x).ToArray<float>());
    }
}
