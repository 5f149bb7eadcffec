using TorchSharp.Modules;

namespace Repro.Experiments.Models;

/// <summary>A multilayer perceptron over the flattened image: Zhang et al.'s "MLP 1x512" by default.</summary>
public sealed class MlpOptions
{
    /// <summary>Width of each hidden layer, input to output.</summary>
    [NotEmpty, AtLeast(1)]
    public List<int> HiddenUnits { get; set; } = [512];

    /// <summary>Dropout before every fully connected layer after the first, during training.</summary>
    [Between(0, 1, BelowMaximum = true)]
    public double Dropout { get; set; }
}

/// <summary>Flatten, then (linear, ReLU) per hidden layer, then the linear classifier.</summary>
public sealed class Mlp : torch.nn.Module<Tensor, Tensor>
{
    readonly Sequential layers = torch.nn.Sequential();

    public Mlp(MlpOptions options, long inputFeatures, int classes) : base("Mlp")
    {
        if (options.HiddenUnits.Count == 0 || options.HiddenUnits.Any(u => u < 1))
            throw new ArgumentException("mlp.hidden_units needs at least one positive layer width");
        if (!(options.Dropout >= 0 && options.Dropout < 1))
            throw new ArgumentException($"mlp.dropout must lie in [0, 1), got {options.Dropout}");
        layers.append("flatten", torch.nn.Flatten());
        long features = inputFeatures;
        for (int i = 0; i < options.HiddenUnits.Count; i++)
        {
            if (i > 0 && options.Dropout > 0) layers.append($"dropout{i}", torch.nn.Dropout(options.Dropout));
            layers.append($"fc{i + 1}", torch.nn.Linear(features, options.HiddenUnits[i]));
            layers.append($"relu{i + 1}", torch.nn.ReLU());
            features = options.HiddenUnits[i];
        }
        if (options.Dropout > 0) layers.append("dropout", torch.nn.Dropout(options.Dropout));
        layers.append("classifier", torch.nn.Linear(features, classes));
        register_module("layers", layers);
        Options = options;
    }

    public MlpOptions Options { get; }

    public override Tensor forward(Tensor input) => layers.forward(input);
}
