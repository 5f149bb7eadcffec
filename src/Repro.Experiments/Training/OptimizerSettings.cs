namespace Repro.Experiments.Training;

/// <summary>The two things every training loop here does to an optimiser besides stepping it.</summary>
public static class OptimizerSettings
{
    /// <summary>Sets the learning rate of every parameter group (schedules run per step or per epoch).</summary>
    public static void SetLearningRate(this torch.optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
    }

    /// <summary>
    /// Drops the gradients (PyTorch 2's <c>zero_grad(set_to_none=True)</c>; TorchSharp's optimiser zeroes them
    /// instead). A parameter that gets no gradient in a step - a frozen layer, a detector head a batch does not
    /// reach - then has none, and SGD's momentum and weight decay and Adam's moments leave it alone, instead of
    /// moving it on a zero gradient.
    /// </summary>
    public static void ClearGradients(this torch.optim.Optimizer optimizer)
    {
        foreach (var p in optimizer.parameters())
        {
            using var grad = p.grad;
            if (grad is not null) p.grad = null;
        }
    }
}
