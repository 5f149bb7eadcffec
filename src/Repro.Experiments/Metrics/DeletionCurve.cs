namespace Repro.Experiments.Metrics;

/// <summary>
/// The deletion metric (Petsiuk et al. 2018, "RISE"): the pixels a map rates most salient are removed first (set to
/// a fill value), in equal steps, and P(true class) is recorded after each step; the area under that curve over the
/// removed fraction 0..1 is small when the map found what the class depends on. Pure functions of the map and the
/// recorded probabilities; the model is queried by the caller.
/// </summary>
public static class DeletionCurve
{
    /// <summary>The removed fractions 0, 1/steps, ..., 1.</summary>
    public static double[] Fractions(int steps)
    {
        if (steps < 1) throw new ArgumentException($"a deletion curve needs at least 1 step, got {steps}");
        return Enumerable.Range(0, steps + 1).Select(i => (double)i / steps).ToArray();
    }

    /// <summary>Pixel indices from the most to the least salient; equal values keep index order.</summary>
    public static int[] Order(ReadOnlySpan<float> map)
    {
        var values = map.ToArray();
        var order = Enumerable.Range(0, values.Length).ToArray();
        // A stable sort on the negated value: ties keep their index order, NaN counts as least salient.
        return order.OrderByDescending(i => float.IsNaN(values[i]) ? float.NegativeInfinity : values[i]).ThenBy(i => i).ToArray();
    }

    /// <summary>How many pixels of <paramref name="pixels"/> are removed at <paramref name="fraction"/>.</summary>
    public static int Removed(int pixels, double fraction) => (int)Math.Round(pixels * fraction, MidpointRounding.AwayFromZero);

    /// <summary>
    /// For each fraction, a mask over the pixels (1 = removed): [fractions.Length, pixels], row-major, the first
    /// <see cref="Removed"/> pixels of <paramref name="order"/> set.
    /// </summary>
    public static float[] Masks(int[] order, IReadOnlyList<double> fractions)
    {
        int pixels = order.Length;
        var masks = new float[fractions.Count * pixels];
        for (int s = 0; s < fractions.Count; s++)
        {
            int removed = Removed(pixels, fractions[s]);
            for (int k = 0; k < removed; k++) masks[s * pixels + order[k]] = 1;
        }
        return masks;
    }

    /// <summary>Area under the curve of <paramref name="probabilities"/> over <paramref name="fractions"/> by the trapezoid rule.</summary>
    public static double Area(IReadOnlyList<double> fractions, IReadOnlyList<double> probabilities)
    {
        if (fractions.Count != probabilities.Count) throw new ArgumentException($"{fractions.Count} fractions for {probabilities.Count} probabilities");
        if (fractions.Count < 2) throw new ArgumentException("a curve needs at least two points");
        double area = 0;
        for (int i = 1; i < fractions.Count; i++)
            area += (fractions[i] - fractions[i - 1]) * (probabilities[i] + probabilities[i - 1]) / 2;
        return area;
    }
}
