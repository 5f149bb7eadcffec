using Repro.Experiments.Metrics;
using Repro.Experiments.Models;
using Repro.Experiments.Training;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Tests.Experiments.Invariance;

public sealed class ImageTransforms2dTests
{
    const int H = 6, W = 5;

    /// <summary>A [1,1,H,W] image whose pixel (y, x) is 1 + y * 10 + x, so every pixel is distinct and known.</summary>
    static float[] Pixels(int h = H, int w = W) =>
        Enumerable.Range(0, h * w).Select(i => 1f + (i / w) * 10 + i % w).ToArray();

    static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"pixel {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [InlineData(InvarianceTransform.Translation)]
    [InlineData(InvarianceTransform.Scale)]
    [InlineData(InvarianceTransform.Rotation)]
    public void Identity_amount_leaves_the_image_unchanged(InvarianceTransform transform)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = Pixels();
        var image = torch.tensor(pixels, 1, 1, H, W);
        var warped = ImageTransforms2d.Apply(image, transform, [ImageTransforms2d.Identity(transform)], background: 0.3);
        AssertClose(pixels, warped.data<float>().ToArray());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(5)]
    public void Whole_pixel_translation_is_a_shifted_copy_filled_with_background(int dy)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = Pixels();
        const float background = 0.25f;
        // Content moves down by dy: output row y shows input row y - dy, background where that is off the image.
        var expected = new float[H * W];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                expected[y * W + x] = y - dy is >= 0 and < H ? pixels[(y - dy) * W + x] : background;
        var warped = ImageTransforms2d.Apply(torch.tensor(pixels, 1, 1, H, W), InvarianceTransform.Translation, [dy], background);
        AssertClose(expected, warped.data<float>().ToArray());
    }

    [Fact]
    public void Rotation_by_90_degrees_turns_a_square_image_clockwise()
    {
        using var scope = torch.NewDisposeScope();
        const int n = 4;
        var pixels = Pixels(n, n);
        // Clockwise on screen: the top row becomes the right column, so out[i, j] = in[n - 1 - j, i].
        var expected = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                expected[i * n + j] = pixels[(n - 1 - j) * n + i];
        var warped = ImageTransforms2d.Apply(torch.tensor(pixels, 1, 1, n, n), InvarianceTransform.Rotation, [90], 0);
        AssertClose(expected, warped.data<float>().ToArray());
    }

    [Fact]
    public void Scaling_by_two_samples_the_centre_halfway_between_pixels()
    {
        using var scope = torch.NewDisposeScope();
        // 1 x 4 row along x only matters; use a 4x4 image constant in y. Centre is at x = 1.5; output pixel 0
        // (offset -1.5) shows input offset -0.75, i.e. x = 0.75: 0.25 * in[0] + 0.75 * in[1].
        float[] row = [0f, 4f, 8f, 12f];
        var pixels = Enumerable.Range(0, 16).Select(i => row[i % 4]).ToArray();
        var warped = ImageTransforms2d.Apply(torch.tensor(pixels, 1, 1, 4, 4), InvarianceTransform.Scale, [2], 0).data<float>().ToArray();
        AssertClose([3f, 5f, 7f, 9f], warped.Take(4).ToArray());
    }

    [Fact]
    public void Theta_of_a_translation_is_in_normalised_coordinates()
    {
        // Moving down by 3 px on a 6-row image: input y = output y - 3 px = -1 in normalised units (2 * 3 / 6).
        Assert.Equal([1, 0, 0, 0, 1, -1.0], ImageTransforms2d.VerticalTranslation(3, 6, 10));
    }

    [Fact]
    public void Identity_transform_gives_feature_distance_zero_and_unchanged_probabilities()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        using var model = new ZfNet(new ZfNetOptions { ConvChannels = [4, 4, 4, 4, 4], HiddenUnits = [8, 8] }, 1, 28, 10);
        model.eval();
        using var _ = torch.no_grad();
        var images = torch.rand([3, 1, 28, 28]);
        var original = model.Activations(images, 8);
        foreach (var transform in new[] { InvarianceTransform.Translation, InvarianceTransform.Scale, InvarianceTransform.Rotation })
        {
            var moved = model.Activations(ImageTransforms2d.ApplyAll(images, transform, ImageTransforms2d.Identity(transform), 0), 8);
            foreach (var layer in new[] { 1, 7 })
            {
                var distances = FeatureDistance.RowDistances(original[layer].flatten(1).data<float>().ToArray(), moved[layer].flatten(1).data<float>().ToArray(), (int)original[layer].flatten(1).size(1));
                Assert.All(distances, d => Assert.True(d < 1e-4, $"{transform} layer {layer}: distance {d}"));
            }
            AssertClose(F.softmax(original[8], 1).data<float>().ToArray(), F.softmax(moved[8], 1).data<float>().ToArray(), 1e-6);
        }
        // A real shift does move layer-1 features, so the zero above is not a property of the features alone.
        var shifted = model.Activations(ImageTransforms2d.ApplyAll(images, InvarianceTransform.Translation, 3, 0), 1);
        var d1 = FeatureDistance.RowDistances(original[1].flatten(1).data<float>().ToArray(), shifted[1].flatten(1).data<float>().ToArray(), (int)original[1].flatten(1).size(1));
        Assert.All(d1, d => Assert.True(d > 1e-3));
    }
}
