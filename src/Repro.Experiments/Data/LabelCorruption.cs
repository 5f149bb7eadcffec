namespace Repro.Experiments.Data;

/// <summary>
/// Label corruption as in Zhang et al. (2017): each label is replaced, with probability p, by a class drawn
/// uniformly from all classes (so about p/k of the replaced labels land on the true class again). p = 0 keeps the
/// true labels, p = 1 gives random labels. Pure and seeded: the same labels, p, seed and purpose give the same
/// result in every process.
/// </summary>
public static class LabelCorruption
{
    /// <summary>
    /// The corrupted labels. For every image two numbers are drawn whatever p is - a uniform u and a class c - and
    /// the label becomes c when u &lt; p. So the images corrupted at a lower p are a subset of those corrupted at a
    /// higher p with the same seed, and a corruption level changes nothing but which images are corrupted.
    /// </summary>
    public static int[] Corrupt(ReadOnlySpan<int> labels, int classes, double probability, long seed, string purpose)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "at least one class is needed");
        if (!(probability >= 0 && probability <= 1))
            throw new ReproInputException($"label corruption probability must lie in [0, 1], got {probability}");
        var rng = new SeededRandom(seed, purpose);
        var result = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            double u = rng.NextDouble();
            int replacement = rng.NextInt(classes);
            result[i] = u < probability ? replacement : labels[i];
        }
        return result;
    }

    /// <summary>The fraction of positions where the two label arrays differ.</summary>
    public static double ChangedFraction(ReadOnlySpan<int> original, ReadOnlySpan<int> corrupted)
    {
        if (original.Length != corrupted.Length)
            throw new ArgumentException($"{original.Length} and {corrupted.Length} labels cannot be compared");
        if (original.Length == 0) return 0;
        int changed = 0;
        for (int i = 0; i < original.Length; i++)
            if (original[i] != corrupted[i]) changed++;
        return (double)changed / original.Length;
    }
}
