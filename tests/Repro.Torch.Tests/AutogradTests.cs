using Xunit;

namespace Repro.Torch.Tests;

public class AutogradTests
{
    [Fact]
    public void BackwardAccumulatesIntoGrad()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 1, -2, 3 }).requires_grad_();
        Assert.Null(x.grad);
        var y = x.mul(x).mul(3).sum(); // d/dx 3x^2 = 6x
        y.backward();
        Expect.Close([6, -12, 18], x.grad!, 1e-12);
        // A second backward adds to the stored gradient, as in PyTorch.
        x.sum().backward();
        Expect.Close([7, -11, 19], x.grad!, 1e-12);
        x.zero_grad();
        Assert.Null(x.grad);
        // Backward with an explicit output gradient (vector-Jacobian product).
        x.mul(2).backward(torch.tensor(new double[] { 1, 10, 100 }));
        Expect.Close([2, 20, 200], x.grad!, 1e-12);
    }

    [Fact]
    public void GradWithRespectToInputs()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 1, 2 }).requires_grad_();
        var w = torch.tensor(new double[] { 3, -4 }).requires_grad_();
        var z = x.mul(w).sum().add(x.pow(2).sum()); // dz/dx = w + 2x, dz/dw = x
        var g = torch.autograd.grad([z], [x, w]);
        Expect.Close([5, 0], g[0]!, 1e-12);
        Expect.Close([1, 2], g[1]!, 1e-12);
        Assert.Null(x.grad);

        // create_graph: the gradient is itself differentiable (d/dx of 3x^2 is 6x, then 6).
        var c = x.pow(3).sum();
        var first = torch.autograd.grad([c], [x], create_graph: true)[0]!;
        Expect.Close([3, 12], first, 1e-12);
        var second = torch.autograd.grad([first.sum()], [x])[0]!;
        Expect.Close([6, 12], second, 1e-12);

        // An input the output does not depend on: an error unless allow_unused, then null.
        var unused = torch.tensor(new double[] { 1 }).requires_grad_();
        var d = x.sum();
        Assert.Throws<TorchException>(() => torch.autograd.grad([d], [unused], retain_graph: true));
        Assert.Null(torch.autograd.grad([d], [unused], allow_unused: true)[0]);
    }

    [Fact]
    public void RequiresGradPropagates()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones([2]);
        Assert.False(a.requires_grad);
        Assert.False(a.mul(2).requires_grad);
        a.requires_grad = true;
        Assert.True(a.requires_grad);
        Assert.True(a.mul(2).requires_grad);
        Assert.True(a.add(torch.ones([2])).requires_grad);
        // Integer tensors cannot require gradients: libtorch refuses.
        var e = Assert.Throws<TorchException>(() => torch.tensor(new long[] { 1 }).requires_grad = true);
        Assert.Contains("floating point", e.NativeMessage);
        // No gradient path: backward on a tensor that does not require grad is an error.
        Assert.Throws<TorchException>(() => torch.ones([1]).sum().backward());
    }

    [Fact]
    public void DetachStopsGradientsAndCloneKeepsThem()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 1, 2 }).requires_grad_();
        var d = x.detach();
        Assert.False(d.requires_grad);
        // y = 2 * detach(x) + x: only the second term carries gradient.
        d.mul(2).add(x).sum().backward();
        Expect.Close([1, 1], x.grad!, 1e-12);
        // detach shares storage: the values are the same tensor memory.
        Assert.Equal(new double[] { 1, 2 }, d.ToArray<double>());

        var x2 = torch.tensor(new double[] { 1, 2 }).requires_grad_();
        var c = x2.clone();
        Assert.True(c.requires_grad);
        c.mul(c).sum().backward(); // through the clone: d/dx x^2 = 2x
        Expect.Close([2, 4], x2.grad!, 1e-12);
        // clone copies storage: changing the clone leaves the original.
        using (torch.no_grad()) c.fill_(9);
        Assert.Equal(new double[] { 1, 2 }, x2.ToArray<double>());
    }

    [Fact]
    public void NoGradBuildsNoGraph()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new double[] { 1, 2 }).requires_grad_();
        Assert.True(torch.is_grad_enabled());
        Tensor y;
        using (torch.no_grad())
        {
            Assert.False(torch.is_grad_enabled());
            y = x.mul(3);
            Assert.False(y.requires_grad);
            using (torch.enable_grad()) Assert.True(x.mul(3).requires_grad);
            Assert.False(torch.is_grad_enabled());
        }
        Assert.True(torch.is_grad_enabled());
        Assert.Throws<TorchException>(() => y.sum().backward());
        Assert.True(x.mul(3).requires_grad);
    }
}
