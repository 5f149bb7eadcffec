using Repro.Experiments.Config;
using Xunit;
using Repro.Experiments.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Experiments.Tests.Training;

public class OptimizerChoiceTests
{
    // One Adam step from zero moments moves every weight by lr * g / (|g| + eps), about lr in size; with the gradient
    // zero, only weight decay acts: adamw shrinks w by lr * wd * w, adam's L2 term becomes a gradient wd * w that
    // Adam's scaling turns into a full lr-sized step.
    [Theory]
    [InlineData(OptimizerKind.AdamW, 2.0 * (1 - 0.1 * 0.1))]
    [InlineData(OptimizerKind.Adam, 2.0 - 0.1)]
    public void Weight_decay_is_decoupled_for_adamw_and_an_l2_gradient_for_adam(OptimizerKind name, double expected)
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.nn.Parameter(torch.tensor(new[] { 2.0f }));
        using var optimizer = Trainer.CreateOptimizer(new TrainOptions { Optimizer = name, LearningRate = 0.1, WeightDecay = 0.1 }, [w]);
        (w * 0).sum().backward();
        optimizer.step();
        Assert.Equal(expected, w.detach().data<float>().ToArray()[0], 5);
    }

    [Fact]
    public void An_unknown_optimizer_is_refused_when_bound_naming_the_choices()
    {
        var node = YamlConfigReader.Parse("optimizer: adamax\n", "train.yaml")!;
        var error = Assert.Throws<ReproInputException>(() => OptionsBinder.Bind(typeof(TrainOptions), node, "options.train"));
        Assert.Equal("train.yaml:1: 'options.train.optimizer' expects one of sgd, adam, adamw, got 'adamax' (did you mean 'adam'?)", error.Message);
    }
}
