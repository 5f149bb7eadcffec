using TorchSharp;
using Xunit;

namespace Repro.Experiments.Tests.Engine;

/// <summary>The live-tensor count is process-wide, so the tests that read it run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCollection
{
    public const string Name = "live tensor count";

    /// <summary>TorchSharp's count of tensors alive in the process, once garbage from earlier tests is finalised.</summary>
    public static long Settled()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return torch.Tensor.TotalCount;
    }
}
