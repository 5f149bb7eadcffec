namespace Repro.Experiments.Data;

/// <summary>Disjoint train and test index sets drawn from one image set.</summary>
public sealed record IndexSplit(int[] Train, int[] Test);

/// <summary>
/// Seeded subsets and splits of a labelled set, expressed as index arrays into it. Every method draws from its
/// own purpose-named stream of the seed, so asking for a per-class sample does not change a later subset.
/// Returned index arrays are in ascending order: the choice is random, the order stays the data set's own
/// (training shuffles each epoch anyway).
/// </summary>
public static class Sampling
{
    public static int[] ClassCounts(ReadOnlySpan<int> labels, int classCount)
    {
        var counts = new int[classCount];
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classCount) throw new ArgumentOutOfRangeException(nameof(labels), label, $"label outside 0..{classCount - 1}");
            counts[label]++;
        }
        return counts;
    }

    /// <summary>The indices of each class, ascending.</summary>
    public static int[][] IndicesByClass(ReadOnlySpan<int> labels, int classCount)
    {
        var counts = ClassCounts(labels, classCount);
        var byClass = new int[classCount][];
        for (int c = 0; c < classCount; c++) byClass[c] = new int[counts[c]];
        var filled = new int[classCount];
        for (int i = 0; i < labels.Length; i++) byClass[labels[i]][filled[labels[i]]++] = i;
        return byClass;
    }

    /// <summary>
    /// <paramref name="size"/> images: the first <paramref name="size"/> of a seeded permutation, or, when
    /// <paramref name="classBalanced"/>, size / classes from every class (the remainder going one each to the
    /// lowest-numbered classes).
    /// </summary>
    public static int[] Subset(int[] labels, string[] classNames, int size, long seed, bool classBalanced = false)
    {
        if (size <= 0) throw new ReproInputException($"a subset needs a positive size, got {size}");
        if (size > labels.Length)
            throw new ReproInputException($"a subset of {size} images was asked for, the set holds only {labels.Length}");
        var rng = new SeededRandom(seed, "subset");
        int[] chosen;
        if (!classBalanced)
        {
            chosen = rng.Permutation(labels.Length).AsSpan(0, size).ToArray();
        }
        else
        {
            int classes = classNames.Length;
            var byClass = IndicesByClass(labels, classes);
            var quota = new int[classes];
            for (int c = 0; c < classes; c++) quota[c] = size / classes + (c < size % classes ? 1 : 0);
            var result = new List<int>(size);
            for (int c = 0; c < classes; c++)
            {
                if (byClass[c].Length < quota[c])
                    throw new ReproInputException(
                        $"class '{classNames[c]}' has {byClass[c].Length} images, a class-balanced subset of {size} needs {quota[c]} from it");
                var members = (int[])byClass[c].Clone();
                rng.Shuffle<int>(members);
                result.AddRange(members.AsSpan(0, quota[c]).ToArray());
            }
            chosen = result.ToArray();
        }
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>
    /// Exactly <paramref name="perClass"/> training images from every class and, disjoint from them, test images
    /// from what remains (at most <paramref name="testPerClass"/> a class when given). Test images are taken from
    /// the far end of each class's permutation, so with one seed the test set does not change as
    /// <paramref name="perClass"/> grows, as long as every class holds perClass + testPerClass images.
    /// </summary>
    public static IndexSplit PerClass(int[] labels, string[] classNames, int perClass, long seed, int? testPerClass = null)
    {
        if (perClass <= 0) throw new ReproInputException($"images per class must be positive, got {perClass}");
        if (testPerClass is < 0) throw new ReproInputException($"test images per class must not be negative, got {testPerClass}");
        var byClass = IndicesByClass(labels, classNames.Length);
        var rng = new SeededRandom(seed, "per-class");
        var train = new List<int>();
        var test = new List<int>();
        for (int c = 0; c < byClass.Length; c++)
        {
            var members = (int[])byClass[c].Clone();
            if (members.Length < perClass)
                throw new ReproInputException(
                    $"class '{classNames[c]}' has {members.Length} images, fewer than the {perClass} per class asked for");
            rng.Shuffle<int>(members);
            train.AddRange(members.AsSpan(0, perClass).ToArray());
            int rest = members.Length - perClass;
            int take = testPerClass is int cap ? Math.Min(cap, rest) : rest;
            for (int k = 0; k < take; k++) test.Add(members[members.Length - 1 - k]);
        }
        return Sorted(train, test);
    }

    /// <summary>
    /// Splits every class so that round(n_c * testFraction) of its images (half away from zero) go to test and the
    /// rest to train: the class proportions of both sides match the whole.
    /// </summary>
    public static IndexSplit Stratified(int[] labels, string[] classNames, double testFraction, long seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ReproInputException($"test fraction must lie strictly between 0 and 1, got {testFraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var byClass = IndicesByClass(labels, classNames.Length);
        var rng = new SeededRandom(seed, "stratified");
        var train = new List<int>();
        var test = new List<int>();
        foreach (var indices in byClass)
        {
            var members = (int[])indices.Clone();
            rng.Shuffle<int>(members);
            int testCount = (int)Math.Round(members.Length * testFraction, MidpointRounding.AwayFromZero);
            test.AddRange(members.AsSpan(0, testCount).ToArray());
            train.AddRange(members.AsSpan(testCount).ToArray());
        }
        return Sorted(train, test);
    }

    /// <summary>At most <paramref name="perClass"/> images of every class (all of a smaller class), seeded.</summary>
    public static int[] CapPerClass(int[] labels, string[] classNames, int perClass, long seed)
    {
        if (perClass <= 0) throw new ReproInputException($"images per class must be positive, got {perClass}");
        var byClass = IndicesByClass(labels, classNames.Length);
        var rng = new SeededRandom(seed, "cap-per-class");
        var chosen = new List<int>();
        foreach (var indices in byClass)
        {
            var members = (int[])indices.Clone();
            rng.Shuffle<int>(members);
            chosen.AddRange(members.AsSpan(0, Math.Min(perClass, members.Length)).ToArray());
        }
        var result = chosen.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>
    /// A seeded split of the classes 0..classCount-1 into halves A and B (Yosinski et al. 2014: two halves of the
    /// ImageNet classes), each ascending; with an odd count B gets the extra class.
    /// </summary>
    public static (int[] A, int[] B) ClassHalves(int classCount, long seed)
    {
        if (classCount < 2) throw new ReproInputException($"splitting classes into two halves needs at least 2 classes, got {classCount}");
        var order = new SeededRandom(seed, "class-halves").Permutation(classCount);
        var a = order.AsSpan(0, classCount / 2).ToArray();
        var b = order.AsSpan(classCount / 2).ToArray();
        Array.Sort(a);
        Array.Sort(b);
        return (a, b);
    }

    private static IndexSplit Sorted(List<int> train, List<int> test)
    {
        var trainArray = train.ToArray();
        var testArray = test.ToArray();
        Array.Sort(trainArray);
        Array.Sort(testArray);
        return new IndexSplit(trainArray, testArray);
    }
}
