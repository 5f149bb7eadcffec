namespace Repro.Experiments.Models;

/// <summary>
/// The <c>model:</c> section of a config: which registered network (<see cref="ModelRegistry"/>) and, one section
/// per family, its typed options. Only the chosen family's section is used; the others keep their defaults, so a
/// sweep can switch <c>name</c> between models that share a section (plain and resnet share <c>cifar</c>).
/// </summary>
public sealed class ModelOptions : ICheckedOptions
{
    /// <summary>A name in <see cref="ModelRegistry.Default"/>: zf, mlp, plain, resnet, resnet18, vgg11.</summary>
    public string Name { get; set; } = ModelRegistry.ResNet;

    /// <summary>The ZF-style ConvNet (zf).</summary>
    public ZfNetOptions Zf { get; set; } = new();

    /// <summary>The multilayer perceptron (mlp).</summary>
    public MlpOptions Mlp { get; set; } = new();

    /// <summary>He et al.'s CIFAR-10 family of 6n+2 layers, plain (plain) or with shortcuts (resnet).</summary>
    public CifarNetOptions Cifar { get; set; } = new();

    /// <summary>VGG-11 for 28x28 input (vgg11).</summary>
    public VggOptions Vgg11 { get; set; } = new();

    public IEnumerable<OptionProblem> Problems()
    {
        if (!ModelRegistry.Default.Contains(Name))
            yield return new(nameof(Name), $"names no model: '{Name}'{ModelRegistry.Default.Suggestion(Name)}");
    }
}

/// <summary>The images a model takes and the classes it tells apart.</summary>
public readonly record struct ModelInput(int Channels, int Size, int Classes);

/// <summary>One registered network: its config name, how it is shown in tables and how it is built.</summary>
public sealed record ModelEntry(
    string Name,
    string Description,
    Func<ModelOptions, string> Label,
    Func<ModelOptions, ModelInput, torch.nn.Module<Tensor, Tensor>> Create);

/// <summary>
/// Every network an experiment can name in <c>model.name</c>, in one place; a duplicate name is an error, an
/// unknown one gets a "did you mean". Model code takes typed options; the registry maps <see cref="ModelOptions"/>
/// onto each constructor.
/// </summary>
public sealed class ModelRegistry
{
    public const string Zf = "zf";
    public const string Mlp = "mlp";
    public const string Plain = "plain";
    public const string ResNet = "resnet";
    public const string ResNet18 = "resnet18";
    public const string Vgg11 = "vgg11";

    readonly Dictionary<string, ModelEntry> byName = new(StringComparer.Ordinal);
    readonly List<ModelEntry> ordered = new();

    public ModelRegistry(IEnumerable<ModelEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (!byName.TryAdd(entry.Name, entry))
                throw new InvalidOperationException($"model name '{entry.Name}' is registered twice");
            ordered.Add(entry);
        }
    }

    /// <summary>The networks this build ships with.</summary>
    public static ModelRegistry Default { get; } = new(
    [
        new(Zf, "ZF-style ConvNet (Zeiler and Fergus 2014): 5 conv + 3 fully connected layers",
            _ => "ZF-style", (o, i) => new ZfNet(o.Zf, i.Channels, i.Size, i.Classes)),
        new(Mlp, "multilayer perceptron over the pixels",
            o => $"MLP {string.Join("x", o.Mlp.HiddenUnits)}", (o, i) => new Mlp(o.Mlp, (long)i.Channels * i.Size * i.Size, i.Classes)),
        new(Plain, "He et al. 2016 CIFAR-10 plain net, 6n+2 layers (cifar.depth)",
            o => $"plain-{o.Cifar.Depth}", (o, i) => new ResidualNet(o.Cifar, residual: false, i.Channels, i.Classes)),
        new(ResNet, "He et al. 2016 CIFAR-10 residual net, 6n+2 layers (cifar.depth), identity shortcuts",
            o => $"ResNet-{o.Cifar.Depth}", (o, i) => new ResidualNet(o.Cifar, residual: true, i.Channels, i.Classes)),
        new(ResNet18, "TorchVision's resnet18, grey input repeated into 3 channels",
            _ => "resnet18 (TorchVision)", (o, i) => new TorchVisionResNet18(i.Channels, i.Classes)),
        new(Vgg11, "VGG-11 (configuration A) with four poolings for 28x28 input",
            _ => "VGG-11", (o, i) => new Vgg11(o.Vgg11, i.Channels, i.Size, i.Classes)),
    ]);

    public IReadOnlyList<ModelEntry> All => ordered;

    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>The entry of <paramref name="name"/>; an unknown name is bad input, with the nearest registered one.</summary>
    public ModelEntry Get(string name) =>
        byName.TryGetValue(name, out var entry)
            ? entry
            : throw new ReproInputException($"unknown model '{name}'{Suggestion(name)}");

    /// <summary>" (did you mean 'resnet'?)", or the list of names when none is near.</summary>
    public string Suggestion(string name) => KeyNames.Suggestion(name, ordered.Select(e => e.Name));

    /// <summary>Builds the network <paramref name="options"/> names for <paramref name="input"/>.</summary>
    public torch.nn.Module<Tensor, Tensor> Create(ModelOptions options, ModelInput input) => Get(options.Name).Create(options, input);

    /// <summary>How tables name the configured network: "ResNet-20", "plain-32", "ZF-style".</summary>
    public string Label(ModelOptions options) => Get(options.Name).Label(options);
}
