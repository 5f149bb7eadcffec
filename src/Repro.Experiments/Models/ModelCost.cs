using TorchSharp.Modules;

namespace Repro.Experiments.Models;

/// <summary>What a model costs: parameters and multiply-adds of one forward pass of one image.</summary>
public static class ModelCost
{
    /// <summary>Trainable and frozen parameters (batch norm's running statistics are buffers, not counted).</summary>
    public static long Parameters(torch.nn.Module model) => model.parameters().Sum(p => p.numel());

    /// <summary>
    /// Multiply-adds of the convolutions and fully connected layers in one forward pass of one image of
    /// <paramref name="channels"/> x <paramref name="size"/> x <paramref name="size"/>, the count He et al. give
    /// as "FLOPs" (batch norm, ReLU, pooling and the shortcuts' additions not counted). A convolution costs its
    /// weights (out x in/groups x k x k) per output pixel, a linear layer its weights. Counted from a real forward
    /// pass, so what a net skips or reshapes is what it costs.
    /// </summary>
    public static long MultiplyAdds(torch.nn.Module<Tensor, Tensor> model, int channels, int size)
    {
        long total = 0;
        var removers = new List<Action>();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is Conv2d conv)
                {
                var hook = conv.register_forward_hook((_, _, output) =>
                {
                    total += conv.weight.numel() * output.shape[2] * output.shape[3];
                    return output;
                });
                removers.Add(hook.remove);
            }
            else if (module is Linear linear)
                {
                var hook = linear.register_forward_hook((_, _, output) =>
                {
                    total += linear.weight.numel();
                    return output;
                });
                removers.Add(hook.remove);
            }
        }
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            model.call(torch.zeros(1, channels, size, size));
        }
        finally
        {
            model.train(wasTraining);
            foreach (var remove in removers) remove();
        }
        return total;
    }
}
