using Repro.Experiments.Metrics;
using Repro.Experiments.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Attribution;

public sealed class DeconvnetTests
{
    /// <summary>One 3x3 filter w = 0.1 * (1..9 row by row), padding 1, then ReLU and 2x2 max pooling, on a 4x4 input.</summary>
    static Sequential SingleFilterNet()
    {
        var conv = nn.Conv2d(1, 1, 3, padding: 1, bias: false);
        using (torch.no_grad())
            conv.weight.copy_(torch.tensor(Enumerable.Range(1, 9).Select(v => v / 10f).ToArray(), 1, 1, 3, 3));
        return nn.Sequential(("conv", conv), ("relu", nn.ReLU()), ("pool", nn.MaxPool2d(2)));
    }

    [Fact]
    public void Projection_of_a_single_filter_net_is_the_transposed_convolution_of_the_unpooled_activation()
    {
        // Input: one bright pixel at (1, 2). Conv output y[r, c] = w[2 - r, 3 - c] on rows 0..2, columns 1..3:
        //   row 0: . .9 .8 .7    row 1: . .6 .5 .4    row 2: . .3 .2 .1
        // Pooled (0, 1) is the window rows 0-1, columns 2-3: max .8 at (0, 2), the recorded switch.
        var input = new float[16];
        input[1 * 4 + 2] = 1;
        using var net = SingleFilterNet();
        using var images = torch.tensor(input, 1, 1, 4, 4);
        using var projection = Deconvnet.Project(BackwardRules.Flatten(net), images, [(0, 0, 1)]);

        // Unpooled: .8 at (0, 2) only; rectified: unchanged; the transposed filter spreads it as
        // out[p, q] = .8 * w[p - 0 + 1, q - 2 + 1]: rows 0..1, columns 1..3.
        var expected = new float[16];
        float[] w = Enumerable.Range(1, 9).Select(v => v / 10f).ToArray();
        for (int p = 0; p < 4; p++)
            for (int q = 0; q < 4; q++)
            {
                int i = p + 1, j = q - 1;
                if (i is >= 0 and < 3 && j is >= 0 and < 3) expected[p * 4 + q] = 0.8f * w[i * 3 + j];
            }
        Assert.Equal(new[] { 0f, .32f, .40f, .48f, 0f, .56f, .64f, .72f, 0, 0, 0, 0, 0, 0, 0, 0 }, expected, new FloatNear(1e-6f));
        Assert.Equal(expected, projection.data<float>().ToArray(), new FloatNear(1e-6f));
    }

    [Fact]
    public void Other_activations_of_the_layer_do_not_reach_the_projection()
    {
        // Two bright pixels, far apart: the projection of the pooled unit over one of them is zero around the other.
        var input = new float[64];
        input[1 * 8 + 1] = 1;
        input[6 * 8 + 6] = 1;
        using var net = SingleFilterNet();
        using var images = torch.tensor(input, 1, 1, 8, 8);
        using var projection = Deconvnet.Project(BackwardRules.Flatten(net), images, [(0, 0, 0)]);
        var values = projection.data<float>().ToArray();
        Assert.True(values[1 * 8 + 1] > 0);
        for (int p = 4; p < 8; p++)
            for (int q = 4; q < 8; q++)
                Assert.Equal(0f, values[p * 8 + q]);
    }

    [Fact]
    public void Receptive_fields_of_the_zf_net_grow_with_each_convolution_and_pooling()
    {
        using var net = new ZfNet(new ZfNetOptions(), 1, 28, 10);
        // conv 5 -> 5, pool -> 6 (jump 2), conv 3 -> 10, pool -> 12 (jump 4), conv 3 -> 20, conv 3 -> 28, conv 3 -> 36, pool -> 40 (jump 8).
        int[] sizes = [6, 12, 20, 28, 40];
        for (int layer = 1; layer <= 5; layer++)
            Assert.Equal(sizes[layer - 1], Deconvnet.Field(BackwardRules.Modules(net, layer)).Size);
        var first = Deconvnet.Field(BackwardRules.Modules(net, 1));
        Assert.Equal(new PixelBox(0, 0, 4, 4), first.Box(0, 0, 28, 28));     // starts 2 px above the image (padding)
        Assert.Equal(new PixelBox(8, 6, 14, 12), first.Box(5, 4, 28, 28));
    }

    sealed class FloatNear(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
