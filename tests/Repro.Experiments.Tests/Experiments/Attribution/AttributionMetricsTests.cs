using Repro.Experiments.Metrics;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Attribution;

public sealed class PointingGameTests
{
    [Fact]
    public void The_first_largest_value_is_the_maps_point()
    {
        var map = new float[3 * 4];
        map[1 * 4 + 3] = 5;
        map[2 * 4 + 0] = 5;   // equal, later: not chosen
        Assert.Equal((1, 3), PointingGame.Maximum(map, 3, 4));
        Assert.Equal((32, 32), PointingGame.Centre(64, 64));
    }

    [Theory]
    [InlineData(12, 15, 0.0)]   // inside
    [InlineData(9, 15, 1.0)]    // one row above the top row (10)
    [InlineData(12, 22, 3.0)]   // three columns right of the last column (19)
    [InlineData(5, 23, 6.4031)] // five rows above, four columns right: sqrt(25 + 16)
    public void Distance_to_the_box_is_euclidean_to_its_nearest_pixel(int row, int col, double expected) =>
        Assert.Equal(expected, PointingGame.Distance(new PixelBox(10, 10, 20, 20), row, col), 4);

    [Fact]
    public void Accuracy_counts_points_within_the_tolerance_of_their_box()
    {
        var box = new PixelBox(10, 10, 20, 20);
        var boxes = new[] { box, box, box, box };
        // Inside, 2 px left, 3 px below, and (5, 23) at 6.4 px.
        var points = new[] { (15, 15), (15, 8), (22, 12), (5, 23) };
        Assert.Equal(0.25, PointingGame.Accuracy(points, boxes, 0));
        Assert.Equal(0.50, PointingGame.Accuracy(points, boxes, 2));
        Assert.Equal(0.75, PointingGame.Accuracy(points, boxes, 3));
        Assert.Equal(1.00, PointingGame.Accuracy(points, boxes, 6.5));
    }

    [Fact]
    public void A_map_peaking_on_the_object_hits_and_the_centre_misses_an_object_in_the_corner()
    {
        const int size = 32;
        var box = new PixelBox(2, 2, 8, 8);
        var map = new float[size * size];
        for (int y = box.Top; y < box.Bottom; y++)
            for (int x = box.Left; x < box.Right; x++)
                map[y * size + x] = 1 + y + x;   // peaks at (7, 7), inside
        Assert.Equal(1.0, PointingGame.Accuracy([PointingGame.Maximum(map, size, size)], [box], 0));
        Assert.Equal(0.0, PointingGame.Accuracy([PointingGame.Centre(size, size)], [box], 2));
    }
}

public sealed class DeletionCurveTests
{
    [Fact]
    public void Fractions_run_from_nothing_to_everything_in_equal_steps() =>
        Assert.Equal(new[] { 0, 0.25, 0.5, 0.75, 1 }, DeletionCurve.Fractions(4));

    [Fact]
    public void Order_puts_the_most_salient_pixels_first_and_keeps_ties_in_index_order() =>
        Assert.Equal(new[] { 2, 0, 3, 1 }, DeletionCurve.Order([0.5f, 0.1f, 0.9f, 0.5f]));

    [Fact]
    public void Masks_remove_the_first_pixels_of_the_order()
    {
        var masks = DeletionCurve.Masks([2, 0, 3, 1], DeletionCurve.Fractions(2));
        Assert.Equal(new float[] { 0, 0, 0, 0, /* half */ 1, 0, 1, 0, /* all */ 1, 1, 1, 1 }, masks);
    }

    [Fact]
    public void Area_is_the_trapezoid_rule()
    {
        Assert.Equal(0.5, DeletionCurve.Area([0, 0.5, 1], [1, 0.5, 0]), 12);
        Assert.Equal(0.25, DeletionCurve.Area([0, 0.5, 1], [1, 0, 0]), 12);
        Assert.Equal(1.0, DeletionCurve.Area([0, 1], [1, 1]), 12);
    }

    /// <summary>
    /// A synthetic "model" whose P(true class) is the share of the object's 4 pixels still present, on 16 pixels:
    /// a map that ranks the object first removes it within the first quarter; a map that ranks it last keeps it to the end.
    /// </summary>
    [Fact]
    public void A_map_that_finds_the_object_deletes_it_first_and_has_the_smallest_area()
    {
        var objectPixels = new HashSet<int> { 5, 6, 9, 10 };
        double Probe(float[] mask) => objectPixels.Count(p => mask[p] == 0) / 4.0;
        double AreaOf(float[] map)
        {
            var fractions = DeletionCurve.Fractions(16);
            var masks = DeletionCurve.Masks(DeletionCurve.Order(map), fractions);
            var p = Enumerable.Range(0, fractions.Length).Select(s => Probe(masks.AsSpan(s * 16, 16).ToArray())).ToArray();
            return DeletionCurve.Area(fractions, p);
        }
        var good = Enumerable.Range(0, 16).Select(i => objectPixels.Contains(i) ? 1f : 0f).ToArray();
        var bad = good.Select(v => 1 - v).ToArray();
        // Good: P = 1, .75, .5, .25, 0, then 0 over steps of 1/16: area (1/16)(.875 + .625 + .375 + .125) = 0.125.
        Assert.Equal(0.125, AreaOf(good), 12);
        // Bad: the object goes in the last four steps: area 12/16 + 0.125 = 0.875.
        Assert.Equal(0.875, AreaOf(bad), 12);
    }
}

public sealed class AttributionMapsTests
{
    [Fact]
    public void Occlusion_map_at_pixel_resolution_averages_the_drops_of_the_squares_over_each_pixel()
    {
        // 4x4 image, 2x2 squares at stride 2: four squares, each pixel under exactly one.
        var map = new OcclusionMap
        {
            Size = 2, Stride = 2, UnoccludedProbability = 0.9,
            TrueClassProbability = new double[,] { { 0.9, 0.5 }, { 0.1, 0.8 } }, MostProbableClass = new int[2, 2],
        };
        var pixels = AttributionMaps.FromOcclusion(map, 4, 4);
        Assert.Equal(0f, pixels[0], 6);
        Assert.Equal(0.4f, pixels[0 * 4 + 3], 6);
        Assert.Equal(0.8f, pixels[3 * 4 + 0], 6);
        Assert.Equal(0.1f, pixels[2 * 4 + 2], 6);

        // Stride 1 on a 3x3 image with 2x2 squares: the centre pixel lies under all four squares.
        var overlapping = new OcclusionMap
        {
            Size = 2, Stride = 1, UnoccludedProbability = 1,
            TrueClassProbability = new double[,] { { 0.6, 0.8 }, { 1.0, 0.2 } }, MostProbableClass = new int[2, 2],
        };
        var centre = AttributionMaps.FromOcclusion(overlapping, 3, 3)[4];
        Assert.Equal((0.4f + 0.2f + 0f + 0.8f) / 4, centre, 6);
    }

    [Fact]
    public void Class_purity_is_the_share_of_the_most_common_label()
    {
        Assert.Equal(1.0, AttributionMaps.ClassPurity([3, 3, 3]));
        Assert.Equal(5.0 / 9, AttributionMaps.ClassPurity([1, 1, 1, 1, 1, 2, 2, 3, 4]), 12);
        Assert.True(double.IsNaN(AttributionMaps.ClassPurity([])));
        Assert.Equal(new[] { 2, 0, 3 }, AttributionMaps.Top([0.5f, 0.1f, 0.9f, 0.5f], 3));
    }
}
