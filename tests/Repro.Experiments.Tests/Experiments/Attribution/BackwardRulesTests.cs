using Repro.Experiments.Models;
using Repro.Experiments.Tests.Engine;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Attribution;

public sealed class BackwardRulesTests
{
    /// <summary>
    /// out = w2 . relu(W1 x) with x = (1, 2), W1 rows (1,0), (0,1), (-1,0), (0,-1): the ReLU's inputs are f = (1, 2, -1, -2),
    /// and the signal reaching the ReLU from above is R = w2 = (2, -3, 4, -5): one unit of each sign pair.
    /// </summary>
    static Sequential TwoLayers()
    {
        var first = nn.Linear(2, 4, hasBias: false);
        var second = nn.Linear(4, 1, hasBias: false);
        using (torch.no_grad())
        {
            first.weight!.copy_(torch.tensor(new float[] { 1, 0, 0, 1, -1, 0, 0, -1 }, 4, 2));
            second.weight!.copy_(torch.tensor(new float[] { 2, -3, 4, -5 }, 1, 4));
        }
        return nn.Sequential(("first", first), ("relu", nn.ReLU()), ("second", second));
    }

    // Hand-computed, the seed's three formulas, then through W1 transposed:
    // gradient:       (f > 0) R        = (2, -3, 0, 0)  -> x: (1*2 + 0, 0 + 1*-3)        = (2, -3)
    // deconvnet:      (R > 0) R        = (2, 0, 4, 0)   -> x: (1*2 + -1*4, 0)           = (-2, 0)
    // guided backprop: (f > 0)(R > 0) R = (2, 0, 0, 0)   -> x: (2, 0)
    [Theory]
    [InlineData(BackwardRule.Gradient, 2f, -3f)]
    [InlineData(BackwardRule.Deconvnet, -2f, 0f)]
    [InlineData(BackwardRule.GuidedBackprop, 2f, 0f)]
    public void Each_rule_on_a_two_layer_net_gives_the_hand_computed_input_signal(BackwardRule rule, float x0, float x1)
    {
        using var net = TwoLayers();
        using var input = torch.tensor(new float[] { 1, 2 }, 1, 2);
        using var pass = RecordedPass.Run(BackwardRules.Flatten(net), input);
        Assert.Equal(2 * 1 - 3 * 2 + 0 + 0, pass.Output.item<float>(), 5);   // relu(f) = (1, 2, 0, 0)
        using var signal = torch.ones(1, 1);
        using var r = pass.Backward(signal, rule);
        Assert.Equal(new[] { x0, x1 }, r.data<float>().ToArray());
    }

    [Fact]
    public void Through_a_relu_each_rule_masks_by_the_input_the_signal_or_both()
    {
        using var f = torch.tensor(new float[] { 1, 1, -1, -1 });
        using var r = torch.tensor(new float[] { 2, -3, 4, -5 });
        Assert.Equal(new float[] { 2, -3, 0, 0 }, BackwardRules.ThroughRelu(BackwardRule.Gradient, f, r).data<float>().ToArray());
        Assert.Equal(new float[] { 2, 0, 4, 0 }, BackwardRules.ThroughRelu(BackwardRule.Deconvnet, f, r).data<float>().ToArray());
        Assert.Equal(new float[] { 2, 0, 0, 0 }, BackwardRules.ThroughRelu(BackwardRule.GuidedBackprop, f, r).data<float>().ToArray());
    }

    [Fact]
    public void The_gradient_rule_through_a_zf_net_is_autograds_gradient_of_the_class_score()
    {
        torch.manual_seed(3);
        using var net = new ZfNet(new ZfNetOptions { ConvChannels = [4, 6, 6, 6, 4], HiddenUnits = [16, 16], Dropout = 0 }, 1, 28, 10);
        net.eval();
        using var images = torch.rand(2, 1, 28, 28);
        using var signal = torch.zeros(2, 10);
        signal[0, 3] = 1;
        signal[1, 7] = 1;
        using var pass = RecordedPass.Run(BackwardRules.Modules(net), images);
        using var rule = pass.Backward(signal, BackwardRule.Gradient);

        using var x = images.clone().requires_grad_(true);
        using var score = (net.forward(x) * signal).sum();
        using var expected = torch.autograd.grad([score], [x])[0];
        Assert.True(torch.allclose(rule, expected, rtol: 1e-4, atol: 1e-6), "the gradient rule differs from autograd");
        // The modified rules differ from it (a ZF net has ReLUs with both signs of input and signal).
        using var guided = pass.Backward(signal, BackwardRule.GuidedBackprop);
        Assert.False(torch.allclose(guided, expected, rtol: 1e-3, atol: 1e-6));
    }
}

[Collection(LiveTensorCollection.Name)]
public sealed class RecordedPassLifetimeTests
{
    [Fact]
    public void A_recorded_pass_leaves_only_what_it_returned()
    {
        using var net = new ZfNet(new ZfNetOptions { ConvChannels = [4, 6, 6, 6, 4], HiddenUnits = [16, 16], Dropout = 0 }, 1, 28, 10);
        net.eval();
        using var images = torch.rand(2, 1, 28, 28);
        using var signal = torch.ones(2, 10);
        var modules = BackwardRules.Modules(net);
        long before = LiveTensorCollection.Settled();
        using (var pass = RecordedPass.Run(modules, images))
        using (var r = pass.Backward(signal, BackwardRule.GuidedBackprop))
            Assert.Equal(images.shape, r.shape);
        Assert.Equal(before, LiveTensorCollection.Settled());
    }
}
