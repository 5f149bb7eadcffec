using System.Runtime.CompilerServices;
using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

/// <summary>The live-tensor count is process-wide, so these tests run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class LiveTensorCountCollection
{
    public const string Name = "live tensor count";
}

[Collection(LiveTensorCountCollection.Name)]
public class LifetimeTests
{
    /// <summary>The count once garbage left by earlier tests has been finalised.</summary>
    static long Settled()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return Tensor.LiveCount;
    }

    [Fact]
    public void TrainingLoopOf500StepsLeavesNoTensorsBehind()
    {
        var baseline = Settled();
        torch.manual_seed(3);
        var model = torch.nn.Sequential(
            ("conv", torch.nn.Conv2d(1, 4, 3, padding: 1)),
            ("bn", torch.nn.BatchNorm2d(4)),
            ("relu", torch.nn.ReLU()),
            ("pool", torch.nn.MaxPool2d(2)),
            ("flatten", torch.nn.Flatten()),
            ("fc1", torch.nn.Linear(4 * 4 * 4, 16)),
            ("drop", torch.nn.Dropout(0.1)),
            ("relu2", torch.nn.ReLU()),
            ("fc2", torch.nn.Linear(16, 3)));
        var optimizer = new torch.optim.SGD(model.parameters(), lr: 0.05, momentum: 0.9, weight_decay: 1e-4);
        var images = torch.randn([32, 1, 8, 8]);
        var labels = torch.randint(0, 3, [32]);

        long afterFirstSteps = 0;
        double firstLoss = 0, lastLoss = 0;
        for (var step = 0; step < 500; step++)
        {
            using var scope = torch.NewDisposeScope();
            var batch = step % 2 * 16;
            optimizer.zero_grad();
            var loss = F.cross_entropy(model.forward(images.narrow(0, batch, 16)), labels.narrow(0, batch, 16));
            loss.backward();
            optimizer.step();
            if (step < 2) firstLoss += loss.item<double>();
            if (step >= 498) lastLoss += loss.item<double>();
            if (step == 1) afterFirstSteps = Tensor.LiveCount - scope.Count;
        }
        // Flat: what lives after each step (parameters, buffers, momentum, data) is the same at step 2 and 500.
        Assert.Equal(afterFirstSteps, Tensor.LiveCount);
        // The loop did train: memorising 32 random images drives the loss well down.
        Assert.True(lastLoss < firstLoss / 2, $"loss went from {firstLoss / 2} to {lastLoss / 2}");

        images.Dispose();
        labels.Dispose();
        optimizer.Dispose();
        model.Dispose();
        // Deterministic disposal: back at the baseline without any help from the garbage collector.
        Assert.Equal(baseline, Tensor.LiveCount);
    }

    [Fact]
    public void ScopeDisposesWhatWasCreatedInsideIt()
    {
        var baseline = Settled();
        Tensor inner, kept, outerOwned;
        using (var outer = torch.NewDisposeScope())
        {
            outerOwned = torch.ones([2]);
            using (var scope = torch.NewDisposeScope())
            {
                inner = torch.ones([3]).mul(2);
                kept = inner.add(1).MoveToOuterDisposeScope();
                var (values, indices) = inner.topk(2);
                Assert.Equal(baseline + 6, Tensor.LiveCount); // ones, mul, add, topk's two, outer's ones
                Assert.Equal(4, scope.Count);
            }
            Assert.True(inner.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal(new float[] { 3, 3, 3 }, kept.ToArray<float>());
            Assert.Equal(2, outer.Count);
            Assert.Equal(baseline + 2, Tensor.LiveCount);
        }
        Assert.True(kept.IsDisposed);
        Assert.True(outerOwned.IsDisposed);
        Assert.Equal(baseline, Tensor.LiveCount);
        Assert.Throws<ObjectDisposedException>(() => kept.ToArray<float>());
    }

    [Fact]
    public void MovedOutOfTheLastScopeTheCallerOwnsIt()
    {
        var baseline = Settled();
        Tensor survivor, detached;
        using (var scope = torch.NewDisposeScope())
        {
            survivor = torch.full([2], 7).MoveToOuterDisposeScope();
            detached = torch.full([2], 8).DetachFromDisposeScope();
            scope.MoveToOuter(torch.zeros([1])).Dispose();
        }
        Assert.Equal(new float[] { 7, 7 }, survivor.ToArray<float>());
        Assert.Equal(new float[] { 8, 8 }, detached.ToArray<float>());
        Assert.Equal(baseline + 2, Tensor.LiveCount);
        survivor.Dispose();
        detached.Dispose();
        detached.Dispose(); // twice is harmless
        Assert.Equal(baseline, Tensor.LiveCount);
    }

    [Fact]
    public void ModuleParametersOutliveTheScopeTheyWereMadeIn()
    {
        var baseline = Settled();
        torch.nn.Module model;
        using (torch.NewDisposeScope()) model = torch.nn.Linear(3, 2);
        Assert.Equal(baseline + 2, Tensor.LiveCount);
        Assert.All(model.parameters(), p => Assert.False(p.IsDisposed));
        model.Dispose();
        Assert.Equal(baseline, Tensor.LiveCount);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Abandon(int count)
    {
        for (var i = 0; i < count; i++) _ = torch.ones([4]).add(1);
    }

    [Fact]
    public void FinaliserIsTheBackStopForForgottenTensors()
    {
        var baseline = Settled();
        Abandon(100);
        Assert.True(Tensor.LiveCount >= baseline); // some may already be collected
        Assert.Equal(baseline, Settled());
    }
}
