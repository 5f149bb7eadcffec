using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

public class ConvolutionTests
{
    [Fact]
    public void Conv2dSmallCaseByHand()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 1, 1, 3, 3);
        var w = torch.tensor(new float[] { 1, 0, 0, -1 }, 1, 1, 2, 2);
        var y = F.conv2d(x, w, torch.tensor(new float[] { 10 }, 1));
        // Each output is top-left minus bottom-right of its 2x2 window, plus the bias: 1-5+10, 2-6+10, ...
        Expect.Shape([1, 1, 2, 2], y);
        Assert.Equal(new float[] { 6, 6, 6, 6 }, y.ToArray<float>());

        // Stride 2 with padding 1 and an all-ones 3x3 kernel: each output sums the in-map part of its window.
        var z = F.conv2d(x, torch.ones([1, 1, 3, 3]), null, stride: 2, padding: 1);
        Assert.Equal(new float[] { 1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9 }, z.ToArray<float>());
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void Conv2dMatchesDirectLoop(int stride, int pad)
    {
        using var scope = torch.NewDisposeScope();
        const int n = 2, c = 3, h = 7, w = 6, o = 4, kh = 3, kw = 2;
        var x = Expect.Random(n * c * h * w, 1);
        var wt = Expect.Random(o * c * kh * kw, 2);
        var b = Expect.Random(o, 3);
        var expected = Reference.Conv2d(x, n, c, h, w, wt, o, kh, kw, b, stride, pad, out var oh, out var ow);
        var y = F.conv2d(torch.tensor(x, n, c, h, w), torch.tensor(wt, o, c, kh, kw), torch.tensor(b, o), stride, pad);
        Expect.Shape([n, o, oh, ow], y);
        Expect.Close(expected, y, 1e-12);
    }

    [Fact]
    public void Conv2dModuleUsesItsStrideAndPadding()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var conv = torch.nn.Conv2d(2, 3, 3, stride: 2, padding: 1);
        var x = Expect.RandomFloats(2 * 5 * 5, 4);
        var y = conv.forward(torch.tensor(x, 1, 2, 5, 5));
        var expected = Reference.Conv2d(x.Select(v => (double)v).ToArray(), 1, 2, 5, 5, Expect.Values(conv.weight), 3, 3, 3,
            Expect.Values(conv.bias!), 2, 1, out var oh, out var ow);
        Expect.Shape([1, 3, oh, ow], y);
        Expect.Close(expected, y, 1e-5);
        // PyTorch's default init bounds weights by 1/sqrt(fan_in) = 1/sqrt(18).
        Assert.All(Expect.Values(conv.weight), v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(18)));
    }

    [Fact]
    public void ConvTranspose2dSpreadsEachInputOverTheKernel()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2);
        var y = F.conv_transpose2d(x, torch.ones([1, 1, 2, 2]), stride: 2);
        Assert.Equal(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, y.ToArray<float>());

        // Stride 1: overlapping kernels add up (a full correlation with a flipped kernel).
        var z = F.conv_transpose2d(x, torch.ones([1, 1, 2, 2]));
        Assert.Equal(new float[] { 1, 3, 2, 4, 10, 6, 3, 7, 4 }, z.ToArray<float>());
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(2, 1, 1)]
    [InlineData(2, 0, 1)]
    public void ConvTranspose2dMatchesDirectLoop(int stride, int pad, int outputPad)
    {
        using var scope = torch.NewDisposeScope();
        const int n = 2, c = 3, h = 4, w = 5, o = 2, k = 3;
        var x = Expect.Random(n * c * h * w, 11);
        var wt = Expect.Random(c * o * k * k, 12);
        var b = Expect.Random(o, 13);
        var expected = Reference.ConvTranspose2d(x, n, c, h, w, wt, o, k, k, b, stride, pad, outputPad, out var oh, out var ow);
        var y = F.conv_transpose2d(torch.tensor(x, n, c, h, w), torch.tensor(wt, c, o, k, k), torch.tensor(b, o), stride, pad, outputPad);
        Expect.Shape([n, o, oh, ow], y);
        Expect.Close(expected, y, 1e-12);
    }

    [Fact]
    public void ConvTranspose2dIsTheAdjointOfConv2d()
    {
        // <conv(x), y> = <x, conv_transpose(y)> for the same weight: what makes the deconvnet's
        // backward projection the transpose of the forward filter.
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(Expect.Random(1 * 3 * 8 * 8, 21), 1, 3, 8, 8);
        var wt = torch.tensor(Expect.Random(5 * 3 * 3 * 3, 22), 5, 3, 3, 3);
        var cx = F.conv2d(x, wt, null, stride: 2, padding: 1);
        var y = torch.tensor(Expect.Random((int)cx.numel(), 23), cx.shape);
        var ty = F.conv_transpose2d(y, wt, null, stride: 2, padding: 1, output_padding: 1);
        Expect.Shape(x.shape, ty);
        var lhs = Expect.Dot(Expect.Values(cx), Expect.Values(y));
        var rhs = Expect.Dot(Expect.Values(x), Expect.Values(ty));
        Assert.Equal(lhs, rhs, 1e-10);
    }

    [Fact]
    public void LinearIsXTimesWeightTransposedPlusBias()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, -1, 0, 2 }, 2, 3);
        var w = torch.tensor(new float[] { 1, 0, 0, 0, 1, 0, 1, 1, 1, 2, -1, 0.5f }, 4, 3);
        var b = torch.tensor(new float[] { 0.5f, 0, -1, 10 }, 4);
        var y = F.linear(x, w, b);
        Expect.Shape([2, 4], y);
        Assert.Equal(new float[] { 1.5f, 2, 5, 11.5f, -0.5f, 0, 0, 9 }, y.ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 6, 1.5f, -1, 0, 1, -1 }, F.linear(x, w).ToArray<float>());

        using var layer = torch.nn.Linear(3, 4);
        var expected = new double[8];
        var xv = Expect.Values(x);
        var wv = Expect.Values(layer.weight);
        var bv = Expect.Values(layer.bias!);
        for (var i = 0; i < 2; i++)
        for (var j = 0; j < 4; j++)
            expected[i * 4 + j] = bv[j] + xv[i * 3] * wv[j * 3] + xv[i * 3 + 1] * wv[j * 3 + 1] + xv[i * 3 + 2] * wv[j * 3 + 2];
        Expect.Close(expected, layer.forward(x), 1e-6);
    }
}
