using Repro.Torch;
using Xunit;

namespace Repro.Torch.Tests;

public class SmokeTests
{
    [Fact]
    public void AddsAndConvolves()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = a + a * 2;
        Assert.Equal(new float[] { 3, 6, 9, 12 }, b.ToArray<float>());
        var x = torch.ones([1, 1, 3, 3]);
        var w = torch.ones([1, 1, 2, 2]);
        var y = torch.nn.functional.conv2d(x, w);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        Assert.Equal(new float[] { 4, 4, 4, 4 }, y.ToArray<float>());
    }

    [Fact]
    public void ShapeErrorIsException()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones([2, 3]);
        var b = torch.ones([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.mm(b));
        Assert.Contains("aten::mm", e.Message);
    }
}
