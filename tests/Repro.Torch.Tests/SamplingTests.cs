using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

public class SamplingTests
{
    static Tensor Theta(params double[] rows) => torch.tensor(rows, 1, 2, 3);

    [Fact]
    public void AffineGridByHand()
    {
        using var scope = torch.NewDisposeScope();
        var identity = Theta(1, 0, 0, 0, 1, 0);
        // align_corners=false: pixel centres of a 2x2 map sit at -0.5 and 0.5; true: at -1 and 1.
        Expect.Close([-0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5, 0.5], F.affine_grid(identity, [1, 1, 2, 2]), 1e-12);
        Expect.Close([-1, -1, 1, -1, -1, 1, 1, 1], F.affine_grid(identity, [1, 1, 2, 2], align_corners: true), 1e-12);

        // A general map: (x, y) = theta . (xb, yb, 1) at every base point.
        double[] t = [2, 0.5, 0.1, 0.2, -1, 0.3];
        const int h = 3, w = 4;
        var grid = F.affine_grid(Theta(t), [1, 1, h, w]);
        Expect.Shape([1, h, w, 2], grid);
        var expected = new List<double>();
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        {
            double xb = (2.0 * j + 1) / w - 1, yb = (2.0 * i + 1) / h - 1;
            expected.Add(t[0] * xb + t[1] * yb + t[2]);
            expected.Add(t[3] * xb + t[4] * yb + t[5]);
        }
        Expect.Close(expected, grid, 1e-12);
    }

    [Fact]
    public void GridSampleByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 0, 1, 2, 3 }, 1, 1, 2, 2);
        // (x, y) in [-1, 1]; with align_corners the corners are pixel centres.
        var grid = torch.tensor(new double[] { 0, 0, 1, -1, -1, 1, 0.5, -1 }, 1, 1, 4, 2);
        Expect.Close([1.5, 1, 2, 0.75], F.grid_sample(x, grid, align_corners: true), 1e-12);
        var near = torch.tensor(new double[] { 0.2, 0.2, -0.6, 0.9 }, 1, 1, 2, 2);
        Expect.Close([3, 2], F.grid_sample(x, near, F.GridSampleMode.Nearest, align_corners: true), 1e-12);
        // Outside the map: zeros padding gives 0, border padding the edge value.
        var outside = torch.tensor(new double[] { 3, -1 }, 1, 1, 1, 2);
        Expect.Close([0], F.grid_sample(x, outside, align_corners: true), 1e-12);
        Expect.Close([1], F.grid_sample(x, outside, padding_mode: F.GridSamplePadding.Border, align_corners: true), 1e-12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdentityThetaReproducesTheInput(bool alignCorners)
    {
        using var scope = torch.NewDisposeScope();
        var values = Expect.Random(2 * 3 * 4 * 5, 71);
        var x = torch.tensor(values, 2, 3, 4, 5);
        var theta = torch.tensor(new double[] { 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0 }, 2, 2, 3);
        var grid = F.affine_grid(theta, x.shape, alignCorners);
        Expect.Close(values, F.grid_sample(x, grid, align_corners: alignCorners), 1e-12);
    }

    [Fact]
    public void OnePixelTranslation()
    {
        using var scope = torch.NewDisposeScope();
        const int h = 4, w = 5;
        var values = Expect.Random(2 * h * w, 72);
        var x = torch.tensor(values, 1, 2, h, w);

        // align_corners=true: one pixel is 2/(W-1) in grid units; sampling at x+1 shifts the image left.
        var grid = F.affine_grid(Theta(1, 0, 2.0 / (w - 1), 0, 1, 0), x.shape, align_corners: true);
        var left = Expect.Values(F.grid_sample(x, grid, align_corners: true));
        for (var c = 0; c < 2; c++)
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        {
            var at = (c * h + i) * w + j;
            Assert.Equal(j < w - 1 ? values[at + 1] : 0, left[at], 1e-10);
        }

        // align_corners=false: one pixel is 2/H; sampling at y-1 shifts the image down, the top row is padding.
        var gridDown = F.affine_grid(Theta(1, 0, 0, 0, 1, -2.0 / h), x.shape);
        var down = Expect.Values(F.grid_sample(x, gridDown));
        for (var c = 0; c < 2; c++)
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        {
            var at = (c * h + i) * w + j;
            Assert.Equal(i > 0 ? values[at - w] : 0, down[at], 1e-10);
        }
    }

    /// <summary>Source coordinate of an output index, as PyTorch's upsampling kernels compute it.</summary>
    static double[] BilinearAxis(int input, int output, int dst, bool alignCorners, out int i0, out int i1)
    {
        double src = alignCorners
            ? (output > 1 ? dst * (input - 1.0) / (output - 1) : 0)
            : Math.Max((dst + 0.5) * input / output - 0.5, 0);
        i0 = Math.Min((int)Math.Floor(src), input - 1);
        i1 = Math.Min(i0 + 1, input - 1);
        var l = src - i0;
        return [1 - l, l];
    }

    [Theory]
    [InlineData(3, 3, 4, 4, false)]
    [InlineData(3, 3, 4, 4, true)]
    [InlineData(2, 5, 5, 3, false)]
    [InlineData(4, 4, 2, 2, true)]
    public void BilinearInterpolationMatchesTheFormula(int h, int w, int oh, int ow, bool alignCorners)
    {
        using var scope = torch.NewDisposeScope();
        var values = Expect.Random(h * w, 81 + h * w);
        var y = F.interpolate(torch.tensor(values, 1, 1, h, w), [oh, ow], mode: F.InterpolateMode.Bilinear, align_corners: alignCorners);
        Expect.Shape([1, 1, oh, ow], y);
        var expected = new double[oh * ow];
        for (var i = 0; i < oh; i++)
        for (var j = 0; j < ow; j++)
        {
            var wy = BilinearAxis(h, oh, i, alignCorners, out var y0, out var y1);
            var wx = BilinearAxis(w, ow, j, alignCorners, out var x0, out var x1);
            expected[i * ow + j] = wy[0] * (wx[0] * values[y0 * w + x0] + wx[1] * values[y0 * w + x1])
                                 + wy[1] * (wx[0] * values[y1 * w + x0] + wx[1] * values[y1 * w + x1]);
        }
        Expect.Close(expected, y, 1e-12);
    }

    [Fact]
    public void InterpolateByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        var twice = F.interpolate(x, scale_factor: [2, 2]);
        Assert.Equal(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, twice.ToArray<float>());
        // Nearest picks floor(dst * in / out): rows and columns 0, 0, 1.
        Assert.Equal(new float[] { 1, 1, 2, 1, 1, 2, 3, 3, 4 }, F.interpolate(x, [3, 3]).ToArray<float>());
        // Bilinear, half-pixel centres: a row [1, 2] becomes [1, 1.25, 1.75, 2].
        var row = F.interpolate(torch.tensor(new float[] { 1, 2 }, 1, 1, 1, 2), [1, 4], mode: F.InterpolateMode.Bilinear);
        Assert.Equal(new float[] { 1, 1.25f, 1.75f, 2 }, row.ToArray<float>());
        var cornersRow = F.interpolate(torch.tensor(new float[] { 1, 2 }, 1, 1, 1, 2), [1, 3], mode: F.InterpolateMode.Bilinear, align_corners: true);
        Assert.Equal(new float[] { 1, 1.5f, 2 }, cornersRow.ToArray<float>());
        var scaled = F.interpolate(x, scale_factor: [2, 2], mode: F.InterpolateMode.Bilinear);
        Assert.Equal(new float[] { 1, 1.25f, 1.75f, 2 }, scaled.ToArray<float>().Take(4).ToArray());
        Assert.Throws<ArgumentException>(() => F.interpolate(x));
    }
}
