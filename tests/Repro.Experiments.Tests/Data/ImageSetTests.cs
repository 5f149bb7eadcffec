using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class ImageSetTests
{
    private static ImageSet Three() =>
        new(new float[] { 1, 2, 3, 4, 5, 6 }, new[] { 0, 1, 2 }, new[] { "a", "b", "c" }, 1, 1, 2);

    [Fact]
    public void Subset_CopiesImagesAndLabelsInOrder()
    {
        var subset = Three().Subset(new[] { 2, 0 });
        Assert.Equal(2, subset.Count);
        Assert.Equal(new float[] { 5, 6, 1, 2 }, subset.Pixels);
        Assert.Equal(new[] { 2, 0 }, subset.Labels);
        Assert.Equal(new[] { "a", "b", "c" }, subset.ClassNames);
    }

    [Fact]
    public void CopyBatch_FillsCallerBuffers()
    {
        var pixels = new float[4];
        var labels = new int[2];
        Three().CopyBatch(new[] { 1, 1 }, pixels, labels);
        Assert.Equal(new float[] { 3, 4, 3, 4 }, pixels);
        Assert.Equal(new[] { 1, 1 }, labels);
    }

    [Fact]
    public void SelectClasses_KeepsThoseClasses_RelabelledInTheGivenOrder()
    {
        var selected = Three().SelectClasses(new[] { 2, 0 });
        Assert.Equal(new[] { "c", "a" }, selected.ClassNames);
        Assert.Equal(new float[] { 1, 2, 5, 6 }, selected.Pixels);
        Assert.Equal(new[] { 1, 0 }, selected.Labels);
    }

    [Fact]
    public void Constructor_RejectsMismatchedPixelsAndLabels()
    {
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[5], new[] { 0, 0, 0 }, new[] { "a" }, 1, 1, 2));
        Assert.Throws<ArgumentException>(() => new ImageSet(new float[2], new[] { 1 }, new[] { "a" }, 1, 1, 2));
    }

    [Fact]
    public void ConvertChannels_GreyToRgbRepeats_RgbToGreyUsesLuma()
    {
        var grey = new ImageSet(new float[] { 0.5f, 1 }, new[] { 0 }, new[] { "a" }, 1, 1, 2);
        Assert.Equal(new float[] { 0.5f, 1, 0.5f, 1, 0.5f, 1 }, grey.ConvertChannels(3).Pixels);
        var rgb = new ImageSet(new float[] { 1, 0, 0, 1, 0, 0 }, new[] { 0 }, new[] { "a" }, 3, 1, 2);
        var converted = rgb.ConvertChannels(1).Pixels;
        Assert.Equal(0.299f, converted[0], 6);
        Assert.Equal(0.587f, converted[1], 6);
    }

    [Fact]
    public void Resize_Enlarging_IsBilinearWithHalfPixelCentres()
    {
        var set = new ImageSet(new float[] { 0, 4 }, new[] { 0 }, new[] { "a" }, 1, 1, 2);
        var resized = set.Resize(1, 4);
        Assert.Equal(new float[] { 0, 1, 3, 4 }, resized.Pixels);
    }

    [Fact]
    public void Resize_Shrinking_AveragesTheCoveredArea()
    {
        // 4x4 -> 2x2: each output is the mean of a 2x2 block; 3 -> 2 covers 1.5 pixels per output
        var set = new ImageSet(Enumerable.Range(0, 16).Select(i => (float)i).ToArray(), new[] { 0 }, new[] { "a" }, 1, 4, 4);
        Assert.Equal(new float[] { 2.5f, 4.5f, 10.5f, 12.5f }, set.Resize(2, 2).Pixels);
        var row = new ImageSet(new float[] { 0, 3, 6 }, new[] { 0 }, new[] { "a" }, 1, 1, 3);
        var shrunk = row.Resize(1, 2).Pixels;
        Assert.Equal((0 + 0.5f * 3) / 1.5f, shrunk[0], 5);
        Assert.Equal((0.5f * 3 + 6) / 1.5f, shrunk[1], 5);
    }

    [Fact]
    public void Concat_puts_the_second_set_after_the_first_and_rejects_other_shapes_or_classes()
    {
        var a = new ImageSet(new float[] { 1, 2, 3, 4 }, new[] { 0, 1 }, new[] { "x", "y" }, 1, 1, 2);
        var b = new ImageSet(new float[] { 5, 6 }, new[] { 1 }, new[] { "x", "y" }, 1, 1, 2);
        var joined = a.Concat(b);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, joined.Pixels);
        Assert.Equal(new[] { 0, 1, 1 }, joined.Labels);
        Assert.Throws<ArgumentException>(() => a.Concat(new ImageSet(new float[2], new[] { 0 }, new[] { "x", "y" }, 1, 2, 1)));
        Assert.Throws<ArgumentException>(() => a.Concat(new ImageSet(new float[2], new[] { 0 }, new[] { "x", "z" }, 1, 1, 2)));
    }
}
