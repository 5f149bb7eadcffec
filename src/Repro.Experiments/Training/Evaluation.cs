using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Training;

public readonly record struct Evaluation(double Loss, double Accuracy, int Count);

public static class Evaluator
{
    /// <summary>Mean cross-entropy and accuracy of the model on a data set, in eval mode without autograd.</summary>
    public static Evaluation Evaluate(torch.nn.Module<Tensor, Tensor> model, TensorDataset data, int batchSize = 500, Tensor? labels = null)
    {
        var wasTraining = model.training;
        model.eval();
        double lossSum = 0;
        long correct = 0;
        try
        {
            using var _ = torch.no_grad();
            for (var start = 0; start < data.Count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var n = Math.Min(batchSize, data.Count - start);
                var images = data.Images.narrow(0, start, n);
                var target = (labels ?? data.Labels).narrow(0, start, n);
                var logits = model.forward(images);
                lossSum += F.cross_entropy(logits, target, reduction: torch.nn.Reduction.Sum).ToDouble();
                correct += logits.argmax(1).eq(target).sum().ToInt64();
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new Evaluation(lossSum / Math.Max(1, data.Count), (double)correct / Math.Max(1, data.Count), data.Count);
    }

    /// <summary>Class scores (logits) for every image, [N, classes], in eval mode.</summary>
    public static Tensor Logits(torch.nn.Module<Tensor, Tensor> model, Tensor images, int batchSize = 500)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = torch.no_grad();
            var parts = new List<Tensor>();
            using var scope = torch.NewDisposeScope();
            for (long start = 0; start < images.size(0); start += batchSize)
                parts.Add(model.forward(images.narrow(0, start, Math.Min(batchSize, images.size(0) - start))));
            return scope.MoveToOuter(torch.cat(parts));
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
