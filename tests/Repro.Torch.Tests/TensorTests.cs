using Xunit;

namespace Repro.Torch.Tests;

public class TensorTests
{
    static readonly float[] Digits = [3, 1, 4, 1.5f, 5, 9, 2, 6];

    [Fact]
    public void ArgmaxTopkSort()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(Digits);
        Assert.Equal(5, x.argmax().item<long>());
        var (values, indices) = x.topk(3);
        Assert.Equal(new float[] { 9, 6, 5 }, values.ToArray<float>());
        Assert.Equal(new long[] { 5, 7, 4 }, indices.ToArray<long>());
        var (small, smallAt) = x.topk(2, largest: false);
        Assert.Equal(new float[] { 1, 1.5f }, small.ToArray<float>());
        Assert.Equal(new long[] { 1, 3 }, smallAt.ToArray<long>());

        var (sorted, order) = x.sort();
        Assert.Equal(new float[] { 1, 1.5f, 2, 3, 4, 5, 6, 9 }, sorted.ToArray<float>());
        Assert.Equal(new long[] { 1, 3, 6, 0, 2, 4, 7, 5 }, order.ToArray<long>());
        var (desc, _) = x.sort(descending: true);
        Assert.Equal(new float[] { 9, 6, 5, 4, 3, 2, 1.5f, 1 }, desc.ToArray<float>());
        Assert.Equal(new long[] { 1, 3, 6, 0, 2, 4, 7, 5 }, x.argsort().ToArray<long>());

        var m = x.view(2, 4);
        Assert.Equal(new long[] { 2, 1 }, m.argmax(1).ToArray<long>());
        Assert.Equal(new long[] { 1, 1, 0, 1 }, m.argmax(0).ToArray<long>());
        var (rowTop, rowAt) = m.topk(2, dim: 1);
        Assert.Equal(new float[] { 4, 3, 9, 6 }, rowTop.ToArray<float>());
        Assert.Equal(new long[] { 2, 0, 1, 3 }, rowAt.ToArray<long>());
        var (rowMax, rowMaxAt) = m.max(1);
        Assert.Equal(new float[] { 4, 9 }, rowMax.ToArray<float>());
        Assert.Equal(new long[] { 2, 1 }, rowMaxAt.ToArray<long>());
    }

    [Fact]
    public void CatStackIndexSelectGatherMaskedSelect()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = torch.tensor(new float[] { 5, 6 }, 1, 2);
        var c0 = torch.cat([a, b]);
        Expect.Shape([3, 2], c0);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c0.ToArray<float>());
        var c1 = torch.cat([a, a.mul(10)], 1);
        Assert.Equal(new float[] { 1, 2, 10, 20, 3, 4, 30, 40 }, c1.ToArray<float>());

        var s0 = torch.stack([a, a.add(4)]);
        Expect.Shape([2, 2, 2], s0);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, s0.ToArray<float>());
        var s2 = torch.stack([a, a.add(4)], 2);
        Expect.Shape([2, 2, 2], s2);
        Assert.Equal(new float[] { 1, 5, 2, 6, 3, 7, 4, 8 }, s2.ToArray<float>());

        var m = torch.arange(12, ScalarType.Float32).view(3, 4);
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11 }, m.index_select(0, torch.tensor(new long[] { 2, 0, 2 })).ToArray<float>());
        Assert.Equal(new float[] { 3, 1, 7, 5, 11, 9 }, m.index_select(1, torch.tensor(new long[] { 3, 1 })).ToArray<float>());

        // gather along dim 1: out[i][j] = m[i][index[i][j]].
        var g = m.gather(1, torch.tensor(new long[] { 0, 3, 2, 2, 1, 0 }, 3, 2));
        Assert.Equal(new float[] { 0, 3, 6, 6, 9, 8 }, g.ToArray<float>());
        // gather along dim 0: out[i][j] = m[index[i][j]][j].
        var g0 = m.gather(0, torch.tensor(new long[] { 2, 0, 1, 2 }, 1, 4));
        Assert.Equal(new float[] { 8, 1, 6, 11 }, g0.ToArray<float>());

        var mask = m.gt(6.5).logical_and(m.lt(10));
        Assert.Equal(new float[] { 7, 8, 9 }, m.masked_select(mask).ToArray<float>());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6, -1, -1, -1, 10, 11 }, m.masked_fill(mask, -1).ToArray<float>());
        // A mask broadcast over rows selects the same columns of every row.
        var cols = torch.tensor(new[] { true, false, false, true });
        Assert.Equal(new float[] { 0, 3, 4, 7, 8, 11 }, m.masked_select(cols).ToArray<float>());
    }

    [Fact]
    public void ViewReshapePermuteFlatten()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(24, ScalarType.Float32).view(2, 3, 4);
        Expect.Shape([2, 3, 4], x);
        Expect.Shape([6, 4], x.reshape(6, -1));
        Expect.Shape([2, 12], x.flatten(1));
        Expect.Shape([24], x.flatten());
        Expect.Shape([6, 4], x.flatten(0, 1));
        Assert.Equal(Enumerable.Range(0, 24).Select(v => (float)v).ToArray(), x.flatten().ToArray<float>());

        var p = x.permute(2, 0, 1);
        Expect.Shape([4, 2, 3], p);
        Assert.False(p.is_contiguous());
        var pv = p.ToArray<float>();
        for (var k = 0; k < 4; k++)
        for (var i = 0; i < 2; i++)
        for (var j = 0; j < 3; j++)
            Assert.Equal(i * 12 + j * 4 + k, pv[(k * 2 + i) * 3 + j]);
        // view needs compatible strides; reshape copies when it must.
        var e = Assert.Throws<TorchException>(() => p.view(24));
        Assert.Contains("stride", e.NativeMessage);
        Assert.Equal(pv, p.reshape(24).ToArray<float>());
        Assert.Equal(pv, p.contiguous().view(24).ToArray<float>());

        // A view shares storage: writing through it changes the original.
        var v = x.view(24);
        v.index_put_([torch.tensor(new long[] { 5 })], torch.tensor(new float[] { -7 }));
        Assert.Equal(-7, x.ToArray<float>()[5]);
    }

    [Fact]
    public void FlipAndRoll()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(6, ScalarType.Float32).view(2, 3);
        Assert.Equal(new float[] { 2, 1, 0, 5, 4, 3 }, x.flip(1).ToArray<float>());
        Assert.Equal(new float[] { 3, 4, 5, 0, 1, 2 }, x.flip(0).ToArray<float>());
        Assert.Equal(new float[] { 5, 4, 3, 2, 1, 0 }, x.flip(0, 1).ToArray<float>());
        Assert.Equal(new float[] { 2, 0, 1, 5, 3, 4 }, x.roll([1], [1]).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 0, 4, 5, 3 }, x.roll([-1], [1]).ToArray<float>());
        Assert.Equal(new float[] { 5, 3, 4, 2, 0, 1 }, x.roll([1, 1], [0, 1]).ToArray<float>());
    }

    [Fact]
    public void ArraysInAndOut()
    {
        using var scope = torch.NewDisposeScope();
        var data = new double[] { 1.5, -2, 3.25, 4, 5, 6 };
        var x = torch.tensor(data, 2, 3);
        Assert.Equal(ScalarType.Float64, x.dtype);
        Assert.Equal(data, x.ToArray<double>());
        data[0] = 100; // the tensor holds its own copy
        Assert.Equal(1.5, x.ToArray<double>()[0]);

        // AsSpan is the tensor's own storage: no copy either way.
        var span = x.AsSpan<double>();
        Assert.Equal(-2, span[1]);
        span[1] = 42;
        Assert.Equal(42, x.ToArray<double>()[1]);
        x.CopyFrom<double>([0, 1, 2, 3, 4, 5]);
        Assert.Equal(new double[] { 0, 1, 2, 3, 4, 5 }, x.ToArray<double>());
        Assert.Throws<InvalidOperationException>(() => x.ToArray<float>());
        Assert.Throws<ArgumentException>(() => torch.tensor(new float[] { 1, 2, 3 }, 2, 2));

        // Non-contiguous tensors copy out in logical order.
        Assert.Equal(new double[] { 0, 3, 1, 4, 2, 5 }, x.t().ToArray<double>());
        Assert.Equal(3.0, x.t()[0][1].item<double>());
        Assert.Equal(new long[] { 1, 2, 3 }, torch.tensor(new long[] { 1, 2, 3 }).ToArray<long>());
        Assert.Equal(new byte[] { 0, 255 }, torch.tensor(new byte[] { 0, 255 }).ToArray<byte>());
        Assert.Equal(7L, torch.tensor(new int[] { 7 }).item<long>());
        Assert.True(torch.tensor(new[] { true }).item<bool>());
    }
}
