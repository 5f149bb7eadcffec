using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

/// <summary>libtorch errors become <see cref="TorchException"/>s carrying libtorch's text; the process goes on.</summary>
public class ErrorTests
{
    [Fact]
    public void Conv2dWithTheWrongChannelCount()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones([1, 2, 5, 5]);
        var w = torch.ones([4, 3, 3, 3]);
        var e = Assert.Throws<TorchException>(() => F.conv2d(x, w));
        Assert.Equal("aten::conv2d", e.Operation);
        Assert.Contains("expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead", e.NativeMessage);
        Assert.Contains("aten::conv2d", e.Message);
        // The process and the binding go on: the same call with a fitting input works.
        var y = F.conv2d(torch.ones([1, 3, 5, 5]), w);
        Assert.Equal(27f, y.ToArray<float>()[0]);
    }

    [Fact]
    public void MatrixProductShapeMismatch()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => torch.ones([2, 3]).mm(torch.ones([4, 5])));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", e.Message);
        Assert.Equal(new float[] { 4, 4 }, torch.ones([2, 4]).mm(torch.ones([4, 1])).ToArray<float>());
    }

    [Fact]
    public void ManyErrorsInARowLeaveTheEngineUsable()
    {
        using var scope = torch.NewDisposeScope();
        // Few rounds: each libtorch error costs tens of milliseconds (c10::Error records a symbolised backtrace).
        for (var i = 0; i < 10; i++)
        {
            Assert.Throws<TorchException>(() => torch.ones([3]).view(2, 2));
            Assert.Throws<TorchException>(() => F.linear(torch.ones([2, 3]), torch.ones([5, 4])));
            Assert.Throws<TorchException>(() => torch.ones([2]).index_select(0, torch.tensor(new long[] { 7 })));
        }
        // A later successful call does not see a stale message: item() of a NaN checks for an error.
        Assert.True(double.IsNaN(torch.tensor(new[] { double.NaN }).item<double>()));
        Assert.Equal(long.MinValue, torch.tensor(new[] { long.MinValue }).item<long>());
        Assert.Equal(6f, torch.ones([2, 3]).sum().item<float>());
    }

    [Fact]
    public void BindingErrorsAreTypedToo()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => torch.ones([2]).item<double>());
        Assert.Contains("cannot be converted to Scalar", e.NativeMessage);
        var t = torch.ones([2]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.sum());
        Assert.Throws<TorchException>(() => torch.cat([torch.ones([2, 2]), torch.ones([3, 3])], 0));
        if (!torch.cuda.is_available()) Assert.Throws<TorchException>(() => torch.tensor(new float[] { 1 }).to(torch.CUDA));
    }
}

public class DeviceTests
{
    [Fact]
    public void CudaAvailabilityIsABool()
    {
        var available = torch.cuda.is_available();
        Assert.True(torch.cuda.device_count() >= 0);
        if (!available) Assert.Equal(0, torch.cuda.device_count());
    }

    [Fact]
    public void DeviceParsingAndPrinting()
    {
        var cpu = torch.device("cpu");
        Assert.Equal(DeviceType.CPU, cpu.type);
        Assert.Equal("cpu", cpu.ToString());
        Assert.Equal(torch.CPU, torch.device(" CPU "));
        Assert.Equal("cuda", torch.device("cuda").ToString());
        Assert.Equal(new Device(DeviceType.CUDA, 1), torch.device("cuda:1"));
        Assert.Equal("cuda:1", torch.device("cuda:1").ToString());
        Assert.Throws<ArgumentException>(() => torch.device("tpu"));
        Assert.Throws<ArgumentException>(() => torch.device("cuda:-1"));

        using var t = torch.ones([2]);
        Assert.Equal(torch.CPU, t.device);
        Assert.Equal("cpu", t.device.ToString());
        using var moved = t.to(torch.device("cpu"));
        Assert.Equal(new float[] { 1, 1 }, moved.ToArray<float>());
    }

    [Fact]
    public void CudaRoundTripWhenAvailable()
    {
        if (!torch.cuda.is_available()) return; // exercised on a GPU machine only
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3 }).cuda();
        Assert.Equal(DeviceType.CUDA, x.device.type);
        Assert.Equal(new float[] { 2, 4, 6 }, x.mul(2).cpu().ToArray<float>());
    }
}
