using System.Runtime.Serialization;
using TorchSharp.Modules;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Models;

/// <summary>How a residual block's shortcut crosses a stage boundary, where the width doubles and the map halves.</summary>
public enum ShortcutKind
{
    /// <summary>He et al.'s option A: the identity, subsampled by 2 and padded with zero channels; no parameters.</summary>
    Identity,

    /// <summary>He et al.'s option B: a 1x1 convolution with stride 2 (and batch norm) where the shape changes.</summary>
    Projection,
}

/// <summary>
/// He et al. (2016), section 4.2: the CIFAR-10 family of 6n+2 weighted layers. A 3x3 convolution, then three
/// stages of 2n 3x3 convolutions with 16, 32 and 64 filters on maps of 28, 14 and 7 pixels (for 28x28 input;
/// 32, 16 and 8 on CIFAR), global average pooling and the fully connected classifier. The plain net and the
/// residual net share the layers; the residual one adds a shortcut around every pair of convolutions.
/// </summary>
public sealed class CifarNetOptions : ICheckedOptions
{
    /// <summary>Weighted layers, 6n+2: 8, 14, 20, 32, 44, 56, 110.</summary>
    [AtLeast(8)]
    public int Depth { get; set; } = 20;

    /// <summary>Filters of the three stages (the paper's 16, 32, 64).</summary>
    [Entries(3), AtLeast(1)]
    public List<int> Widths { get; set; } = [16, 32, 64];

    /// <summary>Batch normalisation after every convolution, before its ReLU, as in the paper.</summary>
    public bool BatchNorm { get; set; } = true;

    /// <summary>The residual net's shortcut where the shape changes: identity (option A, the paper's CIFAR choice) or projection.</summary>
    public ShortcutKind Shortcut { get; set; } = ShortcutKind.Identity;

    /// <summary>n: residual blocks (pairs of convolutions) per stage.</summary>
    public int BlocksPerStage => (Depth - 2) / 6;

    public IEnumerable<OptionProblem> Problems()
    {
        if (Depth >= 8 && (Depth - 2) % 6 != 0)
            yield return new(nameof(Depth), $"must be 6n+2 (8, 14, 20, 32, 44, 56, 110...), got {Depth}");
    }
}

/// <summary>
/// Two 3x3 convolutions, each with batch norm, a ReLU between them and one after; with a shortcut the block
/// outputs relu(F(x) + x) (He et al. 2016, Fig. 2), without one relu(F(x)) (the plain net's pair of layers).
/// </summary>
public sealed class ResidualBlock : torch.nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv1, conv2;
    readonly torch.nn.Module<Tensor, Tensor>? bn1, bn2;
    readonly torch.nn.Module<Tensor, Tensor>? projection;
    readonly bool residual;
    readonly long stride, inChannels, outChannels;

    public ResidualBlock(long inChannels, long outChannels, long stride, bool residual, bool batchNorm, ShortcutKind shortcut)
        : base("ResidualBlock")
    {
        this.residual = residual;
        this.stride = stride;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        // A convolution followed by batch norm needs no bias: the norm's shift takes its place.
        conv1 = torch.nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: !batchNorm);
        conv2 = torch.nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: !batchNorm);
        if (batchNorm)
        {
            bn1 = torch.nn.BatchNorm2d(outChannels);
            bn2 = torch.nn.BatchNorm2d(outChannels);
        }
        if (residual && shortcut == ShortcutKind.Projection && (stride != 1 || inChannels != outChannels))
        {
            var p = torch.nn.Sequential();
            p.append("conv", torch.nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: !batchNorm));
            if (batchNorm) p.append("bn", torch.nn.BatchNorm2d(outChannels));
            projection = p;
        }
        RegisterComponents();
    }

    /// <summary>True when the block adds its input back (a residual block), false for the plain net's pair of layers.</summary>
    public bool Residual => residual;

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = conv1.call(input);
        if (bn1 is not null) x = bn1.call(x);
        x = F.relu(x);
        x = conv2.call(x);
        if (bn2 is not null) x = bn2.call(x);
        if (residual) x = x + Shortcut(input);
        return F.relu(x).MoveToOuterDisposeScope();
    }

    /// <summary>The identity, or where the shape changes option A (subsample, pad zero channels) or B (projection).</summary>
    Tensor Shortcut(Tensor input)
    {
        if (projection is not null) return projection.call(input);
        if (stride == 1 && inChannels == outChannels) return input;
        var x = stride == 1 ? input : input[.., .., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)];
        var extra = outChannels - inChannels;
        // Zero channels split before and after, as in the common option-A implementation.
        return extra > 0 ? F.pad(x, [0, 0, 0, 0, extra / 2, extra - extra / 2]) : x;
    }
}

/// <summary>
/// He et al.'s CIFAR-10 plain or residual net (see <see cref="CifarNetOptions"/>), for grey or colour images of
/// any size: the stages keep the paper's widths and halve the map twice, and global average pooling takes the rest.
/// </summary>
public sealed class ResidualNet : torch.nn.Module<Tensor, Tensor>
{
    readonly Sequential stem = torch.nn.Sequential();
    readonly Sequential stages = torch.nn.Sequential();
    readonly Linear classifier;

    public ResidualNet(CifarNetOptions options, bool residual, int inputChannels, int classes) : base(residual ? "ResNet" : "PlainNet")
    {
        if (options.Depth < 8 || (options.Depth - 2) % 6 != 0)
            throw new ArgumentException($"depth must be 6n+2 (8, 14, 20, 32, ...), got {options.Depth}");
        if (options.Widths.Count != 3 || options.Widths.Any(w => w < 1))
            throw new ArgumentException("widths needs three positive entries, one per stage");
        Options = options;
        IsResidual = residual;
        stem.append("conv", torch.nn.Conv2d(inputChannels, options.Widths[0], 3, padding: 1, bias: !options.BatchNorm));
        if (options.BatchNorm) stem.append("bn", torch.nn.BatchNorm2d(options.Widths[0]));
        stem.append("relu", torch.nn.ReLU());
        long channels = options.Widths[0];
        for (var stage = 0; stage < 3; stage++)
            for (var block = 0; block < options.BlocksPerStage; block++)
            {
                long stride = stage > 0 && block == 0 ? 2 : 1;
                stages.append($"stage{stage + 1}_block{block + 1}",
                    new ResidualBlock(channels, options.Widths[stage], stride, residual, options.BatchNorm, options.Shortcut));
                channels = options.Widths[stage];
            }
        classifier = torch.nn.Linear(channels, classes);
        register_module("stem", stem);
        register_module("stages", stages);
        register_module("classifier", classifier);
        // He et al. initialise as in their 2015 paper (He et al., "Delving deep into rectifiers").
        foreach (var (_, module) in named_modules())
            if (module is Conv2d conv)
            {
                torch.nn.init.kaiming_normal_(conv.weight, mode: torch.nn.init.FanInOut.FanOut);
                if (conv.bias is not null) torch.nn.init.zeros_(conv.bias);
            }
    }

    public CifarNetOptions Options { get; }

    public bool IsResidual { get; }

    /// <summary>Weighted layers: the first convolution, two per block and the classifier (6n+2).</summary>
    public int WeightedLayers => 2 + 2 * stages.Count;

    public IEnumerable<ResidualBlock> Blocks => stages.children().OfType<ResidualBlock>();

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = stages.call(stem.call(input));
        x = F.adaptive_avg_pool2d(x, 1).flatten(1);
        return classifier.call(x).MoveToOuterDisposeScope();
    }
}
