using Repro.Experiments.Models;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Architectures;

/// <summary>
/// He et al.'s CIFAR family on 1x28x28 input with 10 classes, counted by hand. With batch norm a convolution has no
/// bias: in * out * 3 * 3 weights, and its batch norm 2 * out parameters (scale and shift; the running statistics are
/// buffers). Identity shortcuts (option A) have no parameters, so a plain net and a residual net of one depth have the
/// same count. n = (depth - 2) / 6 blocks of two convolutions per stage.
/// </summary>
public sealed class ArchitectureModelTests
{
    // first convolution 1 -> 16: 1*16*9 = 144, batch norm 32
    const long Stem = 144 + 32;
    // stage 1, every convolution 16 -> 16: 16*16*9 = 2304, batch norm 32
    const long Stage1Conv = 2_304 + 32;
    // stage 2, first convolution 16 -> 32 (stride 2): 16*32*9 = 4608, batch norm 64
    const long Stage2First = 4_608 + 64;
    // stage 2, the others 32 -> 32: 32*32*9 = 9216, batch norm 64
    const long Stage2Conv = 9_216 + 64;
    // stage 3, first convolution 32 -> 64: 32*64*9 = 18432, batch norm 128
    const long Stage3First = 18_432 + 128;
    // stage 3, the others 64 -> 64: 64*64*9 = 36864, batch norm 128
    const long Stage3Conv = 36_864 + 128;
    // classifier on the 64 pooled channels: 64*10 + 10
    const long Classifier = 650;

    static long ByHand(int n) =>
        Stem + 2 * n * Stage1Conv + Stage2First + (2 * n - 1) * Stage2Conv + Stage3First + (2 * n - 1) * Stage3Conv + Classifier;

    public static TheoryData<int, long> Depths => new()
    {
        // depth, parameters: 97216 n - 22214 (n = 1, 2, 3, 5, 7, 9)
        { 8, 75_002 },
        { 14, 172_218 },
        { 20, 269_434 },   // He et al. Table 6: 0.27M
        { 32, 463_866 },   // 0.46M
        { 44, 658_298 },   // 0.66M
        { 56, 852_730 },   // 0.85M
    };

    [Theory]
    [MemberData(nameof(Depths))]
    public void Plain_and_residual_nets_have_the_hand_counted_parameters(int depth, long expected)
    {
        Assert.Equal(expected, ByHand((depth - 2) / 6));
        foreach (var residual in new[] { false, true })
        {
            using var net = new ResidualNet(new CifarNetOptions { Depth = depth }, residual, 1, 10);
            Assert.Equal(expected, ModelCost.Parameters(net));
            Assert.Equal(depth, net.WeightedLayers);
            Assert.Equal(3 * (depth - 2) / 6, net.Blocks.Count());
            Assert.All(net.Blocks, b => Assert.Equal(residual, b.Residual));
        }
    }

    [Fact]
    public void Projection_shortcuts_add_two_1x1_convolutions_with_batch_norm()
    {
        using var net = new ResidualNet(new CifarNetOptions { Depth = 20, Shortcut = ShortcutKind.Projection }, true, 1, 10);
        // 16*32 + 64 and 32*64 + 128, where stages 2 and 3 begin.
        Assert.Equal(269_434 + 512 + 64 + 2_048 + 128, ModelCost.Parameters(net));
    }

    [Fact]
    public void Multiply_adds_of_resnet_20_on_28x28_by_hand()
    {
        // Per image: a convolution costs its weights per output pixel (28x28, 14x14, 7x7 maps), the classifier its weights.
        long byHand = 144 * 784 + 6 * 2_304 * 784 + (4_608 + 5 * 9_216) * 196 + (18_432 + 5 * 36_864) * 49 + 640;
        using var net = new ResidualNet(new CifarNetOptions { Depth = 20 }, true, 1, 10);
        Assert.Equal(byHand, ModelCost.MultiplyAdds(net, 1, 28));
        // He et al.'s 41M for ResNet-20 on 32x32 CIFAR images, scaled by the maps' area (28/32)^2, is about 31M.
        Assert.InRange(byHand, 30_000_000, 33_000_000);
    }

    [Fact]
    public void A_residual_block_with_zeroed_weights_is_the_identity()
    {
        using var block = new ResidualBlock(16, 16, 1, residual: true, batchNorm: true, ShortcutKind.Identity);
        using var plain = new ResidualBlock(16, 16, 1, residual: false, batchNorm: true, ShortcutKind.Identity);
        using (torch.no_grad())
            foreach (var p in block.parameters().Concat(plain.parameters()))
                p.zero_();
        // A block's input is the output of a ReLU: non-negative.
        using var input = torch.rand(4, 16, 7, 7) + 0.1;
        foreach (var training in new[] { true, false })
        {
            block.train(training);
            plain.train(training);
            using var output = block.forward(input);
            Assert.True(output.allclose(input, rtol: 0, atol: 0), $"residual block, training={training}: output differs from its input");
            // The plain pair of layers with zeroed weights outputs zeros: it cannot fall back to the identity.
            using var plainOutput = plain.forward(input);
            Assert.Equal(0f, plainOutput.abs().max().item<float>());
        }
    }

    [Fact]
    public void The_zero_padded_shortcut_keeps_the_input_in_the_middle_channels_and_subsamples()
    {
        using var block = new ResidualBlock(16, 32, 2, residual: true, batchNorm: true, ShortcutKind.Identity);
        using (torch.no_grad())
            foreach (var p in block.parameters())
                p.zero_();
        using var input = torch.rand(2, 16, 8, 8);
        using var output = block.forward(input);
        Assert.Equal([2L, 32, 4, 4], output.shape);
        using var expected = input[.., .., TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)];
        Assert.True(output[.., 8..24].allclose(expected, rtol: 0, atol: 0));
        Assert.Equal(0f, output[.., ..8].abs().max().item<float>());
        Assert.Equal(0f, output[.., 24..].abs().max().item<float>());
    }

    [Fact]
    public void Every_registered_model_classifies_a_28x28_grey_batch()
    {
        using var batch = torch.rand(2, 1, 28, 28);
        foreach (var entry in ModelRegistry.Default.All)
        {
            var options = new ModelOptions { Name = entry.Name };
            options.Cifar.Depth = 8;
            using var model = ModelRegistry.Default.Create(options, new ModelInput(1, 28, 10));
            model.train();
            using var logits = model.call(batch);
            Assert.Equal([2L, 10], logits.shape);
        }
    }

    [Fact]
    public void TorchVision_resnet18_has_its_ImageNet_parameter_count_less_the_classifier_difference()
    {
        var options = new ModelOptions { Name = ModelRegistry.ResNet18 };
        using var model = ModelRegistry.Default.Create(options, new ModelInput(1, 28, 10));
        // 11,689,512 with 1000 classes; the classifier has 512*10 + 10 instead of 512*1000 + 1000.
        Assert.Equal(11_689_512 - 513_000 + 5_130, ModelCost.Parameters(model));
        Assert.Equal("resnet18 (TorchVision)", ModelRegistry.Default.Label(options));
    }
}
