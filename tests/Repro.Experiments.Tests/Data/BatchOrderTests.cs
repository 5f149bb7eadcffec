using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class BatchOrderTests
{
    [Fact]
    public void Batches_CoverEveryIndexOnce_InBatchesOfTheAskedSize()
    {
        var order = new BatchOrder(10, 4, seed: 1);
        var batches = order.Batches(0);
        Assert.Equal(3, order.BatchCount);
        Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(b => b).OrderBy(i => i));
        Assert.Equal(order.Permutation(0), batches.SelectMany(b => b));
    }

    [Fact]
    public void DropLast_LeavesOutTheShortBatch()
    {
        var order = new BatchOrder(10, 4, seed: 1, dropLast: true);
        Assert.Equal(2, order.BatchCount);
        Assert.Equal(new[] { 4, 4 }, order.Batches(3).Select(b => b.Length));
    }

    [Fact]
    public void EachEpoch_HasItsOwnPermutation_RepeatableFromTheSeed()
    {
        var a = new BatchOrder(100, 10, seed: 5);
        var b = new BatchOrder(100, 10, seed: 5);
        Assert.Equal(a.Permutation(2), b.Permutation(2));
        Assert.NotEqual(a.Permutation(0), a.Permutation(1));
        Assert.NotEqual(a.Permutation(0), new BatchOrder(100, 10, seed: 6).Permutation(0));
        Assert.Equal(new SeededRandom(5, "batch-order", 2).Permutation(100), a.Permutation(2));
    }

    [Fact]
    public void WithoutShuffle_OrderIsTheIdentity()
    {
        var order = new BatchOrder(5, 2, seed: 1, shuffle: false);
        Assert.Equal(new[] { new[] { 0, 1 }, new[] { 2, 3 }, new[] { 4 } }, order.Batches(7));
    }

    [Fact]
    public void NonPositiveBatchSize_IsAnInputError()
    {
        Assert.Throws<ReproInputException>(() => new BatchOrder(5, 0, seed: 1));
    }
}
