using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Experiments.Models;

/// <summary>The images gradient ascent found, and each one's class score and objective before and after.</summary>
public sealed record ClassModelResult(Tensor Images, double[] StartScores, double[] EndScores, double[] StartObjectives, double[] EndObjectives) : IDisposable
{
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// Class model visualisation (Simonyan, Vedaldi and Zisserman 2014, Sect. 2): for class c the image
/// x* = argmax_x S_c(x) - lambda ||x||^2, S_c the unnormalised class score (the logit), found by gradient ascent
/// from the zero image. The classes are ascended together as one batch; each image depends only on its own score.
/// </summary>
public static class ClassModels
{
    public static ClassModelResult Ascend(nn.Module<Tensor, Tensor> model, IReadOnlyList<int> classes, long[] imageShape, int steps, double learningRate, double lambda, Device device)
    {
        if (steps < 0) throw new ArgumentException($"steps must not be negative, got {steps}");
        using var scope = torch.NewDisposeScope();
        using var enabled = torch.enable_grad();
        var shape = new long[] { classes.Count }.Concat(imageShape).ToArray();
        var x = torch.zeros(shape, device: device);
        var index = torch.tensor(classes.Select(c => (long)c).ToArray(), device: device).unsqueeze(1);
        (double[] scores, double[] objectives) Measure(Tensor images)
        {
            using var _ = torch.no_grad();
            var score = model.forward(images).gather(1, index).squeeze(1);
            var objective = score - lambda * images.pow(2).flatten(1).sum(1);
            return (score.cpu().data<float>().Select(v => (double)v).ToArray(), objective.cpu().data<float>().Select(v => (double)v).ToArray());
        }
        var (startScores, startObjectives) = Measure(x);
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var input = x.detach().requires_grad_(true);
            var score = model.forward(input).gather(1, index).squeeze(1);
            var objective = (score - lambda * input.pow(2).flatten(1).sum(1)).sum();
            var gradient = torch.autograd.grad([objective], [input])[0];
            x = stepScope.MoveToOuter((input + learningRate * gradient).detach());
        }
        var (endScores, endObjectives) = Measure(x);
        return new ClassModelResult(scope.MoveToOuter(x.detach()), startScores, endScores, startObjectives, endObjectives);
    }
}
