using Repro.Experiments.Detection;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed class WarpingTests
{
    /// <summary>A 1x2x8x8 image whose pixel (c, y, x) holds 100c + 10y + x.</summary>
    static (Tensor image, float[] values) Image()
    {
        var v = new float[2 * 8 * 8];
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    v[(c * 8 + y) * 8 + x] = 100 * c + 10 * y + x;
        return (torch.tensor(v, 1, 2, 8, 8), v);
    }

    [Fact]
    public void A_box_of_the_warp_size_without_padding_is_copied_unchanged()
    {
        var (image, _) = Image();
        using var _i = image;
        using var box = torch.tensor(new float[] { 2, 1, 5, 4 }, 1, 4);
        using var index = torch.zeros([1]);
        using var crop = Warping.Warp(image, box, index, 4, 0);
        using var expected = image.narrow(2, 1, 4).narrow(3, 2, 4).contiguous();
        Assert.Equal(new long[] { 1, 2, 4, 4 }, crop.shape);
        Assert.Equal(expected.data<float>().ToArray().Select(v => (double)v), crop.contiguous().data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-4));
    }

    [Fact]
    public void Context_padding_dilates_the_box_around_its_centre()
    {
        // Box 2..5 (4 px) warped to 8 px with 2 px of context each side: the crop spans 8 source pixels, 0..7.
        var (image, values) = Image();
        using var _i = image;
        using var box = torch.tensor(new float[] { 2, 2, 5, 5 }, 1, 4);
        using var index = torch.zeros([1]);
        using var crop = Warping.Warp(image, box, index, 8, 2);
        Assert.Equal(values.Select(v => (double)v), crop.contiguous().data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-4));
    }

    [Fact]
    public void Shrinking_samples_between_source_pixels_bilinearly()
    {
        // The whole 8x8 image warped to 4x4: warped pixel i samples x = 2i + 0.5, the mean of pixels 2i and 2i+1.
        var (image, values) = Image();
        using var _i = image;
        using var box = torch.tensor(new float[] { 0, 0, 7, 7 }, 1, 4);
        using var index = torch.zeros([1]);
        using var crop = Warping.Warp(image, box, index, 4, 0);
        var got = crop.contiguous().data<float>().ToArray();
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                {
                    double mean = (values[(c * 8 + 2 * i) * 8 + 2 * j] + values[(c * 8 + 2 * i) * 8 + 2 * j + 1]
                        + values[(c * 8 + 2 * i + 1) * 8 + 2 * j] + values[(c * 8 + 2 * i + 1) * 8 + 2 * j + 1]) / 4;
                    Assert.Equal(mean, got[(c * 4 + i) * 4 + j], 3);
                }
    }

    [Fact]
    public void Aspect_ratio_is_not_kept()
    {
        // A 2-px-high, 8-px-wide strip (rows 3..4) warped to 4x4: every warped row samples within rows 3..4.
        var (image, _) = Image();
        using var _i = image;
        using var box = torch.tensor(new float[] { 0, 3, 7, 4 }, 1, 4);
        using var index = torch.zeros([1]);
        using var crop = Warping.Warp(image, box, index, 4, 0);
        var got = crop.contiguous().data<float>().ToArray();
        // Row r samples y = 2.5 + (r + 0.5) * 0.5 = 2.75, 3.25, 3.75, 4.25 (clamped bilinear: 30, 32.5, 37.5, 42.5 at x offset 0).
        var expectedY = new[] { 2.75, 3.25, 3.75, 4.25 };
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 4; j++)
                Assert.Equal(10 * expectedY[r] + (2 * j + 0.5), got[r * 4 + j], 3);
    }
}
