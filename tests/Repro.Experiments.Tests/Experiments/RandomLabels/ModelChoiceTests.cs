using Repro.Experiments.Data;
using Repro.Experiments.Experiments;
using Repro.Experiments.Models;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.RandomLabels;

public sealed class ModelChoiceTests
{
    static readonly ImageSet Images = new(new float[4 * 28 * 28], [0, 1, 2, 3], ["a", "b", "c", "d"], 1, 28, 28);

    static RandomLabelsOptions Options(LabelFitModel model, WeightInit init) => new()
    {
        Setting = new RandomLabelsSetting { Model = model },
        Zf = new ZfNetOptions { ConvChannels = [8, 8, 8, 8, 8], HiddenUnits = [16, 16], Dropout = 0, Init = init },
    };

    /// <summary>Sample standard deviation of the first conv layer's 8 x 25 weights.</summary>
    static double FirstLayerStd(WeightInit init)
    {
        torch.manual_seed(3);
        using var model = RandomLabelsExperiment.CreateModel(Options(LabelFitModel.Zf, init), 0, Images);
        var w = model.named_parameters().First(p => p.name.EndsWith("weight")).parameter.contiguous().data<float>().ToArray();
        double mean = w.Average(v => (double)v);
        return Math.Sqrt(w.Sum(v => (v - mean) * (v - mean)) / (w.Length - 1));
    }

    [Fact]
    public void The_zf_init_option_reaches_the_network()
    {
        // fan_in = 1 x 5 x 5: He's N(0, 2/25) has std 0.283; PyTorch's U(+-1/5) has std 0.2/sqrt(3) = 0.115.
        Assert.InRange(FirstLayerStd(WeightInit.Kaiming), 0.283 * 0.8, 0.283 * 1.2);
        Assert.InRange(FirstLayerStd(WeightInit.PyTorch), 0.115 * 0.8, 0.115 * 1.2);
    }

    [Fact]
    public void The_setting_picks_the_model_and_its_shape()
    {
        var mlp = Options(LabelFitModel.Mlp, WeightInit.Kaiming);
        mlp.Mlp.HiddenUnits = [512];
        using var model = RandomLabelsExperiment.CreateModel(mlp, 0.2, Images);
        // Zhang's MLP 1x512 on 28x28 images and 4 classes: 784*512 + 512 + 512*4 + 4 parameters.
        Assert.Equal(784 * 512 + 512 + 512 * 4 + 4, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Batch_norm_adds_a_scale_and_shift_per_conv_channel()
    {
        var plain = Options(LabelFitModel.Zf, WeightInit.Kaiming);
        var normed = Options(LabelFitModel.Zf, WeightInit.Kaiming);
        normed.Zf.BatchNorm = true;
        using var a = RandomLabelsExperiment.CreateModel(plain, 0, Images);
        using var b = RandomLabelsExperiment.CreateModel(normed, 0, Images);
        // Five conv layers of 8 channels: a weight and a bias per channel each.
        Assert.Equal(a.parameters().Sum(p => p.numel()) + 5 * 2 * 8, b.parameters().Sum(p => p.numel()));
        Assert.Equal(5, b.named_modules().Count(m => m.module is TorchSharp.Modules.BatchNorm2d));
    }
}
