using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class SamplingTests
{
    private static readonly string[] Names = { "a", "b", "c" };

    /// <summary>Class sizes 5, 8 and 12, interleaved.</summary>
    private static int[] Labels()
    {
        var labels = new List<int>();
        var remaining = new[] { 5, 8, 12 };
        while (remaining.Any(r => r > 0))
            for (int c = 0; c < 3; c++)
                if (remaining[c]-- > 0) labels.Add(c);
        return labels.ToArray();
    }

    [Fact]
    public void ClassCounts_CountsEachLabel()
    {
        Assert.Equal(new[] { 5, 8, 12 }, Sampling.ClassCounts(Labels(), 3));
    }

    [Fact]
    public void Subset_IsSortedDistinct_Deterministic_AndSeedDependent()
    {
        var labels = Labels();
        var a = Sampling.Subset(labels, Names, 10, seed: 1);
        Assert.Equal(10, a.Length);
        Assert.Equal(a.Distinct().Count(), a.Length);
        Assert.Equal(a.OrderBy(i => i), a);
        Assert.All(a, i => Assert.InRange(i, 0, labels.Length - 1));
        Assert.Equal(a, Sampling.Subset(labels, Names, 10, seed: 1));
        Assert.NotEqual(a, Sampling.Subset(labels, Names, 10, seed: 2));
    }

    [Fact]
    public void Subset_IsTheFirstOfTheSeededPermutation()
    {
        var labels = new int[20];
        var expected = new SeededRandom(5, "subset").Permutation(20).Take(6).OrderBy(i => i);
        Assert.Equal(expected, Sampling.Subset(labels, new[] { "only" }, 6, seed: 5));
    }

    [Fact]
    public void ClassBalancedSubset_TakesEqualCounts_RemainderToFirstClasses()
    {
        var labels = Labels();
        var chosen = Sampling.Subset(labels, Names, 14, seed: 3, classBalanced: true);
        var counts = Sampling.ClassCounts(chosen.Select(i => labels[i]).ToArray(), 3);
        Assert.Equal(new[] { 5, 5, 4 }, counts);
    }

    [Fact]
    public void ClassBalancedSubset_FailsWhenAClassIsTooSmall()
    {
        var e = Assert.Throws<ReproInputException>(() => Sampling.Subset(Labels(), Names, 18, seed: 3, classBalanced: true));
        Assert.Contains("class 'a' has 5 images", e.Message);
    }

    [Fact]
    public void Subset_LargerThanTheSet_Fails()
    {
        var e = Assert.Throws<ReproInputException>(() => Sampling.Subset(Labels(), Names, 26, seed: 0));
        Assert.Contains("holds only 25", e.Message);
    }

    [Fact]
    public void PerClass_GivesExactlyKPerClass_AndTheRestDisjointAsTest()
    {
        var labels = Labels();
        var split = Sampling.PerClass(labels, Names, 4, seed: 9);
        Assert.Equal(new[] { 4, 4, 4 }, Sampling.ClassCounts(split.Train.Select(i => labels[i]).ToArray(), 3));
        Assert.Equal(new[] { 1, 4, 8 }, Sampling.ClassCounts(split.Test.Select(i => labels[i]).ToArray(), 3));
        Assert.Empty(split.Train.Intersect(split.Test));
        Assert.Equal(Enumerable.Range(0, labels.Length), split.Train.Concat(split.Test).OrderBy(i => i));
    }

    [Fact]
    public void PerClass_CapsTestPerClass()
    {
        var labels = Labels();
        var split = Sampling.PerClass(labels, Names, 2, seed: 9, testPerClass: 3);
        Assert.Equal(new[] { 3, 3, 3 }, Sampling.ClassCounts(split.Test.Select(i => labels[i]).ToArray(), 3));
        Assert.Empty(split.Train.Intersect(split.Test));
    }

    [Fact]
    public void PerClass_TestSetStaysTheSame_AsKGrows()
    {
        var labels = Labels();
        var small = Sampling.PerClass(labels, Names, 1, seed: 4, testPerClass: 3);
        var large = Sampling.PerClass(labels, Names, 2, seed: 4, testPerClass: 3);
        Assert.Equal(small.Test, large.Test);
        Assert.Subset(new HashSet<int>(large.Train), new HashSet<int>(small.Train));
    }

    [Fact]
    public void PerClass_IsDeterministic_AndSeedDependent()
    {
        var labels = Labels();
        Assert.Equal(Sampling.PerClass(labels, Names, 3, seed: 1).Train, Sampling.PerClass(labels, Names, 3, seed: 1).Train);
        Assert.NotEqual(Sampling.PerClass(labels, Names, 3, seed: 1).Train, Sampling.PerClass(labels, Names, 3, seed: 2).Train);
    }

    [Fact]
    public void PerClass_FailsWhenAClassHasFewerThanK_NamingIt()
    {
        var e = Assert.Throws<ReproInputException>(() => Sampling.PerClass(Labels(), Names, 6, seed: 0));
        Assert.Equal("class 'a' has 5 images, fewer than the 6 per class asked for", e.Message);
    }

    [Fact]
    public void Stratified_HoldsOutTheRoundedFractionOfEveryClass()
    {
        var labels = Labels();
        var split = Sampling.Stratified(labels, Names, 0.25, seed: 2);
        // 5 * 0.25 = 1.25 -> 1, 8 * 0.25 = 2, 12 * 0.25 = 3
        Assert.Equal(new[] { 1, 2, 3 }, Sampling.ClassCounts(split.Test.Select(i => labels[i]).ToArray(), 3));
        Assert.Equal(new[] { 4, 6, 9 }, Sampling.ClassCounts(split.Train.Select(i => labels[i]).ToArray(), 3));
        Assert.Empty(split.Train.Intersect(split.Test));
        Assert.Equal(split.Test, Sampling.Stratified(labels, Names, 0.25, seed: 2).Test);
        Assert.NotEqual(split.Test, Sampling.Stratified(labels, Names, 0.25, seed: 3).Test);
    }

    [Fact]
    public void Stratified_RoundsHalvesAwayFromZero()
    {
        var labels = Labels();
        var split = Sampling.Stratified(labels, Names, 0.5, seed: 0);
        // 2.5 -> 3, 4, 6
        Assert.Equal(new[] { 3, 4, 6 }, Sampling.ClassCounts(split.Test.Select(i => labels[i]).ToArray(), 3));
    }

    [Fact]
    public void CapPerClass_KeepsAllOfSmallClasses()
    {
        var labels = Labels();
        var chosen = Sampling.CapPerClass(labels, Names, 6, seed: 0);
        Assert.Equal(new[] { 5, 6, 6 }, Sampling.ClassCounts(chosen.Select(i => labels[i]).ToArray(), 3));
    }

    [Fact]
    public void ClassHalves_PartitionTheClasses_AreSeeded_AndDifferAcrossSeeds()
    {
        var (a, b) = Sampling.ClassHalves(10, seed: 0);
        Assert.Equal(5, a.Length);
        Assert.Equal(5, b.Length);
        Assert.Equal(Enumerable.Range(0, 10), a.Concat(b).Order());
        Assert.Equal(a.Order(), a);
        Assert.Equal(a, Sampling.ClassHalves(10, seed: 0).A);
        // Among ten seeds the halves are not all the same split.
        Assert.True(Enumerable.Range(0, 10).Select(s => string.Join(",", Sampling.ClassHalves(10, s).A)).Distinct().Count() > 1);
        var (oddA, oddB) = Sampling.ClassHalves(7, seed: 3);
        Assert.Equal(3, oddA.Length);
        Assert.Equal(4, oddB.Length);
        Assert.Throws<ReproInputException>(() => Sampling.ClassHalves(1, seed: 0));
    }
}
