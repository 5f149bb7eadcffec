using Repro.Experiments.Models;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Attribution;

public sealed class ClassModelTests
{
    [Fact]
    public void Gradient_ascent_from_zero_raises_each_class_score_and_objective()
    {
        torch.manual_seed(5);
        using var net = new ZfNet(new ZfNetOptions { ConvChannels = [4, 6, 6, 6, 4], HiddenUnits = [16, 16], Dropout = 0 }, 1, 28, 10);
        net.eval();
        // He initialisation zeroes the biases, and a zero image then meets ReLUs at 0 with no gradient; a trained
        // net's biases are not zero.
        using (torch.no_grad())
            foreach (var (name, p) in net.named_parameters())
                if (name.EndsWith("bias", StringComparison.Ordinal)) p.uniform_(0.01, 0.1);
        int[] classes = [0, 4, 9];
        using var result = ClassModels.Ascend(net, classes, [1, 28, 28], steps: 20, learningRate: 0.5, lambda: 0.01, torch.CPU);
        Assert.Equal(new long[] { 3, 1, 28, 28 }, result.Images.shape);
        for (int k = 0; k < classes.Length; k++)
        {
            Assert.True(result.EndScores[k] > result.StartScores[k] + 0.1, $"class {classes[k]}: score {result.StartScores[k]} -> {result.EndScores[k]}");
            Assert.True(result.EndObjectives[k] > result.StartObjectives[k], $"class {classes[k]}: objective {result.StartObjectives[k]} -> {result.EndObjectives[k]}");
        }
        // The ascent starts from the zero image: there the objective is the score alone.
        Assert.Equal(result.StartScores, result.StartObjectives);
        // And no step: the zero image itself.
        using var none = ClassModels.Ascend(net, classes, [1, 28, 28], steps: 0, learningRate: 0.5, lambda: 0.01, torch.CPU);
        Assert.Equal(0f, none.Images.abs().max().item<float>());
    }
}
