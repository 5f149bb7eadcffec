using Repro.Experiments.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Repro.Experiments.Models;

/// <summary>Where one position of a layer's feature map looks in the input: the square of input pixels that can reach it.</summary>
public readonly record struct ReceptiveField(int Size, int Jump, int Start)
{
    /// <summary>The input pixels of position (row, col), clipped to a height x width image.</summary>
    public PixelBox Box(int row, int col, int height, int width) =>
        new(Math.Max(0, Start + row * Jump), Math.Max(0, Start + col * Jump),
            Math.Min(height, Start + row * Jump + Size), Math.Min(width, Start + col * Jump + Size));
}

/// <summary>
/// Zeiler and Fergus's deconvnet (2014, Sect. 2.1 and Fig. 2): a feature map's activation projected back to pixel
/// space by unpooling through the switches the forward pass recorded, rectifying, and filtering with the transposed
/// filters, the other activations of that layer set to zero. That is the <see cref="BackwardRule.Deconvnet"/> rule
/// sent back from one position of one feature map.
/// </summary>
public static class Deconvnet
{
    /// <summary>
    /// For each image of <paramref name="images"/> [N,C,H,W], the projection [N,C,H,W] of its activation at
    /// (channel, row, col) of paper layer <paramref name="layer"/>'s output (after its ReLU, pooling and normalisation).
    /// </summary>
    public static Tensor Project(IReadOnlyList<nn.Module<Tensor, Tensor>> modules, Tensor images, IReadOnlyList<(int channel, int row, int col)> positions)
    {
        if (positions.Count != images.size(0)) throw new ArgumentException($"{positions.Count} positions for {images.size(0)} images");
        using var pass = RecordedPass.Run(modules, images);
        using var scope = torch.NewDisposeScope();
        var signal = torch.zeros_like(pass.Output);
        for (int i = 0; i < positions.Count; i++)
        {
            var (c, r, q) = positions[i];
            if (pass.Output.dim() == 4) signal[i, c, r, q] = pass.Output[i, c, r, q];
            else signal[i, c] = pass.Output[i, c];
        }
        return scope.MoveToOuter(pass.Backward(signal, BackwardRule.Deconvnet));
    }

    /// <summary>The receptive field of one position of the last module's output (convolutions and max pooling; other modules keep it).</summary>
    public static ReceptiveField Field(IEnumerable<nn.Module<Tensor, Tensor>> modules)
    {
        int size = 1, jump = 1, start = 0;
        foreach (var module in modules)
        {
            switch (module)
            {
                case Conv2d conv:
                {
                    int k = (int)conv.weight.size(2), stride = (int)conv.stride[0], pad = (int)(conv.padding?[0] ?? 0);
                    start -= pad * jump;
                    size += (k - 1) * jump;
                    jump *= stride;
                    break;
                }
                case MaxPool2d pool:
                {
                    int k = (int)pool.kernel_size[0], stride = (int)(pool.stride?[0] ?? pool.kernel_size[0]);
                    size += (k - 1) * jump;
                    jump *= stride;
                    break;
                }
                case Flatten or Linear:
                    return new ReceptiveField(int.MaxValue / 4, 0, -int.MaxValue / 8);
            }
        }
        return new ReceptiveField(size, jump, start);
    }
}
