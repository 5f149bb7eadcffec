using Repro.Experiments.Data;
using Repro.Experiments.Models;
using Repro.Experiments.Training;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Transfer;

public sealed class LayerTransferTests
{
    static readonly ZfNetOptions Small = new() { ConvChannels = [4, 6, 6, 6, 4], HiddenUnits = [12, 12], Dropout = 0.5 };

    /// <summary>The exact bits of every parameter of a layer, so "unchanged" means bitwise, not "close".</summary>
    static int[][] Bits(ZfNet network, int layer) =>
        network.Block(layer).named_parameters()
            .Select(p => p.parameter.contiguous().data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).ToArray())
            .ToArray();

    static bool Same(int[][] a, int[][] b) => a.Length == b.Length && a.Zip(b).All(p => p.First.SequenceEqual(p.Second));

    static ZfNet Network(long seed, int classes = 5)
    {
        torch.manual_seed(seed);
        return new ZfNet(Small, 1, 28, classes);
    }

    /// <summary>Random 28x28 images with random labels: enough for gradients to flow into every layer.</summary>
    static TensorDataset RandomImages(int count, int classes, long seed)
    {
        var rng = new SeededRandom(seed, "test-images");
        var pixels = new float[count * 28 * 28];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)rng.NextDouble();
        var labels = Enumerable.Range(0, count).Select(_ => rng.NextInt(classes)).ToArray();
        var names = Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray();
        return new TensorDataset(new ImageSet(pixels, labels, names, 1, 28, 28));
    }

    public static TheoryData<OptimizerKind, double> Optimisers => new()
    {
        // Weight decay on, so a frozen weight handed to the optimiser would shrink even without a gradient step.
        { OptimizerKind.Sgd, 0.01 },
        { OptimizerKind.Adam, 0.01 },
    };

    [Theory]
    [MemberData(nameof(Optimisers))]
    public void Frozen_copied_layers_stay_bitwise_equal_to_the_source_while_the_rest_trains(OptimizerKind optimiser, double weightDecay)
    {
        using var scope = torch.NewDisposeScope();
        using var source = Network(1);
        using var target = Network(2);
        var copied = LayerTransfer.Copy(source, target, 3, CopiedLayers.Frozen);
        Assert.Equal([1, 2, 3], copied);
        Assert.Equal([1, 2, 3], LayerTransfer.FrozenLayers(target));
        var before = target.Layers.ToDictionary(l => l, l => Bits(target, l));

        using var data = RandomImages(48, 5, 3);
        var options = new TrainOptions { Epochs = 2, BatchSize = 16, Optimizer = optimiser, LearningRate = 0.01, Momentum = 0.9, WeightDecay = weightDecay };
        var state = new Trainer(options, seed: 4).Fit(target, data);
        Assert.Equal(6, state.Step);

        foreach (var layer in new[] { 1, 2, 3 })
        {
            Assert.True(Same(Bits(source, layer), Bits(target, layer)), $"frozen layer {layer} no longer equals the source");
            Assert.True(Same(before[layer], Bits(target, layer)), $"frozen layer {layer} changed during training");
        }
        foreach (var layer in new[] { 4, 5, 6, 7, 8 })
            Assert.False(Same(before[layer], Bits(target, layer)), $"trainable layer {layer} did not change");
    }

    [Fact]
    public void Fine_tuned_copied_layers_start_as_the_source_and_change_in_training()
    {
        using var scope = torch.NewDisposeScope();
        using var source = Network(1);
        using var target = Network(2);
        LayerTransfer.Copy(source, target, 4, CopiedLayers.FineTuned);
        Assert.Empty(LayerTransfer.FrozenLayers(target));
        foreach (var layer in new[] { 1, 2, 3, 4 })
            Assert.True(Same(Bits(source, layer), Bits(target, layer)), $"copied layer {layer} differs from the source");

        using var data = RandomImages(32, 5, 5);
        new Trainer(new TrainOptions { Epochs = 1, BatchSize = 16, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 }, seed: 6).Fit(target, data);
        foreach (var layer in target.Layers)
            Assert.False(Same(Bits(source, layer), Bits(target, layer)), $"fine-tuned layer {layer} still equals the source");
    }

    [Fact]
    public void Layers_above_the_copied_depth_keep_the_targets_fresh_initialisation()
    {
        using var scope = torch.NewDisposeScope();
        using var source = Network(1);
        using var fresh = Network(2);
        using var target = Network(2);
        LayerTransfer.Copy(source, target, 5, CopiedLayers.Frozen);
        foreach (var layer in new[] { 6, 7, 8 })
        {
            // Re-initialised: not the source's weights, but exactly what the target drew for itself.
            Assert.False(Same(Bits(source, layer), Bits(target, layer)), $"layer {layer} equals the source");
            Assert.True(Same(Bits(fresh, layer), Bits(target, layer)), $"layer {layer} is not the target's own initialisation");
        }
        Assert.Equal([1, 2, 3, 4, 5], LayerTransfer.FrozenLayers(target));
    }

    [Fact]
    public void Copying_skips_removed_layers_and_the_classifier_can_differ_in_size()
    {
        using var scope = torch.NewDisposeScope();
        var withoutThreeFour = new ZfNetOptions { ConvChannels = Small.ConvChannels, HiddenUnits = Small.HiddenUnits, RemovedLayers = [3, 4] };
        using var source = new ZfNet(withoutThreeFour, 1, 28, 10);
        using var target = new ZfNet(withoutThreeFour, 1, 28, 5);
        // The first five blocks of a net without layers 3 and 4 are layers 1, 2, 5, 6, 7.
        Assert.Equal([1, 2, 5, 6, 7], LayerTransfer.Copy(source, target, 5, CopiedLayers.Frozen));
        // Copying the classifier too fails: 10 outputs into 5.
        var error = Assert.Throws<ArgumentException>(() => LayerTransfer.Copy(source, target, 6, CopiedLayers.Frozen));
        Assert.Contains("layer 8", error.Message);
    }

    [Fact]
    public void Mismatched_networks_and_depths_are_errors()
    {
        using var scope = torch.NewDisposeScope();
        using var source = Network(1);
        using var wider = new ZfNet(new ZfNetOptions { ConvChannels = [8, 6, 6, 6, 4], HiddenUnits = [12, 12] }, 1, 28, 5);
        Assert.Contains("layer 1", Assert.Throws<ArgumentException>(() => LayerTransfer.Copy(source, wider, 1, CopiedLayers.Frozen)).Message);
        using var shallower = new ZfNet(new ZfNetOptions { ConvChannels = Small.ConvChannels, HiddenUnits = Small.HiddenUnits, RemovedLayers = [3] }, 1, 28, 5);
        Assert.Contains("[1,2,4]", Assert.Throws<ArgumentException>(() => LayerTransfer.Copy(source, shallower, 3, CopiedLayers.Frozen)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerTransfer.FirstLayers(source, 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerTransfer.FirstLayers(source, -1));
        using var untouched = Network(3);
        Assert.Empty(LayerTransfer.Copy(source, untouched, 0, CopiedLayers.Frozen));
        Assert.Empty(LayerTransfer.FrozenLayers(untouched));
    }
    [Fact]
    public void Frozen_layers_run_without_dropout_while_the_new_classifier_still_trains_with_it()
    {
        using var scope = torch.NewDisposeScope();
        using var source = Network(1);
        using var target = Network(2);
        LayerTransfer.Copy(source, target, 7, CopiedLayers.Frozen);
        using var data = RandomImages(8, 5, 3);
        var images = data.Images;

        // Plain training mode: dropout before the frozen layer 7 makes its features differ from call to call.
        target.train();
        Assert.False(LayerSeven(target, images).SequenceEqual(LayerSeven(target, images)));

        var hook = new Repro.Experiments.Experiments.TransferExperiment.FrozenLayersInInference(target);
        var options = new TrainOptions { Epochs = 1, BatchSize = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };
        var state = new Trainer(options, seed: 4).Add(hook).Fit(target, data);
        Assert.Equal(1, state.Step);
        Assert.All(Enumerable.Range(1, 7), l => Assert.False(target.Block(l).training, $"layer {l} still in training mode"));
        Assert.True(target.Block(8).training);
        // Fixed features: the frozen stack gives the same layer-7 output every time, equal to inference mode's.
        var first = LayerSeven(target, images);
        Assert.Equal(first, LayerSeven(target, images));
        target.eval();
        Assert.Equal(first, LayerSeven(target, images));
    }

    static float[] LayerSeven(ZfNet network, Tensor images)
    {
        using var _ = torch.no_grad();
        return network.Activations(images, 7)[7].contiguous().data<float>().ToArray();
    }
}
