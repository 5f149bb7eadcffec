using Repro.Experiments.Config;
using Repro.Experiments.Models;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Architectures;

public sealed class ModelRegistryTests
{
    [Fact]
    public void An_unknown_name_is_refused_with_the_nearest_registered_one()
    {
        var e = Assert.Throws<ReproInputException>(() => ModelRegistry.Default.Get("resnte"));
        Assert.Equal("unknown model 'resnte' (did you mean 'resnet'?)", e.Message);
        e = Assert.Throws<ReproInputException>(() => ModelRegistry.Default.Create(new ModelOptions { Name = "vgg16" }, new ModelInput(1, 28, 10)));
        Assert.Equal("unknown model 'vgg16' (did you mean 'vgg11'?)", e.Message);
        // Nothing near: the registered names are listed.
        e = Assert.Throws<ReproInputException>(() => ModelRegistry.Default.Get("inception"));
        Assert.Equal("unknown model 'inception' (valid: zf, mlp, plain, resnet, resnet18, vgg11)", e.Message);
    }

    [Fact]
    public void A_config_naming_an_unknown_model_is_refused_at_its_line_before_any_run()
    {
        var node = YamlConfigReader.Parse("name: plian\ncifar:\n  depth: 20\n", "model.yaml");
        var problems = new ConfigProblems();
        OptionsBinder.Bind(typeof(ModelOptions), node, "options.model", problems);
        var e = Assert.Throws<ReproInputException>(problems.ThrowIfAny);
        Assert.Equal("model.yaml:1: 'options.model.name' names no model: 'plian' (did you mean 'plain'?)", e.Message);
    }

    [Fact]
    public void A_depth_that_is_not_6n_plus_2_is_refused()
    {
        var node = YamlConfigReader.Parse("name: resnet\ncifar:\n  depth: 18\n", "model.yaml");
        var e = Assert.Throws<ReproInputException>(() => OptionsBinder.Bind(typeof(ModelOptions), node, "options.model"));
        Assert.Equal("model.yaml:3: 'options.model.cifar.depth' must be 6n+2 (8, 14, 20, 32, 44, 56, 110...), got 18", e.Message);
    }

    [Fact]
    public void A_name_registered_twice_is_an_error()
    {
        var entry = ModelRegistry.Default.Get(ModelRegistry.Plain);
        var e = Assert.Throws<InvalidOperationException>(() => new ModelRegistry([entry, entry]));
        Assert.Contains("'plain' is registered twice", e.Message);
    }

    [Fact]
    public void Labels_name_the_family_and_depth_as_the_paper_does()
    {
        var options = new ModelOptions { Name = ModelRegistry.Plain };
        options.Cifar.Depth = 32;
        Assert.Equal("plain-32", ModelRegistry.Default.Label(options));
        options.Name = ModelRegistry.ResNet;
        Assert.Equal("ResNet-32", ModelRegistry.Default.Label(options));
    }
}
