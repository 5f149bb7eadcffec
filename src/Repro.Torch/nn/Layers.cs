using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Modules;

using Module = torch.nn.Module<Tensor, Tensor>;

/// <summary>PyTorch's default initialisation for linear and convolution layers: kaiming_uniform(a=sqrt(5)),
/// i.e. weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from torch's seeded generator.</summary>
internal static class DefaultInit
{
    internal static Tensor Uniform(long[] shape, long fanIn)
    {
        var bound = 1.0 / Math.Sqrt(fanIn);
        using (torch.no_grad()) return torch.empty(shape).uniform_(-bound, bound);
    }
}

public sealed class Linear : Module
{
    public Linear(long in_features, long out_features, bool hasBias = true) : base("Linear")
    {
        InFeatures = in_features;
        OutFeatures = out_features;
        register_parameter("weight", DefaultInit.Uniform([out_features, in_features], in_features));
        if (hasBias) register_parameter("bias", DefaultInit.Uniform([out_features], in_features));
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Tensor weight => Parameter("weight");
    public Tensor? bias => named_parameters().Any(p => p.name == "bias") ? Parameter("bias") : null;

    public override Tensor forward(Tensor input) => F.linear(input, weight, bias);
}

public sealed class Conv2d : Module
{
    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long groups = 1, bool hasBias = true) : base("Conv2d")
    {
        InChannels = in_channels;
        OutChannels = out_channels;
        KernelSize = kernel_size;
        Stride = stride;
        Padding = padding;
        Groups = groups;
        var fanIn = in_channels / groups * kernel_size * kernel_size;
        register_parameter("weight", DefaultInit.Uniform([out_channels, in_channels / groups, kernel_size, kernel_size], fanIn));
        if (hasBias) register_parameter("bias", DefaultInit.Uniform([out_channels], fanIn));
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public long KernelSize { get; }
    public long Stride { get; }
    public long Padding { get; }
    public long Groups { get; }
    public Tensor weight => Parameter("weight");
    public Tensor? bias => named_parameters().Any(p => p.name == "bias") ? Parameter("bias") : null;

    public override Tensor forward(Tensor input) => F.conv2d(input, weight, bias, Stride, Padding, 1, Groups);
}

public sealed class ConvTranspose2d : Module
{
    public ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long output_padding = 0, bool hasBias = true) : base("ConvTranspose2d")
    {
        Stride = stride;
        Padding = padding;
        OutputPadding = output_padding;
        var fanIn = out_channels * kernel_size * kernel_size; // PyTorch computes fan_in from weight dim 1
        register_parameter("weight", DefaultInit.Uniform([in_channels, out_channels, kernel_size, kernel_size], fanIn));
        if (hasBias) register_parameter("bias", DefaultInit.Uniform([out_channels], fanIn));
    }

    public long Stride { get; }
    public long Padding { get; }
    public long OutputPadding { get; }
    public Tensor weight => Parameter("weight");
    public Tensor? bias => named_parameters().Any(p => p.name == "bias") ? Parameter("bias") : null;

    public override Tensor forward(Tensor input) => F.conv_transpose2d(input, weight, bias, Stride, Padding, OutputPadding);
}

public sealed class ReLU : Module
{
    public ReLU() : base("ReLU") { }
    public override Tensor forward(Tensor input) => F.relu(input);
}

public sealed class Dropout : Module
{
    public Dropout(double p = 0.5) : base("Dropout") => P = p;
    public double P { get; }
    public override Tensor forward(Tensor input) => P == 0 ? input.alias() : F.dropout(input, P, training);
}

public sealed class MaxPool2d : Module
{
    public MaxPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false) : base("MaxPool2d")
    {
        KernelSize = kernel_size;
        Stride = stride ?? kernel_size;
        Padding = padding;
        CeilMode = ceil_mode;
    }

    public long KernelSize { get; }
    public long Stride { get; }
    public long Padding { get; }
    public bool CeilMode { get; }

    public override Tensor forward(Tensor input) => F.max_pool2d(input, KernelSize, Stride, Padding, 1, CeilMode);

    /// <summary>The pooled output and its switches, for a deconvnet's unpooling.</summary>
    public (Tensor output, Tensor indices) forward_with_indices(Tensor input) => F.max_pool2d_with_indices(input, KernelSize, Stride, Padding, 1, CeilMode);
}

public sealed class AdaptiveAvgPool2d : Module
{
    public AdaptiveAvgPool2d(long height, long width) : base("AdaptiveAvgPool2d") => OutputSize = [height, width];
    public long[] OutputSize { get; }
    public override Tensor forward(Tensor input) => F.adaptive_avg_pool2d(input, OutputSize);
}

public sealed class LocalResponseNorm : Module
{
    public LocalResponseNorm(long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0) : base("LocalResponseNorm")
    {
        Size = size; Alpha = alpha; Beta = beta; K = k;
    }

    public long Size { get; }
    public double Alpha { get; }
    public double Beta { get; }
    public double K { get; }
    public override Tensor forward(Tensor input) => F.local_response_norm(input, Size, Alpha, Beta, K);
}

/// <summary>Batch normalisation over [N,C,...] with running statistics (momentum 0.1, eps 1e-5 as in PyTorch).</summary>
public sealed class BatchNorm : Module
{
    public BatchNorm(long num_features, double eps = 1e-5, double momentum = 0.1, string name = "BatchNorm2d") : base(name)
    {
        Eps = eps;
        Momentum = momentum;
        register_parameter("weight", torch.ones([num_features]));
        register_parameter("bias", torch.zeros([num_features]));
        register_buffer("running_mean", torch.zeros([num_features]));
        register_buffer("running_var", torch.ones([num_features]));
    }

    public double Eps { get; }
    public double Momentum { get; }

    public override Tensor forward(Tensor input) =>
        F.batch_norm(input, Buffer("running_mean"), Buffer("running_var"), Parameter("weight"), Parameter("bias"), training, Momentum, Eps);
}

public sealed class Flatten : Module
{
    public Flatten(long start_dim = 1, long end_dim = -1) : base("Flatten")
    {
        StartDim = start_dim;
        EndDim = end_dim;
    }
    public long StartDim { get; }
    public long EndDim { get; }
    public override Tensor forward(Tensor input) => input.flatten(StartDim, EndDim);
}

public sealed class Identity : Module
{
    public Identity() : base("Identity") { }
    public override Tensor forward(Tensor input) => input.alias();
}

/// <summary>Children applied in order; intermediate results are disposed as soon as the next one exists.</summary>
public sealed class Sequential : Module
{
    readonly List<(string name, Module module)> layers = new();

    public Sequential(params (string name, Module module)[] modules) : base("Sequential")
    {
        foreach (var (name, module) in modules) append(name, module);
    }

    public Sequential append(string name, Module module)
    {
        register_module(name, module);
        layers.Add((name, module));
        return this;
    }

    public int Count => layers.Count;
    public IReadOnlyList<(string name, Module module)> Layers => layers;
    public Module this[int i] => layers[i].module;
    public Module this[string name] => layers.First(l => l.name == name).module;

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var (_, layer) in layers)
        {
            var y = layer.forward(x);
            // A layer may hand back the tensor it was given; that one is still in use.
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, y)) x.Dispose();
            x = y;
        }
        return ReferenceEquals(x, input) ? input.alias() : x;
    }
}
