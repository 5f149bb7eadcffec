using TorchSharp.Modules;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Detection;

/// <summary>The shared convolutional trunk: 3x3 conv + ReLU stages, each but the last followed by 2x2 max pooling.</summary>
public sealed class BackboneOptions
{
    /// <summary>Output channels of each stage; n stages give a feature stride of 2^(n-1) pixels.</summary>
    [NotEmpty, AtLeast(1)]
    public List<int> Channels { get; set; } = [32, 64, 96, 128];
}

/// <summary>The fully connected layers on a pooled region (fc6, fc7), as in the VGG-style heads of all three papers.</summary>
public sealed class HeadOptions
{
    /// <summary>RoI pooling grid (Fast and Faster R-CNN) and the feature grid of a warped R-CNN crop: pool_size x pool_size cells.</summary>
    [AtLeast(1)]
    public int PoolSize { get; set; } = 4;

    /// <summary>Width of fc6 and fc7.</summary>
    [AtLeast(1)]
    public int HiddenUnits { get; set; } = 256;

    /// <summary>Dropout after fc6 and fc7 while training.</summary>
    [Between(0, 1, BelowMaximum = true)]
    public double Dropout { get; set; } = 0.25;
}

/// <summary>
/// A small VGG-like trunk for 128x128 RGB canvases (the papers use VGG16/AlexNet at ~600 px): every stage is a
/// 3x3 convolution with padding 1 and a ReLU; all stages but the last halve the resolution by 2x2 max pooling.
/// </summary>
public sealed class ConvBackbone : torch.nn.Module<Tensor, Tensor>
{
    readonly Sequential layers = torch.nn.Sequential();

    public ConvBackbone(BackboneOptions options) : base("ConvBackbone")
    {
        if (options.Channels.Count == 0) throw new ArgumentException("backbone.channels needs at least one stage");
        long input = 3;
        for (int i = 0; i < options.Channels.Count; i++)
        {
            var conv = torch.nn.Conv2d(input, options.Channels[i], 3, padding: 1);
            torch.nn.init.kaiming_normal_(conv.weight);
            torch.nn.init.zeros_(conv.bias!);
            layers.append($"conv{i + 1}", conv);
            layers.append($"relu{i + 1}", torch.nn.ReLU());
            if (i < options.Channels.Count - 1) layers.append($"pool{i + 1}", torch.nn.MaxPool2d(2));
            input = options.Channels[i];
        }
        OutChannels = input;
        Stride = 1 << (options.Channels.Count - 1);
        register_module("layers", layers);
    }

    public long OutChannels { get; }

    /// <summary>Pixels between neighbouring feature cells.</summary>
    public int Stride { get; }

    public override Tensor forward(Tensor input) => layers.forward(input);
}

/// <summary>fc6 and fc7 (ReLU, dropout) on a flattened region feature, then a softmax classifier over background
/// and the classes and, when asked for, class-specific box regressors.</summary>
public sealed class RegionHead : torch.nn.Module<Tensor, Tensor>
{
    readonly Linear fc6, fc7, classifier;
    readonly Linear? regressor;
    readonly double dropout;

    public RegionHead(long inputFeatures, HeadOptions options, int classes, bool boxRegression) : base("RegionHead")
    {
        dropout = options.Dropout;
        register_module("fc6", fc6 = torch.nn.Linear(inputFeatures, options.HiddenUnits));
        register_module("fc7", fc7 = torch.nn.Linear(options.HiddenUnits, options.HiddenUnits));
        // Small initial scores and deltas, as in the Fast R-CNN reference models (std 0.01 and 0.001).
        register_module("cls_score", classifier = torch.nn.Linear(options.HiddenUnits, classes + 1));
        torch.nn.init.normal_(classifier.weight, 0, 0.01);
        torch.nn.init.zeros_(classifier.bias!);
        if (boxRegression)
        {
            register_module("bbox_pred", regressor = torch.nn.Linear(options.HiddenUnits, 4 * (classes + 1)));
            torch.nn.init.normal_(regressor.weight, 0, 0.001);
            torch.nn.init.zeros_(regressor.bias!);
        }
        Classes = classes;
    }

    public int Classes { get; }

    /// <summary>fc7 activations [N, hidden] of flattened region features [N, D].</summary>
    public Tensor Features(Tensor regions)
    {
        using var scope = torch.NewDisposeScope();
        var x = F.relu(fc6.forward(regions.flatten(1)));
        if (dropout > 0) x = F.dropout(x, dropout, training);
        x = F.relu(fc7.forward(x));
        if (dropout > 0) x = F.dropout(x, dropout, training);
        return scope.MoveToOuter(x);
    }

    /// <summary>Class scores (logits) [N, classes + 1], background first.</summary>
    public override Tensor forward(Tensor regions)
    {
        using var scope = torch.NewDisposeScope();
        return scope.MoveToOuter(classifier.forward(Features(regions)));
    }

    /// <summary>Logits [N, classes + 1] and box deltas [N, 4 (classes + 1)] from fc7 features.</summary>
    public (Tensor scores, Tensor deltas) Predict(Tensor fc7Features)
    {
        if (regressor is null) throw new InvalidOperationException("this head has no box regressor");
        return (classifier.forward(fc7Features), regressor.forward(fc7Features));
    }
}

/// <summary>
/// Faster R-CNN's region proposal network (Ren et al. 2015, sec. 3.1): a 3x3 convolution over the shared
/// features, then per cell one objectness logit and four box deltas for each anchor.
/// </summary>
public sealed class RegionProposalNetwork : torch.nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv, objectness, deltas;

    public RegionProposalNetwork(long channels, int anchorsPerCell) : base("RegionProposalNetwork")
    {
        register_module("conv", conv = torch.nn.Conv2d(channels, channels, 3, padding: 1));
        register_module("objectness", objectness = torch.nn.Conv2d(channels, anchorsPerCell, 1));
        register_module("bbox_pred", deltas = torch.nn.Conv2d(channels, 4 * anchorsPerCell, 1));
        foreach (var c in new[] { conv, objectness, deltas })
        {
            torch.nn.init.normal_(c.weight, 0, 0.01);
            torch.nn.init.zeros_(c.bias!);
        }
        AnchorsPerCell = anchorsPerCell;
    }

    public int AnchorsPerCell { get; }

    /// <summary>Objectness logits [H*W*A] and deltas [H*W*A, 4] for one image's features [1, C, H, W], in anchor order.</summary>
    public (Tensor objectness, Tensor deltas) Predict(Tensor features)
    {
        using var scope = torch.NewDisposeScope();
        var x = F.relu(conv.forward(features));
        long h = x.size(2), w = x.size(3);
        var o = objectness.forward(x).permute(0, 2, 3, 1).reshape(-1);
        var d = deltas.forward(x).view(1, AnchorsPerCell, 4, h, w).permute(0, 3, 4, 1, 2).reshape(-1, 4);
        return (scope.MoveToOuter(o), scope.MoveToOuter(d));
    }

    public override Tensor forward(Tensor features) => Predict(features).objectness;
}
