using System.Runtime.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Repro.Experiments.Models;

/// <summary>
/// How a signal from above crosses a ReLU on its way back to the input (Springenberg et al. 2015, as written in
/// the course notes). With f the ReLU's input and R the signal arriving at its output:
/// backpropagation R' = (f &gt; 0) R; the 'deconvnet' R' = (R &gt; 0) R; guided backpropagation R' = (f &gt; 0)(R &gt; 0) R.
/// Every other layer passes the signal back as its gradient does (max pooling through its recorded switches,
/// convolutions through their transposed filters).
/// </summary>
public enum BackwardRule
{
    /// <summary>Plain backpropagation: the gradient (Simonyan et al. 2014).</summary>
    Gradient,

    /// <summary>Zeiler and Fergus's deconvnet: the signal is rectified, the forward pass's ReLU mask is ignored.</summary>
    Deconvnet,

    /// <summary>Springenberg et al.: both masks.</summary>
    [EnumMember(Value = "guided-backprop")]
    GuidedBackprop,
}

/// <summary>The three backward rules through a ReLU, and a recorded forward pass that applies one of them on the way back.</summary>
public static class BackwardRules
{
    /// <summary>The signal below a ReLU whose input was <paramref name="reluInput"/>, given <paramref name="upstream"/> above it.</summary>
    public static Tensor ThroughRelu(BackwardRule rule, Tensor reluInput, Tensor upstream) => rule switch
    {
        BackwardRule.Gradient => upstream * reluInput.gt(0).to(upstream.dtype),
        BackwardRule.Deconvnet => upstream.clamp_min(0),
        BackwardRule.GuidedBackprop => upstream.clamp_min(0) * reluInput.gt(0).to(upstream.dtype),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown backward rule"),
    };

    /// <summary>The modules of a ZF-style net from the input up to the output of paper layer <paramref name="lastLayer"/>, in order.</summary>
    public static List<nn.Module<Tensor, Tensor>> Modules(ZfNet net, int lastLayer = 8)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        foreach (var layer in net.Layers)
        {
            if (layer > lastLayer) break;
            modules.AddRange(Flatten(net.Block(layer)));
        }
        return modules;
    }

    /// <summary>The leaf modules of a sequential stack, in order.</summary>
    public static List<nn.Module<Tensor, Tensor>> Flatten(Sequential sequential)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        foreach (var (_, child) in sequential.named_children())
        {
            if (child is Sequential inner) modules.AddRange(Flatten(inner));
            else if (child is nn.Module<Tensor, Tensor> module) modules.Add(module);
            else throw new ArgumentException($"module {child.GetName()} does not map a tensor to a tensor");
        }
        return modules;
    }
}

/// <summary>
/// A forward pass through a chain of modules that keeps every module's input, so that a signal placed on the
/// output can be sent back to the input under a <see cref="BackwardRule"/>: each ReLU applies the rule, every other
/// module its own gradient (autograd of that module alone). Under <see cref="BackwardRule.Gradient"/> the result is
/// the gradient of &lt;signal, output&gt; with respect to the input.
/// </summary>
public sealed class RecordedPass : IDisposable
{
    readonly List<(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output)> steps = new();

    RecordedPass() { }

    /// <summary>The output of the last module (a tensor owned by the pass).</summary>
    public Tensor Output { get; private set; } = null!;

    public static RecordedPass Run(IReadOnlyList<nn.Module<Tensor, Tensor>> modules, Tensor input)
    {
        if (modules.Count == 0) throw new ArgumentException("a recorded pass needs at least one module");
        var pass = new RecordedPass();
        using var scope = torch.NewDisposeScope();
        using var enabled = torch.enable_grad();
        var x = input.detach();
        foreach (var module in modules)
        {
            var step = x.requires_grad_(true);
            var y = module.forward(step);
            pass.steps.Add((module, step.DetachFromDisposeScope(), y.DetachFromDisposeScope()));
            x = y.detach();
        }
        pass.Output = pass.steps[^1].output.detach().DetachFromDisposeScope();
        return pass;
    }

    /// <summary>Sends <paramref name="signal"/> (shaped like <see cref="Output"/>) back to the input under <paramref name="rule"/>; the result is detached.</summary>
    public Tensor Backward(Tensor signal, BackwardRule rule)
    {
        if (!signal.shape.SequenceEqual(Output.shape))
            throw new ArgumentException($"signal [{string.Join(",", signal.shape)}] does not match the output [{string.Join(",", Output.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var enabled = torch.enable_grad();
        var r = signal.detach();
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            var (module, input, output) = steps[i];
            r = module is ReLU
                ? BackwardRules.ThroughRelu(rule, input.detach(), r)
                : torch.autograd.grad([output], [input], [r], retain_graph: true, allow_unused: true)[0] ?? torch.zeros_like(input);
        }
        return scope.MoveToOuter(r.detach());
    }

    public void Dispose()
    {
        foreach (var (_, input, output) in steps)
        {
            input.Dispose();
            output.Dispose();
        }
        steps.Clear();
        Output?.Dispose();
    }
}
