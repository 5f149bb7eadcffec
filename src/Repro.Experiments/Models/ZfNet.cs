using System.Runtime.Serialization;
using TorchSharp.Modules;

namespace Repro.Experiments.Models;

/// <summary>How the ZF-style net's weights start.</summary>
public enum WeightInit
{
    /// <summary>He et al. 2015: N(0, 2/fan_in), zero biases.</summary>
    Kaiming,

    /// <summary>PyTorch's layer default, U(+-1/sqrt(fan_in)).</summary>
    [EnumMember(Value = "pytorch")]
    PyTorch,
}

/// <summary>
/// Shape of the ZF-style network (Zeiler and Fergus 2014, Fig. 3) scaled to small grey images: five
/// convolutional layers (1..5) and three fully connected ones (6, 7 and the classifier 8). Layers 1 and 2
/// are followed by max pooling and local response normalisation and layer 5 by max pooling, as in the paper.
/// </summary>
public sealed class ZfNetOptions
{
    /// <summary>Output channels of conv layers 1..5.</summary>
    [Entries(5), AtLeast(1)]
    public List<int> ConvChannels { get; set; } = [32, 64, 96, 96, 64];

    /// <summary>Width of fully connected layers 6 and 7.</summary>
    [Entries(2), AtLeast(1)]
    public List<int> HiddenUnits { get; set; } = [256, 256];

    /// <summary>Kernel size of conv layers 1..5 (padding keeps the spatial size).</summary>
    [Entries(5), AtLeast(1)]
    public List<int> KernelSizes { get; set; } = [5, 3, 3, 3, 3];

    /// <summary>Local response normalisation after layers 1 and 2 (the paper's "contrast normalisation").</summary>
    public bool LocalResponseNorm { get; set; } = true;

    /// <summary>Batch normalisation after every conv layer, before its ReLU (not in the paper; off by default).</summary>
    public bool BatchNorm { get; set; }

    /// <summary>Dropout before layers 6, 7 and 8 during training (the paper uses 0.5 in layers 6 and 7).</summary>
    [Between(0, 1, BelowMaximum = true)]
    public double Dropout { get; set; } = 0.5;

    /// <summary>
    /// Weight initialisation: kaiming (He et al. 2015: N(0, 2/fan_in), zero biases), which keeps the signal
    /// alive through eight ReLU layers without batch normalisation, or pytorch (PyTorch's layer default,
    /// U(+-1/sqrt(fan_in)), under which the logits of this deep net start near zero and SGD stalls at ln 10).
    /// </summary>
    public WeightInit Init { get; set; } = WeightInit.Kaiming;

    /// <summary>Layers (1..7) to remove, as in the "importance of depth" ablation; the classifier (8) stays.</summary>
    [Between(1, 7)]
    public List<int> RemovedLayers { get; set; } = [];
}

/// <summary>The ZF-style ConvNet, as one block per paper layer so that layers can be tapped, copied, frozen or removed.</summary>
public sealed class ZfNet : torch.nn.Module<Tensor, Tensor>
{
    readonly List<(int layer, Sequential block)> blocks = new();

    public ZfNet(ZfNetOptions options, int inputChannels, int inputSize, int classes) : base("ZfNet")
    {
        Options = options;
        if (options.ConvChannels.Count != 5 || options.KernelSizes.Count != 5)
            throw new ArgumentException("the ZF-style net has five conv layers: conv_channels and kernel_sizes need five entries each");
        if (options.HiddenUnits.Count != 2) throw new ArgumentException("the ZF-style net has two hidden fully connected layers: hidden_units needs two entries");
        foreach (var r in options.RemovedLayers)
            if (r < 1 || r > 7) throw new ArgumentException($"removed_layers: layer {r} does not exist (1..7 can be removed; 8 is the classifier)");

        long channels = inputChannels, size = inputSize;
        for (var layer = 1; layer <= 5; layer++)
        {
            if (options.RemovedLayers.Contains(layer)) continue;
            var block = torch.nn.Sequential();
            var k = options.KernelSizes[layer - 1];
            block.append("conv", torch.nn.Conv2d(channels, options.ConvChannels[layer - 1], k, padding: k / 2));
            if (options.BatchNorm) block.append("bn", torch.nn.BatchNorm2d(options.ConvChannels[layer - 1]));
            block.append("relu", torch.nn.ReLU());
            if (layer is 1 or 2 or 5 && size >= 2)
            {
                block.append("pool", torch.nn.MaxPool2d(2));
                size /= 2;
            }
            if (layer is 1 or 2 && options.LocalResponseNorm) block.append("norm", new LocalResponseNorm(5, 1e-4, 0.75, 2.0));
            channels = options.ConvChannels[layer - 1];
            Add(layer, block);
        }
        long features = channels * size * size;
        var flattened = false;
        for (var layer = 6; layer <= 7; layer++)
        {
            if (options.RemovedLayers.Contains(layer)) continue;
            var block = torch.nn.Sequential();
            if (!flattened) block.append("flatten", torch.nn.Flatten());
            else if (options.Dropout > 0) block.append("dropout", torch.nn.Dropout(options.Dropout));
            flattened = true;
            block.append("fc", torch.nn.Linear(features, options.HiddenUnits[layer - 6]));
            block.append("relu", torch.nn.ReLU());
            features = options.HiddenUnits[layer - 6];
            Add(layer, block);
        }
        var classifier = torch.nn.Sequential();
        if (!flattened) classifier.append("flatten", torch.nn.Flatten());
        else if (options.Dropout > 0) classifier.append("dropout", torch.nn.Dropout(options.Dropout));
        classifier.append("fc", torch.nn.Linear(features, classes));
        Add(8, classifier);
        Classes = classes;
        Initialise(options.Init);
    }

    void Initialise(WeightInit init)
    {
        switch (init)
        {
            case WeightInit.PyTorch:
                return;
            case WeightInit.Kaiming:
                foreach (var (_, module) in named_modules())
                {
                    if (module is Conv2d conv) Kaiming(conv.weight, conv.bias);
                    else if (module is Linear linear) Kaiming(linear.weight, linear.bias);
                }
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "unknown initialisation");
        }
    }

    static void Kaiming(Tensor weight, Tensor? bias)
    {
        torch.nn.init.kaiming_normal_(weight);
        if (bias is not null) torch.nn.init.zeros_(bias);
    }

    void Add(int layer, Sequential block)
    {
        register_module($"layer{layer}", block);
        blocks.Add((layer, block));
    }

    public ZfNetOptions Options { get; }

    public int Classes { get; }

    /// <summary>The paper's layer numbers present in this network, input to output.</summary>
    public IReadOnlyList<int> Layers => blocks.Select(b => b.layer).ToList();

    public Sequential Block(int layer) => blocks.First(b => b.layer == layer).block;

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (_, block) in blocks)
        {
            var y = block.forward(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = y;
        }
        return x;
    }

    /// <summary>
    /// Runs the network up to and including <paramref name="lastLayer"/> and returns each block's output by
    /// layer number (the activations the paper taps: after ReLU, pooling and normalisation of that layer).
    /// </summary>
    public Dictionary<int, Tensor> Activations(Tensor input, int lastLayer = 8)
    {
        var result = new Dictionary<int, Tensor>();
        var x = input;
        foreach (var (layer, block) in blocks)
        {
            if (layer > lastLayer) break;
            x = block.forward(x);
            result[layer] = x;
        }
        return result;
    }
}
