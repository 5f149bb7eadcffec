using Repro.Experiments.Detection;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Repro.Experiments.Tests.Experiments.Detection;

public class RegionOpsTests
{
    // ---------------------------------------------------------------- helpers

    private static Tensor T(float[] data, params long[] shape) => torch.tensor(data, shape);

    private static Tensor T64(double[] data, params long[] shape) => torch.tensor(data, shape);

    private static float[] F(Tensor t)
    {
        using var c = t.detach().cpu().to(ScalarType.Float32).contiguous();
        return c.data<float>().ToArray();
    }

    private static double[] D(Tensor t)
    {
        using var c = t.detach().cpu().to(ScalarType.Float64).contiguous();
        return c.data<double>().ToArray();
    }

    private static long[] L(Tensor t)
    {
        using var c = t.cpu().contiguous();
        return c.data<long>().ToArray();
    }

    private static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tol)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R} (tol {tol})");
    }

    private static void Close(float[] expected, Tensor actual, double tol = 1e-5) =>
        Close(expected.Select(v => (double)v).ToArray(), F(actual).Select(v => (double)v).ToArray(), tol);

    /// <summary>4x4 map holding 0..15 row-major: x[i,j] = 4i + j.</summary>
    private static Tensor Arange4x4() => torch.arange(16, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);

    /// <summary>4x4 map m[i,j] = (4i + j)^2 (not bilinear, so interpolation weights matter).</summary>
    private static Tensor Squares4x4(ScalarType dtype = ScalarType.Float32)
    {
        var v = Enumerable.Range(0, 16).Select(n => (double)n * n).ToArray();
        return torch.tensor(v, new long[] { 1, 1, 4, 4 }, dtype: dtype);
    }

    private static Tensor Roi(params float[] r) => T(r, 1, 5);

    /// <summary>Fixed map [2,2,6,7]: value(n) = (n * 0.37) % 5 in float64 (n = flat index), as in the torchvision script.</summary>
    private static double[] MapValues() => Enumerable.Range(0, 2 * 2 * 6 * 7).Select(n => (n * 0.37) % 5).ToArray();

    private static Tensor Map32() => T(MapValues().Select(v => (float)v).ToArray(), 2, 2, 6, 7);

    private static readonly float[] RoiData =
    {
        0, 1.0f, 1.0f, 4.0f, 3.0f,     // inside
        1, -2.0f, -1.0f, 3.0f, 2.0f,   // partly outside (left/top)
        0, 4.6f, 2.2f, 9.0f, 7.5f,     // partly outside (right/bottom)
        1, 10.0f, 10.0f, 14.0f, 12.0f, // entirely outside
        0, 0.3f, 0.7f, 6.2f, 5.4f,     // fractional, about the whole map
        1, 2.5f, 1.5f, 2.5f, 1.5f,     // degenerate (zero size)
        1, 3.2f, 0.1f, 5.9f, 4.9f,
    };

    private static Tensor Rois() => T(RoiData, 7, 5);

    // ---------------------------------------------------------------- RoiPool by hand (4x4 arange map)

    [Fact]
    public void RoiPool_WholeMap_TwoByTwoBins()
    {
        // RoI (0,0)-(3,3): roi_w = roi_h = 3-0+1 = 4, bin = 2 -> bins rows/cols [0,2) and [2,4);
        // maxima are the bottom-right cells 5, 7, 13, 15.
        using var x = Arange4x4();
        using var y = RegionOps.RoiPool(x, Roi(0, 0, 0, 3, 3), 2, 2, 1.0);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Close(new float[] { 5, 7, 13, 15 }, y, 0);
    }

    [Fact]
    public void RoiPool_InsideMap_UnevenBins()
    {
        // RoI x 1..2, y 1..3: roi_w = 2 (bin_w 1 -> cols [1,2), [2,3)), roi_h = 3 (bin_h 1.5:
        // ph0 [floor 0, ceil 1.5) = [0,2)+1 = rows [1,3); ph1 [floor 1.5, ceil 3) = [1,3)+1 = rows [2,4)).
        // Maxima: rows 1-2 -> x[2,1]=9, x[2,2]=10; rows 2-3 -> x[3,1]=13, x[3,2]=14. Bins overlap (row 2).
        using var x = Arange4x4();
        using var y = RegionOps.RoiPool(x, Roi(0, 1, 1, 2, 3), 2, 2, 1.0);
        Close(new float[] { 9, 10, 13, 14 }, y, 0);
    }

    [Fact]
    public void RoiPool_PartlyOutside_EmptyBinsAreZero()
    {
        // RoI (-2,-2)-(1,1): roi size 4 (not clipped before dividing), bin 2: bin 0 spans [-2,0) -> empty
        // after clipping; bin 1 spans [0,2). Only the bottom-right bin is non-empty: max x[0..1,0..1] = 5.
        using var x = Arange4x4();
        using var y = RegionOps.RoiPool(x, Roi(0, -2, -2, 1, 1), 2, 2, 1.0);
        Close(new float[] { 0, 0, 0, 5 }, y, 0);
    }

    [Fact]
    public void RoiPool_EntirelyOutside_GivesZeros()
    {
        // RoI (5,5)-(8,8) on a 4x4 map: every bin clips to [4,4) -> empty -> 0.
        using var x = Arange4x4();
        using var y = RegionOps.RoiPool(x, Roi(0, 5, 5, 8, 8), 2, 2, 1.0);
        Close(new float[] { 0, 0, 0, 0 }, y, 0);
    }

    [Fact]
    public void RoiPool_HalfScale_RoundsHalfAwayFromZero()
    {
        // Scale 0.5 on RoI (1,1)-(5,7): x1*s = y1*s = 0.5 -> 1, x2*s = 2.5 -> 3, y2*s = 3.5 -> 4
        // (banker's rounding would give x2 -> 2). roi_w = 3 (bin 1.5: cols [1,3), [2,4)),
        // roi_h = 4 (bin 2: rows [1,3), [3,5) clipped to [3,4)).
        // Maxima: x[2,2]=10, x[2,3]=11, x[3,2]=14, x[3,3]=15. (Banker's would give 9 first.)
        using var x = Arange4x4();
        using var y = RegionOps.RoiPool(x, Roi(0, 1, 1, 5, 7), 2, 2, 0.5);
        Close(new float[] { 10, 11, 14, 15 }, y, 0);

        // Negative half: (-1)*0.5 = -0.5 -> -1 (away from zero), 1*0.5 = 0.5 -> 1: roi size 3, one bin
        // [-1,2) clipped to [0,2): max x[0..1,0..1] = 5. (Banker's: 0 and 0 -> only x[0,0] = 0.)
        using var z = RegionOps.RoiPool(x, Roi(0, -1, -1, 1, 1), 1, 1, 0.5);
        Close(new float[] { 5 }, z, 0);
    }

    [Fact]
    public void RoiPool_UsesTheRoisBatchIndex()
    {
        // Batch 1 is batch 0 plus 100: a RoI on batch 1 pools from it.
        using var x0 = Arange4x4();
        using var x = torch.cat(new[] { x0, x0 + 100 }, 0);
        using var y = RegionOps.RoiPool(x, T(new float[] { 1, 0, 0, 3, 3, 0, 0, 0, 3, 3 }, 2, 5), 2, 2, 1.0);
        Close(new float[] { 105, 107, 113, 115, 5, 7, 13, 15 }, y, 0);
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Window")]
    public void RoiPool_TiesSendTheGradientToTheFirstMaximum(string pathName)
    {
        // A constant map: every cell of a bin is a maximum; torchvision keeps the first one in row-major order
        // (strict >), so with bins [0,2) x [0,2) etc. the gradient lands on (0,0), (0,2), (2,0), (2,2).
        var path = Enum.Parse<RegionOps.RoiPoolPath>(pathName);
        using var x = torch.ones(new long[] { 1, 1, 4, 4 }, ScalarType.Float64).requires_grad_(true);
        using var rois = T64(new double[] { 0, 0, 0, 3, 3 }, 1, 5);
        using var y = RegionOps.RoiPool(x, rois, 2, 2, 1.0, path);
        using var loss = y.sum();
        loss.backward();
        using var g = x.grad!;
        Close(new double[] { 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0 }, D(g), 0);

        // Partly outside (window path under Auto too): bin [0,2) x [0,2) after clipping; the first cell wins.
        using var x2 = torch.ones(new long[] { 1, 1, 4, 4 }, ScalarType.Float64).requires_grad_(true);
        using var rois2 = T64(new double[] { 0, -2, -2, 1, 1 }, 1, 5);
        using var y2 = RegionOps.RoiPool(x2, rois2, 2, 2, 1.0, path);
        using var loss2 = y2.sum();
        loss2.backward();
        using var g2 = x2.grad!;
        Close(new double[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, D(g2), 0);
    }

    // ---------------------------------------------------------------- RoiAlign by hand (4x4 map m = (4i+j)^2)

    [Fact]
    public void RoiAlign_SingleSample_BilinearWeights()
    {
        // RoI x 0.5..2.0, y 1.0..2.5, one bin, sampling 1: roi 1.5 x 1.5, the sample is the bin centre
        // (x, y) = (1.25, 1.75). Neighbours m[1,1]=25, m[1,2]=36, m[2,1]=81, m[2,2]=100 with ly = .75, lx = .25:
        // w = hy*hx = .1875, hy*lx = .0625, ly*hx = .5625, ly*lx = .1875 -> 4.6875 + 2.25 + 45.5625 + 18.75 = 71.25.
        using var m = Squares4x4();
        using var y = RegionOps.RoiAlign(m, Roi(0, 0.5f, 1.0f, 2.0f, 2.5f), 1, 1, 1.0, samplingRatio: 1);
        Close(new float[] { 71.25f }, y, 1e-5);
    }

    [Fact]
    public void RoiAlign_BorderRules()
    {
        using var m = Squares4x4();
        // Sample at x = -0.9 (in (-1, 0]: clamped to 0), y = 1.5: 0.5*m[1,0] + 0.5*m[2,0] = 0.5*16 + 0.5*64 = 40.
        using var a = RegionOps.RoiAlign(m, Roi(0, -1.4f, 1, -0.4f, 2), 1, 1, 1.0, samplingRatio: 1);
        Close(new float[] { 40 }, a, 1e-5);
        // Sample at y = 3.4 (>= H-1 = 3: clamped to row 3), x = 1.5: 0.5*169 + 0.5*196 = 182.5.
        using var b = RegionOps.RoiAlign(m, Roi(0, 1, 2.9f, 2, 3.9f), 1, 1, 1.0, samplingRatio: 1);
        Close(new float[] { 182.5f }, b, 1e-4);
        // Sample at y = 4.2 > H = 4: contributes 0.
        using var c = RegionOps.RoiAlign(m, Roi(0, 1, 3.7f, 2, 4.7f), 1, 1, 1.0, samplingRatio: 1);
        Close(new float[] { 0 }, c, 0);
        // Sample at x = -1.1 < -1: contributes 0 (not clamped).
        using var d = RegionOps.RoiAlign(m, Roi(0, -1.6f, 1, -0.6f, 2), 1, 1, 1.0, samplingRatio: 1);
        Close(new float[] { 0 }, d, 0);
    }

    [Fact]
    public void RoiAlign_AlignedVersusNot()
    {
        using var m = Squares4x4();
        // RoI (1,1)-(3,3), one bin, 2x2 samples.
        // aligned=False: samples at 1.5 and 2.5 on each axis; a half-integer sample is the mean of its 4 neighbours:
        // (1.5,1.5) -> (25+36+81+100)/4 = 60.5, (1.5,2.5) -> (36+49+100+121)/4 = 76.5,
        // (2.5,1.5) -> (81+100+169+196)/4 = 136.5, (2.5,2.5) -> (100+121+196+225)/4 = 160.5; mean 108.5.
        using var a = RegionOps.RoiAlign(m, Roi(0, 1, 1, 3, 3), 1, 1, 1.0, samplingRatio: 2, aligned: false);
        Close(new float[] { 108.5f }, a, 1e-4);
        // aligned=True: corners shift by -0.5 -> 0.5..2.5, samples at 1.0 and 2.0 = grid points 25, 36, 81, 100; mean 60.5.
        using var b = RegionOps.RoiAlign(m, Roi(0, 1, 1, 3, 3), 1, 1, 1.0, samplingRatio: 2, aligned: true);
        Close(new float[] { 60.5f }, b, 1e-4);

        // Small RoI (1,1)-(1.5,1.5), one sample. aligned=True keeps size 0.5: start 0.5, sample 0.75 on both axes,
        // l = .75: w = .0625, .1875, .1875, .5625 on 0, 1, 16, 25 -> 0.1875 + 3 + 14.0625 = 17.25.
        using var c = RegionOps.RoiAlign(m, Roi(0, 1, 1, 1.5f, 1.5f), 1, 1, 1.0, samplingRatio: 1, aligned: true);
        Close(new float[] { 17.25f }, c, 1e-5);
        // aligned=False forces size 1: sample at 1.5 -> 60.5.
        using var d = RegionOps.RoiAlign(m, Roi(0, 1, 1, 1.5f, 1.5f), 1, 1, 1.0, samplingRatio: 1, aligned: false);
        Close(new float[] { 60.5f }, d, 1e-5);
    }

    [Fact]
    public void RoiAlign_AdaptiveSampling()
    {
        using var m = Squares4x4();
        // RoI (0,0)-(3,3), one bin: adaptive grid = ceil(3/1) = 3 per axis, samples at 0.5, 1.5, 2.5.
        // Each sample is the mean of its 4 neighbours, so cell (i,j) is counted c_i*c_j times with c = 1,2,2,1:
        // sum c_i c_j (4i+j)^2 / 4 = 2586/4 over 9 samples -> 2586/36 = 71.8333...; one sample gives 60.5.
        using var adaptive = RegionOps.RoiAlign(m, Roi(0, 0, 0, 3, 3), 1, 1, 1.0, samplingRatio: 0);
        using var adaptiveNeg = RegionOps.RoiAlign(m, Roi(0, 0, 0, 3, 3), 1, 1, 1.0, samplingRatio: -1);
        using var three = RegionOps.RoiAlign(m, Roi(0, 0, 0, 3, 3), 1, 1, 1.0, samplingRatio: 3);
        using var one = RegionOps.RoiAlign(m, Roi(0, 0, 0, 3, 3), 1, 1, 1.0, samplingRatio: 1);
        Close(new float[] { 2586f / 36 }, adaptive, 1e-4);
        Close(new float[] { 2586f / 36 }, adaptiveNeg, 1e-4);
        Close(F(three), adaptive, 1e-5);
        Close(new float[] { 60.5f }, one, 1e-5);

        // The grid is per RoI: in one call, RoI A (size 3 -> grid 3) and RoI B (size 1.5 -> grid 2 per axis for a 1x1
        // output; 2x2 grid) match separate calls with those explicit ratios.
        using var both = RegionOps.RoiAlign(m, T(new float[] { 0, 0, 0, 3, 3, 0, 1, 1, 2.5f, 2.5f }, 2, 5), 1, 1, 1.0, 0);
        using var b2 = RegionOps.RoiAlign(m, Roi(0, 1, 1, 2.5f, 2.5f), 1, 1, 1.0, samplingRatio: 2);
        Close(F(three).Concat(F(b2)).ToArray(), both, 1e-5);
    }

    // ---------------------------------------------------------------- against torchvision 0.14

    // Expected values below were computed by torchvision 0.14's ops (torchvision.ops.roi_pool / roi_align / nms /
    // box_iou, Debian python3-torchvision 0.14.1, torch 1.13.1, float32 CPU) on the map and RoIs built by Map32() and
    // Rois(): roi_pool(x, rois, (3, 2), scale) and roi_align(x, rois, (3, 2), scale, sampling_ratio, aligned).

    private static readonly float[] RoiPoolScale1 =
    {
        3.32999992f, 4.07000017f, 0.920000017f, 1.65999997f, 3.50999999f, 4.25f, 3.86999989f, 4.61000013f,
        1.46000004f, 2.20000005f, 4.05000019f, 4.78999996f, 1.08000004f, 2.19000006f, 3.67000008f, 4.78000021f,
        3.67000008f, 4.78000021f, 1.62f, 2.73000002f, 4.21000004f, 4.94999981f, 4.21000004f, 4.94999981f,
        4.98999977f, 0f, 4.80000019f, 0f, 0f, 0f, 3.11999989f, 0f,
        3.11999989f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        3.70000005f, 4.80999994f, 3.88000011f, 4.98999977f, 4.05999994f, 4.80000019f, 4.23999977f, 4.98000002f,
        4.42000008f, 4.78999996f, 4.5999999f, 4.96999979f, 2.36999989f, 2.36999989f, 2.36999989f, 2.36999989f,
        2.36999989f, 2.36999989f, 2.91000009f, 2.91000009f, 2.91000009f, 2.91000009f, 2.91000009f, 2.91000009f,
        4.78000021f, 3.29999995f, 4.96000004f, 3.48000002f, 2.92000008f, 3.66000009f, 3.0999999f, 3.83999991f,
        3.27999997f, 4.01999998f, 3.46000004f, 4.19999981f,
    };

    private static readonly float[] RoiPoolScaleHalf =
    {
        2.96000004f, 3.32999992f, 2.96000004f, 3.32999992f, 0.550000012f, 0.920000017f, 3.5f, 3.86999989f,
        3.5f, 3.86999989f, 1.09000003f, 1.46000004f, 0f, 0f, 1.08000004f, 1.82000005f,
        3.67000008f, 4.40999985f, 0f, 0f, 1.62f, 2.3599999f, 4.21000004f, 4.94999981f,
        3.70000005f, 4.44000006f, 3.88000011f, 4.61999989f, 3.88000011f, 4.61999989f, 4.23999977f, 4.98000002f,
        4.42000008f, 4.78999996f, 4.42000008f, 4.78999996f, 1.25f, 1.25f, 1.25f, 1.25f,
        0f, 0f, 1.78999996f, 1.78999996f, 1.78999996f, 1.78999996f, 0f, 0f,
        2.96000004f, 3.70000005f, 2.96000004f, 3.70000005f, 3.1400001f, 3.88000011f, 3.5f, 4.23999977f,
        3.5f, 4.23999977f, 3.68000007f, 4.42000008f, 4.03999996f, 4.03999996f, 4.03999996f, 4.03999996f,
        4.03999996f, 4.03999996f, 4.57999992f, 4.57999992f, 4.57999992f, 4.57999992f, 4.57999992f, 4.57999992f,
        1.82000005f, 2.19000006f, 4.40999985f, 4.78000021f, 2f, 2.36999989f, 2.3599999f, 2.73000002f,
        4.94999981f, 0.319999993f, 2.53999996f, 2.91000009f,
    };

    private static readonly float[] RoiAlignSr2 =
    {
        2.43416667f, 2.98916674f, 1.24416673f, 1.79916668f, 2.55416727f, 3.10916734f, 2.97416687f, 3.5291667f,
        1.78416669f, 2.33916664f, 3.09416747f, 3.64916706f, 0.540000021f, 1.72749996f, 1.1875f, 3.0224998f,
        1.23250008f, 3.11249995f, 0.810000002f, 2.26749992f, 1.45749998f, 3.09375f, 1.50250006f, 3.18374991f,
        3.73608303f, 0f, 2.22206235f, 0f, 0f, 0f, 1.48441672f, 0f,
        1.26570845f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        2.08191657f, 3.17341661f, 2.45208359f, 3.54358315f, 2.60312533f, 2.98642254f, 2.62191653f, 3.11602116f,
        2.99208331f, 2.56274986f, 3.14312553f, 2.70337462f, 3.08083344f, 2.84916663f, 2.48583317f, 2.5666666f,
        3.14083338f, 2.90916657f, 2.3708334f, 2.13916683f, 2.66124988f, 2.7941668f, 2.01416683f, 2.19916677f,
        1.78849995f, 1.5942502f, 2.06687474f, 1.98824978f, 2.05618763f, 2.38225007f, 1.63475013f, 2.13425016f,
        2.0287497f, 2.52824974f, 2.42275f, 2.92225003f,
    };

    private static readonly float[] RoiAlignSr2Aligned =
    {
        2.6208334f, 3.17583346f, 1.84749985f, 2.40249968f, 1.07416689f, 1.62916696f, 3.16083336f, 3.71583319f,
        2.38749981f, 2.94249964f, 1.61416698f, 2.16916704f, 0.270000011f, 0.77125001f, 0.701875031f, 1.86625004f,
        1.52250004f, 3.50749969f, 0.405000001f, 1.04124999f, 0.971874952f, 2.40625f, 1.79250002f, 4.04749966f,
        3.55233335f, 1.92416656f, 2.67747927f, 0.868249774f, 1.49950004f, 0.0425000004f, 1.78920829f, 0.798333406f,
        2.13779116f, 1.02366638f, 0.644499898f, 0.177499995f, 0f, 0f, 0f, 0f,
        0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        2.0810833f, 3.17258334f, 2.07624984f, 3.16774964f, 1.82141685f, 2.91291666f, 2.62108326f, 3.7125833f,
        2.6162498f, 2.38431287f, 2.36141682f, 2.51046896f, 4.40999985f, 4.40999985f, 4.40999985f, 4.40999985f,
        4.40999985f, 4.40999985f, 4.94999981f, 4.94999981f, 4.94999981f, 4.94999981f, 4.94999981f, 4.94999981f,
        2.61474991f, 1.86424994f, 2.75874996f, 2.00824976f, 2.90275002f, 2.15225005f, 1.90474999f, 2.40424991f,
        2.04874992f, 2.54824996f, 2.19274998f, 2.69225001f,
    };

    private static readonly float[] RoiAlignAdaptiveHalf =
    {
        2.05041695f, 2.32791662f, 2.91375017f, 3.19124985f, 2.11041665f, 2.38791633f, 2.59041691f, 2.86791658f,
        3.45375013f, 3.73124981f, 2.65041637f, 2.92791653f, 1.08000004f, 1.40375006f, 1.72750008f, 2.05124998f,
        3.02250004f, 3.34625006f, 1.62f, 1.94375002f, 2.26749992f, 2.59124994f, 3.5625f, 3.88625002f,
        2.33908319f, 2.74608326f, 2.3352499f, 2.74224997f, 3.08141661f, 3.48841667f, 2.87908316f, 3.28608322f,
        2.87524986f, 3.04318714f, 3.62141657f, 3.63935328f, 1.06500006f, 1.25f, 1.06500006f, 1.25f,
        1.06500006f, 1.25f, 1.60500002f, 1.78999996f, 1.60500002f, 1.78999996f, 1.60500002f, 1.78999996f,
        2.24929166f, 2.79504156f, 1.65312505f, 2.19887495f, 1.30695856f, 1.85270846f, 2.78929138f, 3.33504152f,
        2.19312525f, 2.73887491f, 1.84695864f, 2.39270854f, 4.00916672f, 4.19416666f, 3.6224997f, 3.80749989f,
        2.81916666f, 3.0041666f, 4.54916668f, 4.73416662f, 4.1624999f, 4.34749985f, 3.35916662f, 3.54416656f,
        2.96237516f, 3.2121253f, 3.78437495f, 4.03412485f, 2.10637498f, 2.35612488f, 3.50237513f, 2.3739996f,
        4.32437468f, 2.27724934f, 2.41200018f, 2.64612508f,
    };

    private static readonly float[] RoiAlignAdaptiveAligned =
    {
        2.6208334f, 3.17583323f, 1.84749961f, 2.40249968f, 1.07416689f, 1.62916684f, 3.16083336f, 3.71583319f,
        2.38749981f, 2.94249964f, 1.61416698f, 2.16916704f, 0.360000014f, 1.54250014f, 0.360000014f, 1.54250014f,
        1.22333336f, 4.13249969f, 0.540000021f, 2.08249974f, 0.540000021f, 2.08249974f, 1.40333331f, 4.5336113f,
        3.55233288f, 1.28277767f, 2.67198181f, 0.578833163f, 1.49255562f, 0.0283333343f, 1.79696286f, 0.532222271f,
        2.14392567f, 0.682444274f, 0.651444376f, 0.118333332f, 0f, 0f, 0f, 0f,
        0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        2.0810833f, 3.17258358f, 2.07624984f, 3.1677494f, 1.82141685f, 2.82466435f, 2.6210835f, 3.50135684f,
        2.61625004f, 2.58483386f, 2.36141706f, 2.65326428f, 0f, 0f, 0f, 0f,
        0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        2.61474991f, 1.86424994f, 2.75874996f, 2.00824976f, 2.90275002f, 2.15225005f, 1.90474999f, 2.40424991f,
        2.04874992f, 2.54824996f, 2.19274998f, 2.69225001f,
    };

    private static readonly float[] BoxIouExpected =
    {
        0f, 0f, 0.142857149f, 0.952380955f, 0f, 0f, 0f, 0.219512194f,
        0.715481162f, 0f, 0f, 0f, 0.142857149f, 0.952380955f, 0f, 1f,
        0.680672288f, 0f, 0f, 0f,
    };

    [Theory]
    [InlineData("Auto")]
    [InlineData("Window")]
    public void RoiPool_MatchesTorchvision(string pathName)
    {
        var path = Enum.Parse<RegionOps.RoiPoolPath>(pathName);
        // Auto pools the inside RoIs with adaptive_max_pool2d and the others by windows; Window does all by windows.
        using var x = Map32();
        using var rois = Rois();
        using var a = RegionOps.RoiPool(x, rois, 3, 2, 1.0, path);
        Assert.Equal(new long[] { 7, 2, 3, 2 }, a.shape);
        Close(RoiPoolScale1, a, 1e-5);
        using var b = RegionOps.RoiPool(x, rois, 3, 2, 0.5, path);
        Close(RoiPoolScaleHalf, b, 1e-5);
    }

    [Theory]
    [InlineData(1.0, 2, false, "Auto")]
    [InlineData(1.0, 2, false, "Separable")]
    [InlineData(1.0, 2, false, "Grid")]
    [InlineData(1.0, 2, true, "Separable")]
    [InlineData(1.0, 2, true, "Grid")]
    [InlineData(0.5, 0, false, "Separable")]
    [InlineData(0.5, 0, false, "Grid")]
    [InlineData(1.0, -1, true, "Separable")]
    [InlineData(1.0, -1, true, "Grid")]
    public void RoiAlign_MatchesTorchvision(double scale, int samplingRatio, bool aligned, string pathName)
    {
        var path = Enum.Parse<RegionOps.RoiAlignPath>(pathName);
        var expected = (scale, samplingRatio, aligned) switch
        {
            (1.0, 2, false) => RoiAlignSr2,
            (1.0, 2, true) => RoiAlignSr2Aligned,
            (0.5, 0, false) => RoiAlignAdaptiveHalf,
            _ => RoiAlignAdaptiveAligned,
        };
        using var x = Map32();
        using var rois = Rois();
        using var y = RegionOps.RoiAlign(x, rois, 3, 2, scale, samplingRatio, aligned, path);
        Assert.Equal(new long[] { 7, 2, 3, 2 }, y.shape);
        Close(expected, y, 1e-5);
    }

    [Fact]
    public void RoiAlign_MixedPathsKeepRoiOrder()
    {
        // A 64-channel map, 3x3 output, adaptive sampling: Auto's cost estimate sends the two large RoIs (13x16 and
        // 10x9 samples per bin) to the separable path and the two small ones (1 sample per bin) to the grid path, so
        // the pieces come out as RoIs 1, 2, 0, 3 and must be put back in order; each must agree with either path alone.
        using var img = torch.arange(64 * 40 * 50, dtype: ScalarType.Float32).reshape(1, 64, 40, 50).div(100).sin();
        using var rois = T(new float[]
        {
            0, 10, 5, 13, 8,         // small: grid
            0, 1, 1, 48, 38,         // large: separable
            0, 20, 10, 47, 39,       // large: separable
            0, 30.5f, 20.5f, 32, 22, // small: grid
        }, 4, 5);
        using var auto = RegionOps.RoiAlign(img, rois, 3, 3, 1.0, 0);
        using var sep = RegionOps.RoiAlign(img, rois, 3, 3, 1.0, 0, false, RegionOps.RoiAlignPath.Separable);
        using var grid = RegionOps.RoiAlign(img, rois, 3, 3, 1.0, 0, false, RegionOps.RoiAlignPath.Grid);
        Close(F(grid), sep, 1e-5);
        Close(F(grid), auto, 1e-5);
        // Large outputs with one sample per bin (crop warping; Auto takes the grid path): all agree.
        using var cropsGrid = RegionOps.RoiAlign(img, rois, 30, 30, 1.0, 1, false, RegionOps.RoiAlignPath.Grid);
        using var cropsSep = RegionOps.RoiAlign(img, rois, 30, 30, 1.0, 1, false, RegionOps.RoiAlignPath.Separable);
        using var crops = RegionOps.RoiAlign(img, rois, 30, 30, 1.0, 1);
        Close(F(cropsSep), cropsGrid, 1e-5);
        Close(F(cropsSep), crops, 1e-5);
    }

    private static readonly float[] NmsBoxes =
    {
        0, 0, 10, 10,
        1, 1, 11, 11,
        0, 0, 10, 10,
        20, 20, 30, 30,
        21, 19, 31, 29,
        5, 5, 15, 15,
        0, 0, 10, 10.5f,
        40, 40, 41, 41,
    };

    private static readonly float[] NmsScores = { 0.9f, 0.8f, 0.9f, 0.7f, 0.7f, 0.6f, 0.9f, 0.5f };

    [Theory]
    // torchvision 0.14: nms(boxes, scores, 0.5) = [0, 3, 5, 7]; 0.3 -> [0, 3, 5, 7]; 0.1 -> [0, 3, 7].
    // Boxes 0, 2, 6 tie at 0.9 (0 and 2 identical): the lowest index, 0, is kept. 3 and 4 tie at 0.7: 3 kept.
    [InlineData(0.5, new long[] { 0, 3, 5, 7 })]
    [InlineData(0.3, new long[] { 0, 3, 5, 7 })]
    [InlineData(0.1, new long[] { 0, 3, 7 })]
    public void Nms_MatchesTorchvision(double threshold, long[] expected)
    {
        using var boxes = T(NmsBoxes, 8, 4);
        using var scores = T(NmsScores, 8);
        using var keep = RegionOps.Nms(boxes, scores, threshold);
        Assert.Equal(ScalarType.Int64, keep.dtype);
        Assert.Equal(expected, L(keep));
    }

    [Fact]
    public void BoxIou_MatchesTorchvision()
    {
        // box_iou(boxes[:4], boxes[3:]) -> [4,5]
        using var boxes = T(NmsBoxes, 8, 4);
        using var iou = RegionOps.BoxIou(boxes[0..4], boxes[3..8]);
        Assert.Equal(new long[] { 4, 5 }, iou.shape);
        Close(BoxIouExpected, iou, 1e-6);
    }

    // ---------------------------------------------------------------- NMS and IoU semantics

    [Fact]
    public void Nms_TiesKeepLowestIndexFirst()
    {
        // Three identical boxes with equal scores: only the lowest index survives; disjoint tied boxes come out in
        // index order.
        using var same = T(new float[] { 0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4 }, 3, 4);
        using var s = T(new float[] { 0.5f, 0.5f, 0.5f }, 3);
        using var k = RegionOps.Nms(same, s, 0.5);
        Assert.Equal(new long[] { 0 }, L(k));

        using var apart = T(new float[] { 0, 0, 1, 1, 10, 10, 11, 11, 20, 20, 21, 21, 30, 30, 31, 31 }, 4, 4);
        using var s2 = T(new float[] { 0.3f, 0.7f, 0.3f, 0.7f }, 4);
        using var k2 = RegionOps.Nms(apart, s2, 0.5);
        Assert.Equal(new long[] { 1, 3, 0, 2 }, L(k2));
    }

    [Fact]
    public void Nms_SuppressesOnlyAboveThreshold()
    {
        // [0,0,2,1] and [0,0,1,1]: intersection 1, union 2 -> IoU exactly 0.5.
        using var boxes = T(new float[] { 0, 0, 2, 1, 0, 0, 1, 1 }, 2, 4);
        using var scores = T(new float[] { 0.9f, 0.8f }, 2);
        using var atHalf = RegionOps.Nms(boxes, scores, 0.5);
        Assert.Equal(new long[] { 0, 1 }, L(atHalf)); // 0.5 is not > 0.5
        using var below = RegionOps.Nms(boxes, scores, 0.49);
        Assert.Equal(new long[] { 0 }, L(below));
    }

    [Fact]
    public void Nms_OffsetOneCountsInclusivePixels()
    {
        // [0,0,1,1] and [1,0,2,1] touch: offset 0 -> IoU 0 (both kept at threshold 0.3); offset 1 (VOC) -> widths 2,
        // overlap column 1 of height 2: inter 2, union 4 + 4 - 2 = 6, IoU 1/3 > 0.3 -> the second is suppressed.
        using var boxes = T(new float[] { 0, 0, 1, 1, 1, 0, 2, 1 }, 2, 4);
        using var scores = T(new float[] { 0.9f, 0.8f }, 2);
        using var k0 = RegionOps.Nms(boxes, scores, 0.3);
        using var k1 = RegionOps.Nms(boxes, scores, 0.3, offset: 1);
        Assert.Equal(new long[] { 0, 1 }, L(k0));
        Assert.Equal(new long[] { 0 }, L(k1));

        using var iou0 = RegionOps.BoxIou(boxes, boxes);
        using var iou1 = RegionOps.BoxIou(boxes, boxes, offset: 1);
        Close(new[] { 1.0, 0, 0, 1 }, D(iou0), 1e-7);
        Close(new[] { 1.0, 1.0 / 3, 1.0 / 3, 1 }, D(iou1), 1e-7);
    }

    [Fact]
    public void Nms_EmptyInput()
    {
        using var boxes = torch.zeros(new long[] { 0, 4 });
        using var scores = torch.zeros(new long[] { 0 });
        using var keep = RegionOps.Nms(boxes, scores, 0.5);
        Assert.Equal(new long[] { 0 }, keep.shape);
        Assert.Equal(ScalarType.Int64, keep.dtype);
    }

    // ---------------------------------------------------------------- gradients (float64, central differences)

    private static double[] Weights(int count) => Enumerable.Range(0, count).Select(i => 1 + 0.1 * ((i * 7) % 11) - 0.45).ToArray();

    private static void CheckGradient(Func<Tensor, Tensor> op)
    {
        var x0 = MapValues();
        long[] shape = { 2, 2, 6, 7 };
        double[] w;
        double[] analytic;
        using (var x = T64(x0, shape).requires_grad_(true))
        using (var y = op(x))
        {
            w = Weights((int)y.numel());
            using var wt = T64(w, y.shape);
            using var loss = (y * wt).sum();
            loss.backward();
            using var g = x.grad!;
            analytic = D(g);
        }

        double Loss(double[] v)
        {
            using var _ = torch.no_grad();
            using var x = T64(v, shape);
            using var y = op(x);
            var yv = D(y);
            double s = 0;
            for (int i = 0; i < yv.Length; i++) s += w[i] * yv[i];
            return s;
        }

        // Central differences: per entry for every third entry of the map (both images, both channels, all rows),
        // plus directional derivatives along a few pseudo-random directions that touch every entry.
        const double eps = 1e-4;
        var numeric = new List<double>();
        var expected = new List<double>();
        for (int i = 0; i < x0.Length; i += 3)
        {
            var p = (double[])x0.Clone(); p[i] += eps;
            var m = (double[])x0.Clone(); m[i] -= eps;
            numeric.Add((Loss(p) - Loss(m)) / (2 * eps));
            expected.Add(analytic[i]);
        }
        var random = new Random(7);
        for (int d = 0; d < 4; d++)
        {
            var v = x0.Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var p = x0.Select((xi, i) => xi + eps * v[i]).ToArray();
            var m = x0.Select((xi, i) => xi - eps * v[i]).ToArray();
            numeric.Add((Loss(p) - Loss(m)) / (2 * eps));
            expected.Add(analytic.Select((g, i) => g * v[i]).Sum());
        }
        Assert.Contains(analytic, v => v != 0);
        Close(expected, numeric, 1e-6);
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Window")]
    public void RoiPool_GradientMatchesFiniteDifferences(string pathName)
    {
        var path = Enum.Parse<RegionOps.RoiPoolPath>(pathName);
        // The map's values are distinct (gaps >= 0.01), so max pooling is linear within +-eps.
        using var rois = Rois().to(ScalarType.Float64);
        CheckGradient(x => RegionOps.RoiPool(x, rois, 3, 2, 1.0, path));
    }

    [Theory]
    [InlineData("Separable")]
    [InlineData("Grid")]
    public void RoiAlign_GradientMatchesFiniteDifferences(string pathName)
    {
        var path = Enum.Parse<RegionOps.RoiAlignPath>(pathName);
        using var rois = Rois().to(ScalarType.Float64);
        CheckGradient(x => RegionOps.RoiAlign(x, rois, 3, 2, 1.0, 2, true, path));
        CheckGradient(x => RegionOps.RoiAlign(x, rois, 3, 2, 0.5, 0, false, path));
    }

    // ---------------------------------------------------------------- no leaked tensors

    [Fact]
    public void Ops_LeaveNoLiveTensorsBehind()
    {
        using var x = Map32().requires_grad_(true);
        using var rois = Rois();
        using var boxes = T(NmsBoxes, 8, 4);
        using var scores = T(NmsScores, 8);
        // Warm up (first calls may create cached tensors inside TorchSharp).
        RegionOps.RoiPool(x, rois, 3, 2, 1.0).Dispose();

        var stats = DisposeScopeManager.Statistics;
        long before = stats.ThreadTotalLiveCount;
        using (var pool = RegionOps.RoiPool(x, rois, 3, 2, 1.0))
        using (var align = RegionOps.RoiAlign(x, rois, 3, 2, 0.5, 0, true))
        using (var keep = RegionOps.Nms(boxes, scores, 0.5))
        using (var iou = RegionOps.BoxIou(boxes, boxes))
        using (var poolSum = pool.sum())
        using (var alignSum = align.sum())
        using (var loss = poolSum + alignSum)
        {
            loss.backward();
            // Only the 4 results and the 3 loss tensors created here are alive.
            Assert.Equal(before + 7, stats.ThreadTotalLiveCount);
        }
        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }
}
