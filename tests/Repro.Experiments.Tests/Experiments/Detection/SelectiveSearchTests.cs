using System.Runtime.InteropServices;
using OpenCvSharp;
using Repro.Experiments.Detection;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed partial class SelectiveSearchTests
{
    const int H = 72, W = 96;

    /// <summary>An RGB uint8 [3, H, W] image: a noisy background with filled rectangles (x, y, width, height, colour).</summary>
    static Tensor Picture(int seed, int noise, params (int x, int y, int w, int h, byte r, byte g, byte b)[] rects)
    {
        var random = new Random(seed);
        var v = new byte[3 * H * W];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                byte[] rgb = { 110, 120, 130 };
                foreach (var q in rects)
                    if (x >= q.x && x < q.x + q.w && y >= q.y && y < q.y + q.h) rgb = new[] { q.r, q.g, q.b };
                for (int c = 0; c < 3; c++)
                    v[(c * H + y) * W + x] = (byte)Math.Clamp(rgb[c] + (noise == 0 ? 0 : random.Next(-noise, noise + 1)), 0, 255);
            }
        return torch.tensor(v, new long[] { 3, H, W });
    }

    /// <summary>Six small coloured rectangles (36-48 px each, under OpenCV's 100 px minimum region) on a noisy background.</summary>
    static Tensor SmallRectangles(int seed = 3) => Picture(seed, 12,
        (6, 6, 6, 6, 220, 30, 30), (30, 8, 8, 6, 30, 200, 40), (60, 10, 6, 7, 40, 50, 220),
        (10, 40, 7, 6, 230, 220, 30), (44, 50, 6, 8, 200, 40, 200), (76, 44, 8, 6, 20, 200, 210));

    /// <summary>Twelve coloured rectangles of 120-400 px in a 4 x 3 grid on a noisy background: many regions to group.</summary>
    static Tensor Mosaic(int seed = 5)
    {
        var rects = new List<(int, int, int, int, byte, byte, byte)>();
        var random = new Random(seed);
        for (int row = 0; row < 3; row++)
            for (int col = 0; col < 4; col++)
                rects.Add((col * 24 + 2 + random.Next(3), row * 24 + 2 + random.Next(3), 12 + random.Next(9), 10 + random.Next(9),
                    (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        return Picture(seed, 12, rects.ToArray());
    }

    static float[] Values(Tensor boxes)
    {
        Assert.Equal(ScalarType.Float32, boxes.dtype);
        Assert.Equal(2, boxes.dim());
        Assert.Equal(4, boxes.size(1));
        return boxes.data<float>().ToArray();
    }

    [LibraryImport("libc.so.6", EntryPoint = "rand")]
    private static partial int CRand();

    [Fact]
    public void Boxes_lie_inside_the_image_in_inclusive_pixels()
    {
        using var image = Mosaic();
        using var boxes = SelectiveSearch.Boxes(image);
        var b = Values(boxes);
        Assert.True(boxes.size(0) > 10, $"{boxes.size(0)} boxes");
        for (int i = 0; i < b.Length; i += 4)
        {
            Assert.True(b[i] >= 0 && b[i + 1] >= 0 && b[i] <= b[i + 2] && b[i + 1] <= b[i + 3], $"box {i / 4}: {b[i]} {b[i + 1]} {b[i + 2]} {b[i + 3]}");
            Assert.True(b[i + 2] <= W - 1 && b[i + 3] <= H - 1, $"box {i / 4} leaves the image: {b[i + 2]} {b[i + 3]}");
            Assert.Equal(Math.Floor(b[i]), b[i]);
        }
        // The last merge spans every pixel: in inclusive corners that box is exactly (0, 0, W - 1, H - 1).
        bool whole = false;
        for (int i = 0; i < b.Length; i += 4) whole |= b[i] == 0 && b[i + 1] == 0 && b[i + 2] == W - 1 && b[i + 3] == H - 1;
        Assert.True(whole, "no box covers the whole image as (0, 0, W-1, H-1)");
    }

    [Fact]
    public void At_most_max_boxes_come_back_and_they_are_the_best_first_of_the_full_list()
    {
        using var image = Mosaic();
        using var all = SelectiveSearch.Boxes(image);
        using var five = SelectiveSearch.Boxes(image, maxBoxes: 5);
        using var none = SelectiveSearch.Boxes(image, maxBoxes: 0);
        Assert.Equal(5, five.size(0));
        Assert.Equal(0, none.size(0));
        Assert.Equal(Values(all).Take(20), Values(five));
    }

    [Fact]
    public void The_same_image_gives_the_same_boxes_however_often_and_whatever_ran_before()
    {
        using var a = Mosaic(5);
        using var other = Mosaic(6);
        using var first = SelectiveSearch.Boxes(a);
        var expected = Values(first);
        Assert.True(first.size(0) > 10, $"{first.size(0)} boxes");
        for (int i = 0; i < 2; i++)
        {
            using var again = SelectiveSearch.Boxes(a);
            Assert.Equal(expected, Values(again));
        }
        // Another image searched in between, and both random generators disturbed: still the same boxes.
        using (var between = SelectiveSearch.Boxes(other, 2000, 50, 50, 0.5, 20)) Assert.NotEqual(expected, Values(between));
        for (int i = 0; i < 17; i++) CRand();
        Cv2.SetTheRNG(12345);
        using var after = SelectiveSearch.Boxes(a);
        Assert.Equal(expected, Values(after));
    }

    [Fact]
    public void A_smaller_segment_minimum_changes_the_proposals_and_100_is_the_default()
    {
        using var image = SmallRectangles();
        using var coarse = SelectiveSearch.Boxes(image, 2000, 150, 150, 0.8, 100);
        using var fine = SelectiveSearch.Boxes(image, 2000, 150, 150, 0.8, 10);
        using var byDefault = SelectiveSearch.Boxes(image, 2000, 150, 150, 0.8);
        Assert.Equal(Values(coarse), Values(byDefault));
        Assert.NotEqual(Values(coarse), Values(fine));
        // Regions of >= 100 px cannot hold a 36-48 px rectangle alone; regions of >= 10 px can: more initial regions.
        Assert.True(fine.size(0) > coarse.size(0), $"{fine.size(0)} boxes with 10 px regions, {coarse.size(0)} with 100 px");
    }

    [Fact]
    public void A_large_uniform_rectangle_on_a_plain_background_is_proposed()
    {
        // Rectangle x 30..79, y 16..55 (inclusive) in red on a plain grey background.
        using var image = Picture(1, 0, (30, 16, 50, 40, 200, 40, 40));
        using var boxes = SelectiveSearch.Boxes(image);
        var b = Values(boxes);
        double best = 0;
        for (int i = 0; i < b.Length; i += 4) best = Math.Max(best, InclusiveIou(b.AsSpan(i, 4), [30, 16, 79, 55]));
        Assert.True(best > 0.9, $"best IoU {best:F3} over {b.Length / 4} boxes");
    }

    [Fact]
    public void A_search_leaves_no_tensor_alive_but_the_boxes()
    {
        using var image = Mosaic();
        var stats = DisposeScopeManager.Statistics;
        long live = stats.ThreadTotalLiveCount;
        SelectiveSearch.Boxes(image, 2000, 150, 150, 0.8, 30).Dispose();
        Assert.Equal(live, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void Inputs_other_than_uint8_3_by_h_by_w_are_rejected()
    {
        using var grey = torch.zeros(new long[] { 1, 8, 8 }, ScalarType.Byte);
        using var floats = torch.zeros(new long[] { 3, 8, 8 });
        Assert.Throws<ArgumentException>(() => SelectiveSearch.Boxes(grey));
        Assert.Throws<ArgumentException>(() => SelectiveSearch.Boxes(floats));
    }

    static double InclusiveIou(ReadOnlySpan<float> a, float[] b)
    {
        double iw = Math.Min(a[2], b[2]) - Math.Max(a[0], b[0]) + 1, ih = Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]) + 1;
        if (iw <= 0 || ih <= 0) return 0;
        double area(ReadOnlySpan<float> q) => (q[2] - q[0] + 1) * (q[3] - q[1] + 1);
        return iw * ih / (area(a) + area(b) - iw * ih);
    }
}
