using TorchSharp.Modules;

namespace Repro.Experiments.Models;

/// <summary>
/// TorchVision's resnet18 (He et al. 2016, the 18-layer ImageNet net, from the TorchVision package) on small grey
/// images: a grey image is repeated into the three channels the net's first convolution takes (TorchVision's
/// Grayscale(num_output_channels=3)), and the input keeps its size: the 7x7 stride-2 convolution and max pooling
/// bring 28 pixels to 7, the four stages to 1, and the adaptive average pooling takes that. The net itself is
/// TorchVision's, unchanged, with a classifier for the data set's classes.
/// </summary>
public sealed class TorchVisionResNet18 : torch.nn.Module<Tensor, Tensor>
{
    readonly ResNet net;
    readonly int inputChannels;

    public TorchVisionResNet18(int inputChannels, int classes) : base("TorchVisionResNet18")
    {
        if (inputChannels is not (1 or 3))
            throw new ArgumentException($"resnet18 takes grey or RGB images, got {inputChannels} channels");
        this.inputChannels = inputChannels;
        net = torchvision.models.resnet18(num_classes: classes);
        register_module("net", net);
    }

    public override Tensor forward(Tensor input)
    {
        if (inputChannels == 3) return net.call(input);
        using var colour = input.expand(-1, 3, -1, -1);
        return net.call(colour);
    }
}
