using Xunit;

namespace Repro.Torch.Tests;

public class ElementwiseTests
{
    [Fact]
    public void ArithmeticAndBroadcasting()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new double[] { 1, 2, 3, 4 }, 2, 2);
        var row = torch.tensor(new double[] { 10, 20 }, 1, 2);
        Expect.Close([11, 22, 13, 24], a + row, 0);
        Expect.Close([-9, -18, -7, -16], a - row, 0);
        Expect.Close([9, 8, 7, 6], 10 - a, 0);
        Expect.Close([0.5, 1, 1.5, 2], a / 2, 0);
        Expect.Close([1, 4, 9, 16], a.pow(2), 0);
        Expect.Close([1, 2, 3, 4], a.add(row, alpha: 0), 0);
        Expect.Close([21, 42, 23, 44], a.add(row, alpha: 2), 0);
        Expect.Close([1, 2, 2.5, 2.5], a.clamp(max: 2.5), 0);
        Expect.Close([2, 2, 3, 3], a.clamp(2, 3), 0);
        Expect.Close([Math.Exp(1), Math.Exp(2), Math.Exp(3), Math.Exp(4)], a.exp(), 1e-15);
        Expect.Close([1 / (1 + Math.Exp(-1)), 1 / (1 + Math.Exp(-2)), 1 / (1 + Math.Exp(-3)), 1 / (1 + Math.Exp(-4))], a.sigmoid(), 1e-15);
        Expect.Close([3, 4, 3, 4], torch.where(a.gt(2), a, a.add(2)), 0);
        Expect.Close([0, 1, 0, 0, 0, 1], torch.one_hot(torch.tensor(new long[] { 1, 2 }), 3), 0);
        Expect.Close([1, 0, 0, 1], torch.eye(2), 0);
        Expect.Close([0, 0.25, 0.5, 0.75, 1], torch.linspace(0, 1, 5), 1e-7);
        Expect.Close([2, 2.5, 3, 3.5], torch.arange(2, 4, 0.5, ScalarType.Float64), 0);
        Expect.Close([7, 7, 7], torch.full([3], 7), 0);
        var m = torch.tensor(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Expect.Close([22, 28, 49, 64], m.matmul(torch.tensor(new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2)), 0);
    }

    [Fact]
    public void Reductions()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 1, 2, 3, 4, 6, 8 }, 2, 3);
        Assert.Equal(24, x.sum().item<double>());
        Expect.Close([5, 8, 11], x.sum(0), 0);
        Expect.Close([6, 18], x.sum(1), 0);
        Expect.Shape([2, 1], x.sum(1, keepdim: true));
        Expect.Close([2, 6], x.mean(1), 1e-15);
        // Unbiased (n - 1) by default, as PyTorch.
        Expect.Close([1, 2], x.std(1), 1e-15);
        Expect.Close([Math.Sqrt(2.0 / 3), Math.Sqrt(8.0 / 3)], x.std(1, unbiased: false), 1e-15);
        Expect.Close([1, 4], x.var(1), 1e-15);
        Assert.Equal(8, x.max().item<double>());
        Assert.Equal(1, x.min().item<double>());
        Expect.Close([4, 6, 8], x.amax(0), 0);
        Expect.Close([Math.Sqrt(1 + 4 + 9 + 16 + 36 + 64)], x.norm(), 1e-15);
        Expect.Close([6, 18], x.norm(1, [1]), 1e-15);
        Expect.Close([1, 3, 6, 4, 10, 18], x.cumsum(1), 0);
        Assert.True(x.gt(0).all().item<bool>());
        Assert.False(x.gt(5).all().item<bool>());
        Assert.True(x.gt(7).any().item<bool>());
        Assert.Equal(new long[] { 1, 1, 1, 2 }, x.gt(5).nonzero().ToArray<long>());
        var parts = x.split(1, 1);
        Assert.Equal(3, parts.Length);
        Expect.Close([2, 6], parts[1], 0);
        Assert.Equal(2, x.chunk(2, 0).Length);
    }

    [Fact]
    public void SeededRandomnessRepeats()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(123);
        var a = torch.randn([5]).ToArray<float>();
        var p = torch.randperm(6).ToArray<long>();
        torch.manual_seed(123);
        Assert.Equal(a, torch.randn([5]).ToArray<float>());
        Assert.Equal(p, torch.randperm(6).ToArray<long>());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, p.Order());
        var u = torch.rand([1000]).ToArray<float>();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(u.Average(), 0.45, 0.55);
        var r = torch.randint(3, 5, [1000]).ToArray<long>();
        Assert.All(r, v => Assert.InRange(v, 3, 4));
    }
}

public class ModuleTests
{
    /// <summary>A layer that hands back the very tensor it was given, as PyTorch modules may.</summary>
    sealed class PassThrough : torch.nn.Module<Tensor, Tensor>
    {
        public PassThrough() : base("PassThrough") { }
        public override Tensor forward(Tensor input) => input;
    }

    [Fact]
    public void SequentialKeepsATensorALayerPassesThrough()
    {
        using var scope = torch.NewDisposeScope();
        using var model = torch.nn.Sequential(("double", torch.nn.Linear(2, 2)), ("same", new PassThrough()), ("relu", torch.nn.ReLU()));
        var x = torch.ones([1, 2]);
        var y = model.forward(x);
        Assert.False(x.IsDisposed);
        Assert.Equal(2, y.ToArray<float>().Length);
        using var only = torch.nn.Sequential(("same", new PassThrough()));
        var z = only.forward(x);
        Assert.Equal(new float[] { 1, 1 }, z.ToArray<float>());
    }

    [Fact]
    public void SequentialNamesParametersAndBuffersByPath()
    {
        using var model = torch.nn.Sequential(
            ("features", torch.nn.Sequential(("conv", torch.nn.Conv2d(1, 2, 3)), ("bn", torch.nn.BatchNorm2d(2)))),
            ("flatten", torch.nn.Flatten()),
            ("fc", torch.nn.Linear(8, 3, hasBias: false)));
        Assert.Equal(new[] { "features.conv.weight", "features.conv.bias", "features.bn.weight", "features.bn.bias", "fc.weight" },
            model.named_parameters().Select(p => p.name));
        Assert.Equal(new[] { "features.bn.running_mean", "features.bn.running_var" }, model.named_buffers().Select(b => b.name));
        Assert.Equal(18 + 2 + 2 + 2 + 24, model.parameter_count());
        Assert.Equal(7, model.state_dict().Count);
        Assert.Equal(new[] { "", "features", "features.conv", "features.bn", "flatten", "fc" }, model.named_modules().Select(m => m.name));

        Assert.True(model.training);
        model.eval();
        Assert.All(model.named_modules(), m => Assert.False(m.module.training));
        model.train();
        Assert.All(model.named_modules(), m => Assert.True(m.module.training));

        using var scope = torch.NewDisposeScope();
        var y = model.forward(torch.ones([2, 1, 4, 4]));
        Expect.Shape([2, 3], y);
        Assert.Throws<ArgumentException>(() => model.load_state_dict(new Dictionary<string, Tensor> { ["fc.weight"] = torch.zeros([3, 8]) }));
        model.load_state_dict(new Dictionary<string, Tensor> { ["fc.weight"] = torch.zeros([3, 8]) }, strict: false);
        Assert.All(Expect.Values(model.forward(torch.ones([2, 1, 4, 4]))), v => Assert.Equal(0, v));
        Assert.Throws<ArgumentException>(() => model.load_state_dict(new Dictionary<string, Tensor> { ["fc.weight"] = torch.zeros([8, 3]) }, strict: false));
    }
}
