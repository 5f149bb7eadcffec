using Repro.Experiments.Detection;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed class AnchorsTests
{
    static readonly double[] Scales = [16, 32, 64];
    static readonly double[] Ratios = [0.5, 1, 2];

    [Fact]
    public void Cell_anchors_have_the_hand_computed_corners()
    {
        var cell = Anchors.Cell([16], [0.5, 1, 2]);
        double w = 16 * Math.Sqrt(2), h = 16 / Math.Sqrt(2); // ratio 0.5: wide
        var expected = new[]
        {
            -(w - 1) / 2, -(h - 1) / 2, (w - 1) / 2, (h - 1) / 2,
            -7.5, -7.5, 7.5, 7.5,
            -(h - 1) / 2, -(w - 1) / 2, (h - 1) / 2, (w - 1) / 2,
        };
        Assert.Equal(expected, cell, new Tolerance(1e-9));
    }

    [Fact]
    public void Grid_has_nine_anchors_per_cell_centred_on_the_cells()
    {
        using var grid = Anchors.Grid(2, 3, 8, Scales, Ratios);
        Assert.Equal(new long[] { 2 * 3 * 9, 4 }, grid.shape);
        var b = grid.data<float>().ToArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int a = 0; a < 9; a++)
                {
                    int k = ((i * 3 + j) * 9 + a) * 4;
                    double cx = (b[k] + b[k + 2]) / 2, cy = (b[k + 1] + b[k + 3]) / 2;
                    Assert.Equal(j * 8 + 3.5, cx, 4);
                    Assert.Equal(i * 8 + 3.5, cy, 4);
                    double width = b[k + 2] - b[k] + 1, height = b[k + 3] - b[k + 1] + 1;
                    double scale = Scales[a / 3], ratio = Ratios[a % 3];
                    Assert.Equal(scale * scale, width * height, 2);
                    Assert.Equal(ratio, height / width, 4);
                    Assert.Equal(scale / Math.Sqrt(ratio), width, 3);
                }
    }

    [Fact]
    public void Grid_order_matches_the_rpn_output_layout()
    {
        // The last cell's last anchor: row 1, column 2, scale 64, ratio 2 -> 45.25 wide, 90.51 high, centred (19.5, 11.5).
        using var grid = Anchors.Grid(2, 3, 8, Scales, Ratios);
        var last = grid.narrow(0, 53, 1).data<float>().ToArray();
        double w = 64 / Math.Sqrt(2), h = 64 * Math.Sqrt(2);
        Assert.Equal(new[] { 19.5 - (w - 1) / 2, 11.5 - (h - 1) / 2, 19.5 + (w - 1) / 2, 11.5 + (h - 1) / 2 }, last.Select(v => (double)v), new Tolerance(1e-4));
    }

    [Fact]
    public void Anchor_labels_follow_the_rpn_rules()
    {
        // Four anchors against one ground-truth box 0..9 x 0..9.
        using var anchors = torch.tensor(new float[]
        {
            0, 0, 9, 9,      // IoU 1 -> positive
            0, 0, 9, 7,      // IoU 0.8 -> positive (>= 0.7)
            0, 0, 9, 4,      // IoU 0.5 -> ignored
            50, 50, 60, 60,  // IoU 0 -> negative
        }, 4, 4);
        using var gt = torch.tensor(new float[] { 0, 0, 9, 9 }, 1, 4);
        var (labels, best) = FasterRcnnDetector.AnchorLabels(anchors, gt, 0.7, 0.3, 256, 0.5, new Repro.Experiments.Data.SeededRandom(1));
        Assert.Equal(new[] { 1, 1, -1, 0 }, labels);
        Assert.Equal(new[] { 0, 0, 0, 0 }, best);
    }

    [Fact]
    public void A_ground_truth_box_with_no_close_anchor_still_gets_its_best_one()
    {
        using var anchors = torch.tensor(new float[] { 0, 0, 9, 9, 5, 0, 14, 9, 100, 100, 110, 110 }, 3, 4);
        using var gt = torch.tensor(new float[] { 10, 0, 19, 9 }, 1, 4); // IoU 0 with the first, 1/3 with the second
        var (labels, _) = FasterRcnnDetector.AnchorLabels(anchors, gt, 0.7, 0.3, 256, 0.5, new Repro.Experiments.Data.SeededRandom(1));
        Assert.Equal(new[] { 0, 1, 0 }, labels);
    }

    [Fact]
    public void Anchor_sampling_caps_positives_at_the_fraction_and_fills_with_negatives()
    {
        var boxes = new List<float>();
        for (int i = 0; i < 10; i++) boxes.AddRange([0, 0, 9, 9]);         // 10 positives
        for (int i = 0; i < 30; i++) boxes.AddRange([50 + i, 50, 60 + i, 60]); // 30 negatives
        using var anchors = torch.tensor(boxes.ToArray(), 40, 4);
        using var gt = torch.tensor(new float[] { 0, 0, 9, 9 }, 1, 4);
        var (labels, _) = FasterRcnnDetector.AnchorLabels(anchors, gt, 0.7, 0.3, 8, 0.5, new Repro.Experiments.Data.SeededRandom(3));
        Assert.Equal(4, labels.Count(l => l == 1));
        Assert.Equal(4, labels.Count(l => l == 0));
        Assert.All(labels.Skip(10), l => Assert.NotEqual(1, l));
    }
}
