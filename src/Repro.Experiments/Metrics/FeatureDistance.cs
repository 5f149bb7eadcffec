namespace Repro.Experiments.Metrics;

/// <summary>
/// Distances between feature vectors of an original and a transformed image (Zeiler and Fergus, Fig. 5), and
/// the summaries of distance curves that the invariance claims check. Feature vectors are rows of a flat array.
/// </summary>
public static class FeatureDistance
{
    /// <summary>Euclidean (L2) distance between two vectors of equal length.</summary>
    public static double Euclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"feature vectors differ in length ({a.Length} and {b.Length})");
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            sum += d * d;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>L2 norm of a vector.</summary>
    public static double Norm(ReadOnlySpan<float> a)
    {
        double sum = 0;
        foreach (float v in a) sum += (double)v * v;
        return Math.Sqrt(sum);
    }

    /// <summary>Distance between row i of <paramref name="a"/> and row i of <paramref name="b"/>, for every row.</summary>
    public static double[] RowDistances(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rowLength)
    {
        int rows = Rows(a.Length, rowLength);
        if (a.Length != b.Length) throw new ArgumentException($"feature arrays differ in length ({a.Length} and {b.Length})");
        var result = new double[rows];
        for (int i = 0; i < rows; i++)
            result[i] = Euclidean(a.Slice(i * rowLength, rowLength), b.Slice(i * rowLength, rowLength));
        return result;
    }

    /// <summary>
    /// Mean L2 norm of the rows: the scale a layer's distances are divided by so that layers of different width
    /// and activation size can be drawn on one axis (a normalised distance of 1 is as far as a typical feature
    /// vector is from zero).
    /// </summary>
    public static double MeanNorm(ReadOnlySpan<float> features, int rowLength)
    {
        int rows = Rows(features.Length, rowLength);
        if (rows == 0) throw new ArgumentException("the mean norm of no feature vectors is undefined");
        double sum = 0;
        for (int i = 0; i < rows; i++) sum += Norm(features.Slice(i * rowLength, rowLength));
        return sum / rows;
    }

    /// <summary>A distance divided by the layer's mean feature norm; NaN when that norm is zero (a dead layer).</summary>
    public static double Normalised(double distance, double meanNorm) => meanNorm > 0 ? distance / meanNorm : double.NaN;

    /// <summary>
    /// How fast the top layer's distance grows relative to the bottom layer's over one transformation's range: the
    /// area under the top-layer curve divided by the area under the bottom-layer curve, both normalised, on the
    /// same amounts. Below 1 means the top layer moves less (is more invariant).
    /// </summary>
    public static double GrowthRatio(IReadOnlyList<double> top, IReadOnlyList<double> bottom)
    {
        if (top.Count != bottom.Count) throw new ArgumentException($"curves differ in length ({top.Count} and {bottom.Count})");
        if (top.Count == 0) throw new ArgumentException("empty curves have no growth ratio");
        double t = top.Sum(), b = bottom.Sum();
        return b > 0 ? t / b : double.NaN;
    }

    /// <summary>
    /// The smallest value of a curve over the amounts within <paramref name="radius"/> of <paramref name="centre"/>
    /// (e.g. P(true class) over translations of at most 2 px); NaN when no amount is that close.
    /// </summary>
    public static double MinWithin(IReadOnlyList<double> amounts, IReadOnlyList<double> values, double centre, double radius)
    {
        if (amounts.Count != values.Count) throw new ArgumentException($"{amounts.Count} amounts but {values.Count} values");
        double min = double.NaN;
        for (int i = 0; i < amounts.Count; i++)
            if (Math.Abs(amounts[i] - centre) <= radius + 1e-9 && (double.IsNaN(min) || values[i] < min))
                min = values[i];
        return min;
    }

    static int Rows(int length, int rowLength)
    {
        if (rowLength < 1) throw new ArgumentException($"row length {rowLength} must be positive");
        if (length % rowLength != 0) throw new ArgumentException($"{length} values do not split into rows of {rowLength}");
        return length / rowLength;
    }
}
