using Xunit;

namespace Repro.Torch.Tests;

/// <summary>Comparisons and reference computations shared by the engine tests.</summary>
internal static class Expect
{
    /// <summary>Every element as double, in row-major order.</summary>
    internal static double[] Values(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Float64);
        return d.ToArray<double>();
    }

    internal static long[] Longs(Tensor t)
    {
        using var d = t.detach().to(ScalarType.Int64);
        return d.ToArray<long>();
    }

    internal static void Close(IReadOnlyList<double> expected, Tensor actual, double tolerance = 1e-5) =>
        Close(expected, Values(actual), tolerance);

    /// <summary>Element-wise |e - a| &lt;= tolerance * max(1, |e|).</summary>
    internal static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var bound = tolerance * Math.Max(1, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= bound))
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {bound:G3})");
        }
    }

    internal static void Shape(long[] expected, Tensor t) => Assert.Equal(expected, t.shape);

    /// <summary>Seeded values in [-1, 1) from a managed generator, independent of torch's own.</summary>
    internal static double[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (var i = 0; i < count; i++) v[i] = rng.NextDouble() * 2 - 1;
        return v;
    }

    internal static float[] RandomFloats(int count, int seed) => Random(count, seed).Select(v => (float)v).ToArray();

    internal static double Dot(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double s = 0;
        for (var i = 0; i < a.Count; i++) s += a[i] * b[i];
        return s;
    }
}

/// <summary>Direct loop implementations of the documented semantics, used as independent references.</summary>
internal static class Reference
{
    /// <summary>Cross-correlation as torch's conv2d: x [N,C,H,W], w [O,C,KH,KW] -> [N,O,OH,OW].</summary>
    internal static double[] Conv2d(double[] x, int n, int c, int h, int w, double[] weight, int o, int kh, int kw,
        double[]? bias, int stride, int pad, out int oh, out int ow)
    {
        oh = (h + 2 * pad - kh) / stride + 1;
        ow = (w + 2 * pad - kw) / stride + 1;
        var y = new double[n * o * oh * ow];
        for (var b = 0; b < n; b++)
        for (var f = 0; f < o; f++)
        for (var i = 0; i < oh; i++)
        for (var j = 0; j < ow; j++)
        {
            var s = bias?[f] ?? 0;
            for (var ch = 0; ch < c; ch++)
            for (var ki = 0; ki < kh; ki++)
            for (var kj = 0; kj < kw; kj++)
            {
                int yy = i * stride - pad + ki, xx = j * stride - pad + kj;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                s += x[((b * c + ch) * h + yy) * w + xx] * weight[((f * c + ch) * kh + ki) * kw + kj];
            }
            y[((b * o + f) * oh + i) * ow + j] = s;
        }
        return y;
    }

    /// <summary>Transposed convolution: each input value scatters weight[c,o] into the output; w [C,O,KH,KW].</summary>
    internal static double[] ConvTranspose2d(double[] x, int n, int c, int h, int w, double[] weight, int o, int kh, int kw,
        double[]? bias, int stride, int pad, int outputPad, out int oh, out int ow)
    {
        oh = (h - 1) * stride - 2 * pad + kh + outputPad;
        ow = (w - 1) * stride - 2 * pad + kw + outputPad;
        var y = new double[n * o * oh * ow];
        for (var b = 0; b < n; b++)
        for (var f = 0; f < o; f++)
        for (var i = 0; i < oh * ow; i++)
            y[(b * o + f) * oh * ow + i] = bias?[f] ?? 0;
        for (var b = 0; b < n; b++)
        for (var ch = 0; ch < c; ch++)
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        for (var f = 0; f < o; f++)
        for (var ki = 0; ki < kh; ki++)
        for (var kj = 0; kj < kw; kj++)
        {
            int yy = i * stride - pad + ki, xx = j * stride - pad + kj;
            if (yy < 0 || yy >= oh || xx < 0 || xx >= ow) continue;
            y[((b * o + f) * oh + yy) * ow + xx] += x[((b * c + ch) * h + i) * w + j] * weight[((ch * o + f) * kh + ki) * kw + kj];
        }
        return y;
    }

    /// <summary>Adaptive pooling bins as PyTorch: [floor(i*in/out), ceil((i+1)*in/out)).</summary>
    internal static (int start, int end) AdaptiveBin(int i, int input, int output) =>
        ((int)Math.Floor((double)i * input / output), (int)Math.Ceiling((double)(i + 1) * input / output));

    /// <summary>Adaptive average (max when <paramref name="max"/>) pooling of one plane [H,W].</summary>
    internal static double[] AdaptivePool(double[] plane, int h, int w, int oh, int ow, bool max)
    {
        var y = new double[oh * ow];
        for (var i = 0; i < oh; i++)
        for (var j = 0; j < ow; j++)
        {
            var (y0, y1) = AdaptiveBin(i, h, oh);
            var (x0, x1) = AdaptiveBin(j, w, ow);
            double acc = max ? double.NegativeInfinity : 0;
            for (var yy = y0; yy < y1; yy++)
            for (var xx = x0; xx < x1; xx++)
                acc = max ? Math.Max(acc, plane[yy * w + xx]) : acc + plane[yy * w + xx];
            y[i * ow + j] = max ? acc : acc / ((y1 - y0) * (x1 - x0));
        }
        return y;
    }

    /// <summary>Bilinear value of a plane at (x, y) in pixel coordinates, clamped to the map (border padding).</summary>
    internal static double BilinearBorder(double[] plane, int h, int w, double x, double y)
    {
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        double fx = x - x0, fy = y - y0;
        return plane[y0 * w + x0] * (1 - fx) * (1 - fy) + plane[y0 * w + x1] * fx * (1 - fy)
             + plane[y1 * w + x0] * (1 - fx) * fy + plane[y1 * w + x1] * fx * fy;
    }
}
