namespace Repro.Experiments.Metrics;

/// <summary>Pure functions on training curves: when a run fitted its training set, and whether a cost grows with a level.</summary>
public static class Fitting
{
    /// <summary>
    /// The first step whose accuracy reaches <paramref name="threshold"/>, scanning the checkpoints in step order;
    /// null when none does (the run did not fit its training set).
    /// </summary>
    public static long? FirstStepReaching(IEnumerable<(long Step, double Accuracy)> checkpoints, double threshold)
    {
        foreach (var (step, accuracy) in checkpoints.OrderBy(c => c.Step))
            if (accuracy >= threshold)
                return step;
        return null;
    }

    /// <summary>Ranks 1..n with ties given their average rank (the convention of Spearman's rho).</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]].Equals(values[order[start]])) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>
    /// Spearman's rank correlation: Pearson's correlation of the ranks. Infinite values rank above every finite one,
    /// so a run that never fitted counts as slower than every run that did. NaN when either side is constant.
    /// </summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} and {y.Count} values cannot be correlated");
        if (x.Count < 2) return double.NaN;
        var rx = Ranks(x);
        var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }
}
