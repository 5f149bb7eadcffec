using Xunit;
using Ops = Repro.Torch.torchvision.ops;

namespace Repro.Torch.Tests;

public class VisionTests
{
    /// <summary>RoI max pooling as documented: scale, round half away from zero (C's round, as Caffe and
    /// torchvision), clip to the map, then floor/ceil bins, each taking its maximum.</summary>
    static double[] RoiPoolLoop(double[] x, int c, int h, int w, double[] rois, int oh, int ow, double scale)
    {
        var k = rois.Length / 5;
        var y = new double[k * c * oh * ow];
        for (var r = 0; r < k; r++)
        {
            var b = (int)rois[5 * r];
            int Round(double v) => (int)Math.Round(v * scale, MidpointRounding.AwayFromZero);
            var x1 = Math.Clamp(Round(rois[5 * r + 1]), 0, w - 1);
            var y1 = Math.Clamp(Round(rois[5 * r + 2]), 0, h - 1);
            var x2 = Math.Clamp(Round(rois[5 * r + 3]), x1, w - 1);
            var y2 = Math.Clamp(Round(rois[5 * r + 4]), y1, h - 1);
            int rh = y2 - y1 + 1, rw = x2 - x1 + 1;
            for (var ch = 0; ch < c; ch++)
            for (var i = 0; i < oh; i++)
            for (var j = 0; j < ow; j++)
            {
                var (ys, ye) = Reference.AdaptiveBin(i, rh, oh);
                var (xs, xe) = Reference.AdaptiveBin(j, rw, ow);
                var best = double.NegativeInfinity;
                for (var yy = y1 + ys; yy < y1 + ye; yy++)
                for (var xx = x1 + xs; xx < x1 + xe; xx++)
                    best = Math.Max(best, x[((b * c + ch) * h + yy) * w + xx]);
                y[((r * c + ch) * oh + i) * ow + j] = best;
            }
        }
        return y;
    }

    /// <summary>RoI align as documented: each bin averages sr x sr bilinear samples at regular points,
    /// the RoI at least one cell wide, coordinates clamped to the map.</summary>
    static double[] RoiAlignLoop(double[] x, int c, int h, int w, double[] rois, int oh, int ow, double scale, int sr)
    {
        var k = rois.Length / 5;
        var y = new double[k * c * oh * ow];
        for (var r = 0; r < k; r++)
        {
            var b = (int)rois[5 * r];
            double x1 = rois[5 * r + 1] * scale, y1 = rois[5 * r + 2] * scale;
            double rw = Math.Max(rois[5 * r + 3] * scale - x1, 1), rh = Math.Max(rois[5 * r + 4] * scale - y1, 1);
            double bw = rw / ow, bh = rh / oh;
            for (var ch = 0; ch < c; ch++)
            {
                var plane = x.Skip((b * c + ch) * h * w).Take(h * w).ToArray();
                for (var i = 0; i < oh; i++)
                for (var j = 0; j < ow; j++)
                {
                    double sum = 0;
                    for (var si = 0; si < sr; si++)
                    for (var sj = 0; sj < sr; sj++)
                        sum += Reference.BilinearBorder(plane, h, w, x1 + j * bw + (sj + 0.5) * bw / sr, y1 + i * bh + (si + 0.5) * bh / sr);
                    y[((r * c + ch) * oh + i) * ow + j] = sum / (sr * sr);
                }
            }
        }
        return y;
    }

    [Fact]
    public void RoiPoolByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(16, ScalarType.Float32).view(1, 1, 4, 4);
        var rois = torch.tensor(new float[] { 0, 0, 0, 3, 3, 0, 2, 1, 3, 2 }, 2, 5);
        var y = Ops.roi_pool(x, rois, 2, 2, 1.0);
        Expect.Shape([2, 1, 2, 2], y);
        // Whole map: the max of each quadrant. Columns 2..3, rows 1..2: one column per bin.
        Assert.Equal(new float[] { 5, 7, 13, 15, 6, 7, 10, 11 }, y.ToArray<float>());
        // spatial_scale 0.5: image box (0,0)-(5,5) covers cells round(2.5) = 3, i.e. the whole map.
        var half = Ops.roi_pool(x, torch.tensor(new float[] { 0, 0, 0, 5, 5 }, 1, 5), 2, 2, 0.5);
        Assert.Equal(new float[] { 5, 7, 13, 15 }, half.ToArray<float>());
    }

    [Fact]
    public void RoiPoolMatchesDirectLoop()
    {
        using var scope = torch.NewDisposeScope();
        const int n = 2, c = 3, h = 9, w = 11;
        var values = Expect.Random(n * c * h * w, 91);
        double[] rois =
        [
            0, 0, 0, 160, 128,     // the whole image at scale 1/16
            1, 24, 40, 88, 100,    // .5 after scaling: rounding decides the cells
            1, 60, 20, 70, 28,     // smaller than the 3x3 output: bins repeat cells
            0, -30, -10, 400, 300, // beyond the map: clipped
        ];
        var y = Ops.roi_pool(torch.tensor(values, n, c, h, w), torch.tensor(rois, 4, 5), 3, 3, 1.0 / 16);
        Expect.Shape([4, c, 3, 3], y);
        Expect.Close(RoiPoolLoop(values, c, h, w, rois, 3, 3, 1.0 / 16), y, 0);
    }

    [Fact]
    public void RoiAlignByHand()
    {
        using var scope = torch.NewDisposeScope();
        // f(y, x) = x + 10 y is linear, so bilinear samples are exact and each bin gives its centre's value.
        var f = new double[36];
        for (var i = 0; i < 6; i++)
            for (var j = 0; j < 6; j++) f[i * 6 + j] = j + 10 * i;
        var y = Ops.roi_align(torch.tensor(f, 1, 1, 6, 6), torch.tensor(new double[] { 0, 0, 0, 4, 4 }, 1, 5), 2, 2, 1.0);
        Expect.Close([11, 13, 31, 33], y, 1e-6);
        var shifted = Ops.roi_align(torch.tensor(f, 1, 1, 6, 6), torch.tensor(new double[] { 0, 2, 4, 6, 8 }, 1, 5), 1, 2, 0.5, sampling_ratio: 1);
        // Scaled RoI (1,2)-(3,4): bins centred at x = 1.5, 2.5 and y = 3.
        Expect.Close([31.5, 32.5], shifted, 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RoiAlignMatchesDirectLoop(int samplingRatio)
    {
        using var scope = torch.NewDisposeScope();
        const int n = 2, c = 2, h = 7, w = 8;
        var values = Expect.Random(n * c * h * w, 92);
        double[] rois =
        [
            0, 0, 0, 7, 6,
            1, 1.3, 2.1, 5.7, 4.4,
            1, 3, 3, 3.2, 3.5,     // narrower than a cell: widened to one
            0, -2, 4, 12, 9,       // samples beyond the map are clamped to its border
        ];
        var y = Ops.roi_align(torch.tensor(values, n, c, h, w), torch.tensor(rois, 4, 5), 3, 2, 1.0, samplingRatio);
        Expect.Shape([4, c, 3, 2], y);
        // The sampling grid travels as float32, so agreement is to float precision.
        Expect.Close(RoiAlignLoop(values, c, h, w, rois, 3, 2, 1.0, samplingRatio), y, 5e-6);
    }

    [Fact]
    public void NmsByHand()
    {
        using var scope = torch.NewDisposeScope();
        var boxes = torch.tensor(new float[]
        {
            0, 0, 10, 10,
            1, 1, 11, 11,    // IoU with the first: 81 / 119 = 0.68
            20, 20, 30, 30,
            21, 20, 31, 30,  // IoU with the third: 90 / 110 = 0.82
        }, 4, 4);
        var scores = torch.tensor(new float[] { 0.9f, 0.8f, 0.7f, 0.95f });
        Assert.Equal(new long[] { 3, 0 }, Ops.nms(boxes, scores, 0.5).ToArray<long>());
        Assert.Equal(new long[] { 3, 0, 1 }, Ops.nms(boxes, scores, 0.7).ToArray<long>());
        Assert.Equal(new long[] { 3, 0, 1, 2 }, Ops.nms(boxes, scores, 0.9).ToArray<long>());

        // VOC's inclusive pixels (offset 1) make overlaps larger: (0,0)-(9,9) and (5,0)-(14,9) have
        // IoU 36/126 = 0.286 continuous but 50/150 = 0.333 inclusive.
        var voc = torch.tensor(new float[] { 0, 0, 9, 9, 5, 0, 14, 9 }, 2, 4);
        var vocScores = torch.tensor(new float[] { 0.6f, 0.5f });
        Assert.Equal(new long[] { 0, 1 }, Ops.nms(voc, vocScores, 0.3).ToArray<long>());
        Assert.Equal(new long[] { 0 }, Ops.nms(voc, vocScores, 0.3, offset: 1).ToArray<long>());
        // Boxes sharing only an edge column overlap under offset 1 (10/190) and not under offset 0.
        var edge = torch.tensor(new float[] { 0, 0, 9, 9, 9, 0, 18, 9 }, 2, 4);
        Assert.Equal(new long[] { 0, 1 }, Ops.nms(edge, vocScores, 0.0).ToArray<long>());
        Assert.Equal(new long[] { 0 }, Ops.nms(edge, vocScores, 0.0, offset: 1).ToArray<long>());

        Assert.Empty(Ops.nms(torch.zeros([0, 4]), torch.zeros([0]), 0.5).ToArray<long>());
        var e = Assert.Throws<TorchException>(() => Ops.nms(boxes, torch.zeros([3]), 0.5));
        Assert.Contains("scores must be [N]", e.Message);
    }

    [Fact]
    public void BoxIouByHand()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new double[] { 0, 0, 10, 10, 0, 0, 9, 9, 100, 100, 110, 110 }, 3, 4);
        var b = torch.tensor(new double[] { 5, 5, 15, 15, 5, 0, 14, 9 }, 2, 4);
        var continuous = Ops.box_iou(a, b);
        Expect.Shape([3, 2], continuous);
        Expect.Close([25.0 / 175, 45.0 / 136, 16.0 / 165, 36.0 / 126, 0, 0], continuous, 1e-12);
        var inclusive = Ops.box_iou(a, b, offset: 1);
        Expect.Close([36.0 / 206, 60.0 / 161, 25.0 / 196, 50.0 / 150, 0, 0], inclusive, 1e-12);
        // A box with itself: 1 under either convention.
        Expect.Close([1], Ops.box_iou(a.narrow(0, 1, 1), a.narrow(0, 1, 1), 1), 1e-12);
    }
}

public class SelectiveSearchDeterminismTests
{
    [Fact]
    public void Selective_search_gives_the_same_boxes_for_the_same_image_however_often_it_runs()
    {
        var random = new Random(5);
        var pixels = new byte[3 * 64 * 64];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
                for (int c = 0; c < 3; c++)
                    pixels[(c * 64 + y) * 64 + x] = (byte)((x / 16 + y / 16 + c) % 3 * 80 + random.Next(30));
        using var image = torch.tensor(pixels, 3, 64, 64);
        using var first = torchvision.io.selective_search(image);
        for (int i = 0; i < 3; i++)
        {
            using var again = torchvision.io.selective_search(image);
            Assert.Equal(first.ToArray<float>(), again.ToArray<float>());
        }
    }

    [Fact]
    public void Smaller_segment_regions_seed_more_proposals_on_a_small_image()
    {
        // 16 tiles of 16x16 px with noise: regions of >= 100 px can hold each tile at most once, regions of >= 10 px
        // split them, so the grouping starts from more regions and ends with more distinct boxes.
        var random = new Random(7);
        var pixels = new byte[3 * 64 * 64];
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
                for (int c = 0; c < 3; c++)
                    pixels[(c * 64 + y) * 64 + x] = (byte)((x / 16 * 3 + y / 16 + c) % 4 * 60 + random.Next(60));
        using var image = torch.tensor(pixels, 3, 64, 64);
        using var coarse = torchvision.io.selective_search(image, 2000, 20, 20, 0.8, 100);
        using var fine = torchvision.io.selective_search(image, 2000, 20, 20, 0.8, 10);
        Assert.True(fine.size(0) > coarse.size(0) * 3 / 2, $"{fine.size(0)} boxes with 10 px seeds, {coarse.size(0)} with 100 px");
        // 100 px is OpenCV's own fast mode: the default.
        using var byDefault = torchvision.io.selective_search(image, 2000, 20, 20, 0.8);
        Assert.Equal(coarse.ToArray<float>(), byDefault.ToArray<float>());
        // Every box lies inside the image, corners inclusive.
        var b = fine.ToArray<float>();
        for (int i = 0; i < b.Length; i += 4)
            Assert.True(b[i] >= 0 && b[i + 1] >= 0 && b[i + 2] <= 63 && b[i + 3] <= 63 && b[i] <= b[i + 2] && b[i + 1] <= b[i + 3]);
    }
}
