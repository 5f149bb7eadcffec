using Repro.Experiments.Models;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Tests.Experiments.LayerAblation;

public sealed class LayerFeaturesTests
{
    static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    // Batches of 2 and of 5 may sum in a different order inside the BLAS: equal up to float rounding.
    static void Close(float expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * (1 + Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void Tapped_features_equal_a_manual_forward_through_the_blocks_then_pooling()
    {
        torch.manual_seed(11);
        using var scope = torch.NewDisposeScope();
        using var model = new ZfNet(new ZfNetOptions(), 1, 28, 10);
        var images = torch.rand([5, 1, 28, 28]);
        var tapped = LayerFeatures.Extract(model, images, [0, 1, 2, 3, 4, 5, 6, 7], poolSize: 3, pool: LayerFeatures.MaxPool, batchSize: 2);

        // Shapes: pixels unpooled (784); 32x14x14, 64x7x7, 96x7x7, 96x7x7 max-pooled to 3x3; layer 5 is already 3x3.
        long[] dims = [784, 32 * 9, 64 * 9, 96 * 9, 96 * 9, 64 * 9, 256, 256];
        for (var layer = 0; layer <= 7; layer++)
            Assert.Equal(new long[] { 5, dims[layer] }, tapped[layer].shape);

        model.eval();
        using (torch.no_grad())
        {
            Assert.Equal(Values(images.flatten(1)), Values(tapped[0]));
            var x = images;
            for (var layer = 1; layer <= 7; layer++)
            {
                x = model.Block(layer).forward(x);
                var expected = layer <= 4
                    ? F.adaptive_max_pool2d(x, [3, 3]).flatten(1)
                    : x.flatten(1);
                var actual = Values(tapped[layer]);
                var want = Values(expected);
                Assert.Equal(want.Length, actual.Length);
                for (var i = 0; i < want.Length; i++) Close(want[i], actual[i]);
            }
        }
        // The tapped layer-7 vector is what the classifier block maps to the logits.
        using (torch.no_grad())
        {
            var logits = Values(model.forward(images));
            var fromTap = Values(model.Block(8).forward(tapped[7]));
            for (var i = 0; i < logits.Length; i++) Close(logits[i], fromTap[i]);
        }
    }

    [Fact]
    public void Average_pooling_of_a_7x7_map_to_3x3_uses_overlapping_adaptive_windows()
    {
        using var scope = torch.NewDisposeScope();
        // One channel holding 0..48 row by row. Adaptive windows over 7: [0,3), [2,5), [4,7).
        var map = torch.arange(49, ScalarType.Float32).reshape(1, 1, 7, 7);
        var pooled = Values(LayerFeatures.Flatten(map, 3, LayerFeatures.AveragePool));
        // Window rows 0..2 x cols 0..2: mean of r*7+c = 7*1 + 1 = 8; top-middle: cols 2..4 -> 7 + 3 = 10.
        Assert.Equal([8, 10, 12, 22, 24, 26, 36, 38, 40], pooled);
        var maxPooled = Values(LayerFeatures.Flatten(map, 3, LayerFeatures.MaxPool));
        // The max of each window is its bottom-right cell: row 2, col 2 -> 16.
        Assert.Equal([16, 18, 20, 30, 32, 34, 44, 46, 48], maxPooled);
        // A map already no larger than the grid is passed through.
        Assert.Equal(Enumerable.Range(0, 4).Select(i => (float)i), Values(LayerFeatures.Flatten(torch.arange(4, ScalarType.Float32).reshape(1, 1, 2, 2), 3, LayerFeatures.MaxPool)));
    }

    [Fact]
    public void Tapping_a_removed_layer_is_an_error()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ZfNet(new ZfNetOptions { RemovedLayers = [6, 7] }, 1, 28, 10);
        Assert.Throws<ArgumentException>(() => LayerFeatures.Extract(model, torch.rand([1, 1, 28, 28]), [5, 6], 3, LayerFeatures.MaxPool));
    }
}
