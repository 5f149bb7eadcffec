using TorchSharp.Modules;

namespace Repro.Experiments.Models;

/// <summary>
/// VGG-11 (Simonyan and Zisserman 2015, configuration A) for 28x28 input: the eight 3x3 convolutions of
/// TorchVision's vgg11 (64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512) with its fifth max pooling left out,
/// because four poolings already bring 28 pixels down to 1, and a classifier sized for one 512-channel pixel.
/// TorchVision's own vgg11 cannot take 28x28: its fifth pooling would shrink the 1x1 map to nothing, and its
/// 25088-4096-4096 classifier alone holds 120M parameters.
/// </summary>
public sealed class VggOptions
{
    /// <summary>Filters of the eight convolutions (configuration A's, halved by default to suit 28x28 grey images).</summary>
    [Entries(8), AtLeast(1)]
    public List<int> ConvChannels { get; set; } = [32, 64, 128, 128, 256, 256, 256, 256];

    /// <summary>Widths of the two hidden fully connected layers (4096 in the paper).</summary>
    [Entries(2), AtLeast(1)]
    public List<int> HiddenUnits { get; set; } = [256, 256];

    /// <summary>Batch normalisation after every convolution (TorchVision's vgg11_bn).</summary>
    public bool BatchNorm { get; set; } = true;

    [Between(0, 1, BelowMaximum = true)]
    public double Dropout { get; set; } = 0.5;
}

/// <summary>VGG-11 for small images; see <see cref="VggOptions"/>.</summary>
public sealed class Vgg11 : torch.nn.Module<Tensor, Tensor>
{
    /// <summary>After which of the eight convolutions a 2x2 max pooling follows (configuration A, fifth pooling left out).</summary>
    static readonly int[] PoolAfter = [0, 1, 3, 5];

    readonly Sequential features = torch.nn.Sequential();
    readonly Sequential classifier = torch.nn.Sequential();

    public Vgg11(VggOptions options, int inputChannels, int inputSize, int classes) : base("Vgg11")
    {
        if (options.ConvChannels.Count != 8 || options.HiddenUnits.Count != 2)
            throw new ArgumentException("vgg11 has eight conv layers and two hidden fully connected layers");
        long channels = inputChannels, size = inputSize;
        for (var i = 0; i < 8; i++)
        {
            features.append($"conv{i + 1}", torch.nn.Conv2d(channels, options.ConvChannels[i], 3, padding: 1));
            if (options.BatchNorm) features.append($"bn{i + 1}", torch.nn.BatchNorm2d(options.ConvChannels[i]));
            features.append($"relu{i + 1}", torch.nn.ReLU());
            channels = options.ConvChannels[i];
            if (PoolAfter.Contains(i) && size >= 2)
            {
                features.append($"pool{i + 1}", torch.nn.MaxPool2d(2));
                size /= 2;
            }
        }
        classifier.append("flatten", torch.nn.Flatten());
        long inputs = channels * size * size;
        for (var i = 0; i < 2; i++)
        {
            classifier.append($"fc{i + 1}", torch.nn.Linear(inputs, options.HiddenUnits[i]));
            classifier.append($"relu{i + 1}", torch.nn.ReLU());
            if (options.Dropout > 0) classifier.append($"dropout{i + 1}", torch.nn.Dropout(options.Dropout));
            inputs = options.HiddenUnits[i];
        }
        classifier.append("fc3", torch.nn.Linear(inputs, classes));
        register_module("features", features);
        register_module("classifier", classifier);
        foreach (var (_, module) in named_modules())
            if (module is Conv2d conv)
            {
                torch.nn.init.kaiming_normal_(conv.weight, mode: torch.nn.init.FanInOut.FanOut);
                if (conv.bias is not null) torch.nn.init.zeros_(conv.bias);
            }
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return classifier.call(features.call(input)).MoveToOuterDisposeScope();
    }
}
