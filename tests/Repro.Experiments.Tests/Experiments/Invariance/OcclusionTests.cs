using Repro.Experiments.Experiments;
using Repro.Experiments.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Tests.Experiments.Invariance;

public sealed class OcclusionTests
{
    [Theory]
    [InlineData(28, 8, 2, 11)]
    [InlineData(28, 8, 4, 6)]
    [InlineData(8, 2, 2, 4)]
    [InlineData(7, 2, 2, 3)]
    [InlineData(5, 5, 1, 1)]
    public void Square_positions_stay_inside_the_image(int extent, int size, int stride, int expected) =>
        Assert.Equal(expected, Occlusion.Positions(extent, size, stride));

    [Fact]
    public void Object_box_spans_the_non_background_pixels()
    {
        // 5 rows x 6 columns, background 0; object pixels at (1, 2) and (3, 4), one faint pixel below threshold.
        var image = new float[5 * 6];
        image[1 * 6 + 2] = 0.9f;
        image[3 * 6 + 4] = 0.4f;
        image[4 * 6 + 0] = 0.01f;
        var box = Occlusion.ObjectBox(image, 1, 5, 6, background: 0, threshold: 0.05);
        Assert.Equal(new PixelBox(1, 2, 4, 5), box);
        Assert.Null(Occlusion.ObjectBox(new float[4], 1, 2, 2, 0, 0.05));
    }

    [Fact]
    public void Squares_are_placed_on_object_background_or_edge()
    {
        var box = new PixelBox(2, 2, 6, 6);
        Assert.Equal(OcclusionPlacement.Object, Occlusion.Place(box, new PixelBox(2, 2, 4, 4)));
        Assert.Equal(OcclusionPlacement.Object, Occlusion.Place(box, new PixelBox(4, 4, 6, 6)));
        Assert.Equal(OcclusionPlacement.Edge, Occlusion.Place(box, new PixelBox(1, 2, 3, 4)));
        // Touching the box edge from outside is not an overlap: rows 0..1 end where the box begins.
        Assert.Equal(OcclusionPlacement.Background, Occlusion.Place(box, new PixelBox(0, 0, 2, 2)));
        Assert.Equal(OcclusionPlacement.Background, Occlusion.Place(box, new PixelBox(6, 0, 8, 8)));
    }

    [Fact]
    public void Drops_average_over_object_and_background_squares_separately()
    {
        // 3x3 positions of a 2-px square with stride 2 on a 6x6 image; object box is the centre 2x2 block.
        var map = new OcclusionMap
        {
            Size = 2,
            Stride = 2,
            UnoccludedProbability = 0.9,
            TrueClassProbability = new double[,] { { 0.9, 0.8, 0.9 }, { 0.7, 0.1, 0.9 }, { 0.9, 0.9, 0.6 } },
            MostProbableClass = new int[3, 3],
        };
        var (objectDrop, objectCount, backgroundDrop, backgroundCount) = Occlusion.Drops(map, new PixelBox(2, 2, 4, 4));
        Assert.Equal(1, objectCount);
        Assert.Equal(0.8, objectDrop, 12);
        // The other eight squares miss the box; drops 0, 0.1, 0, 0.2, 0, 0, 0, 0.3 -> 0.6 / 8.
        Assert.Equal(8, backgroundCount);
        Assert.Equal(0.075, backgroundDrop, 12);
    }

    [Fact]
    public void Occluded_batch_greys_exactly_one_square_per_position()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.ones([1, 4, 4]);
        var batch = Occlusion.OccludedBatch(image, size: 2, stride: 2, grey: 0.5);
        Assert.Equal([4L, 1, 4, 4], batch.shape);
        var values = batch.data<float>().ToArray();
        // Position 1 is row 0, column 1: pixels (0..1, 2..3).
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                Assert.Equal(y < 2 && x >= 2 ? 0.5f : 1f, values[16 + y * 4 + x]);
    }

    [Fact]
    public void A_model_that_looks_only_at_the_top_left_quadrant_has_a_map_that_lights_up_only_there()
    {
        using var scope = torch.NewDisposeScope();
        const int n = 8;
        // One linear layer by hand: class 0 scores the sum of the top-left 4x4 quadrant, class 1 scores a constant.
        var weight = new float[2 * n * n];
        for (int y = 0; y < n / 2; y++)
            for (int x = 0; x < n / 2; x++)
                weight[y * n + x] = 0.25f;
        var w = torch.tensor(weight, 2, n * n);
        var bias = torch.tensor(new float[] { 0f, 2f });
        OcclusionProbe probe = images =>
        {
            var logits = F.linear(images.flatten(1), w, bias);
            return (logits, logits.select(1, 0));
        };
        var image = torch.ones([1, n, n]);
        var map = Occlusion.Map(probe, image, trueClass: 0, size: 2, stride: 2, grey: 0);

        Assert.Equal(4, map.Rows);
        Assert.Equal(4, map.Cols);
        // Unoccluded: logits (4, 2) -> P(class 0) = 1 / (1 + e^-2).
        double unoccluded = 1 / (1 + Math.Exp(-2));
        Assert.Equal(unoccluded, map.UnoccludedProbability, 5);
        // A 2x2 square of zeros inside the quadrant removes 4 * 0.25 = 1 from the class-0 score: logits (3, 2).
        double inside = 1 / (1 + Math.Exp(-1));
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
            {
                bool inQuadrant = r < 2 && c < 2;
                Assert.Equal(inQuadrant ? inside : unoccluded, map.TrueClassProbability[r, c], 5);
                Assert.Equal(0, map.MostProbableClass[r, c]);
                Assert.Equal(inQuadrant ? 3.0 : 4.0, map.Feature![r, c], 5);
            }
        var box = new PixelBox(0, 0, 4, 4);
        var (objectDrop, _, backgroundDrop, _) = Occlusion.Drops(map, box);
        Assert.Equal(unoccluded - inside, objectDrop, 5);
        Assert.Equal(0, backgroundDrop, 5);
    }

    [Fact]
    public void Drop_ratio_floors_the_background_drop()
    {
        Assert.Equal(4.0, InvarianceExperiment.DropRatio(0.4, 0.1), 12);
        Assert.Equal(20.0, InvarianceExperiment.DropRatio(0.2, -0.05), 12);
    }
}
