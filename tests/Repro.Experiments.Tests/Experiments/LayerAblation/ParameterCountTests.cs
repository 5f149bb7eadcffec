using Repro.Experiments.Models;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.LayerAblation;

/// <summary>
/// Parameter counts of the ZF-style net (default widths, 1x28x28 input, 10 classes) with each ablation, by hand.
/// A conv layer has in * out * k * k weights + out biases; a linear layer in * out + out. Spatial size: 28, pooled
/// after layer 1 (14), layer 2 (7) and layer 5 (3), so layer 6 (or the classifier) sees 64 * 3 * 3 = 576 inputs.
/// </summary>
public sealed class ParameterCountTests
{
    // conv1: 1*32*5*5 + 32 = 800 + 32
    const long Conv1 = 832;
    // conv2: 32*64*3*3 + 64 = 18432 + 64
    const long Conv2 = 18_496;
    // conv3: 64*96*3*3 + 96 = 55296 + 96
    const long Conv3 = 55_392;
    // conv4: 96*96*3*3 + 96 = 82944 + 96
    const long Conv4 = 83_040;
    // conv5 after conv4: 96*64*3*3 + 64 = 55296 + 64
    const long Conv5 = 55_360;
    // conv5 straight after conv2 (3 and 4 removed): 64*64*3*3 + 64 = 36864 + 64
    const long Conv5AfterConv2 = 36_928;
    // fc6: 576*256 + 256 = 147456 + 256
    const long Fc6 = 147_712;
    // fc7: 256*256 + 256 = 65536 + 256
    const long Fc7 = 65_792;
    // classifier after a hidden layer: 256*10 + 10
    const long Fc8 = 2_570;
    // classifier straight on the pooled conv5 maps (6 and 7 removed): 576*10 + 10
    const long Fc8OnConv = 5_770;

    const long Full = Conv1 + Conv2 + Conv3 + Conv4 + Conv5 + Fc6 + Fc7 + Fc8;

    public static TheoryData<int[], long, long> Ablations => new()
    {
        // removed layers, parameters left, parameters removed
        { [], 429_194, 0 },
        { [7], Full - Fc7, 65_792 },
        { [6, 7], Conv1 + Conv2 + Conv3 + Conv4 + Conv5 + Fc8OnConv, 210_304 },
        { [3, 4], Conv1 + Conv2 + Conv5AfterConv2 + Fc6 + Fc7 + Fc8, 156_864 },
        { [3, 4, 6, 7], Conv1 + Conv2 + Conv5AfterConv2 + Fc8OnConv, 367_168 },
    };

    [Theory]
    [MemberData(nameof(Ablations))]
    public void Each_ablated_network_has_the_hand_computed_parameter_count(int[] removed, long expected, long removedCount)
    {
        Assert.Equal(429_194, Full);
        using var model = new ZfNet(new ZfNetOptions { RemovedLayers = [.. removed] }, 1, 28, 10);
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
        Assert.Equal(removedCount, Full - model.parameters().Sum(p => p.numel()));
        Assert.Equal(Enumerable.Range(1, 8).Except(removed), model.Layers);
    }

    [Fact]
    public void Per_layer_counts_match_the_hand_values_and_conv5_adapts_to_its_new_input()
    {
        using var full = new ZfNet(new ZfNetOptions(), 1, 28, 10);
        long[] expected = [Conv1, Conv2, Conv3, Conv4, Conv5, Fc6, Fc7, Fc8];
        Assert.Equal(expected, full.Layers.Select(l => full.Block(l).parameters().Sum(p => p.numel())));

        using var shallow = new ZfNet(new ZfNetOptions { RemovedLayers = [3, 4, 6, 7] }, 1, 28, 10);
        Assert.Equal([Conv1, Conv2, Conv5AfterConv2, Fc8OnConv], shallow.Layers.Select(l => shallow.Block(l).parameters().Sum(p => p.numel())));
    }
}
