namespace Repro.Experiments.Metrics;

/// <summary>Classification metrics as pure functions over predicted scores and labels.</summary>
public static class Classification
{
    /// <summary>Fraction of rows whose highest score is at the label (ties go to the lowest class index).</summary>
    public static double Accuracy(ReadOnlySpan<float> scores, int classes, ReadOnlySpan<int> labels) => TopK(scores, classes, labels, 1);

    /// <summary>Fraction of rows whose label is among the k highest scores; a tie with the k-th score counts against.</summary>
    public static double TopK(ReadOnlySpan<float> scores, int classes, ReadOnlySpan<int> labels, int k)
    {
        if (scores.Length != classes * labels.Length) throw new ArgumentException($"{scores.Length} scores for {labels.Length} rows of {classes} classes");
        if (labels.Length == 0) return double.NaN;
        var hits = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = scores.Slice(i * classes, classes);
            var target = row[labels[i]];
            var better = 0;
            for (var c = 0; c < classes; c++)
                if (row[c] > target || (row[c] == target && c < labels[i])) better++;
            if (better < k) hits++;
        }
        return (double)hits / labels.Length;
    }

    /// <summary>Predicted class per row (first maximum).</summary>
    public static int[] Predictions(ReadOnlySpan<float> scores, int classes)
    {
        var n = scores.Length / classes;
        var result = new int[n];
        for (var i = 0; i < n; i++)
        {
            var row = scores.Slice(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++) if (row[c] > row[best]) best = c;
            result[i] = best;
        }
        return result;
    }

    /// <summary>Accuracy of each class (NaN for a class with no rows).</summary>
    public static double[] PerClassAccuracy(ReadOnlySpan<int> predictions, ReadOnlySpan<int> labels, int classes)
    {
        var total = new int[classes];
        var right = new int[classes];
        for (var i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (predictions[i] == labels[i]) right[labels[i]]++;
        }
        return total.Select((t, c) => t == 0 ? double.NaN : (double)right[c] / t).ToArray();
    }

    /// <summary>Mean and sample standard deviation (n - 1); std is 0 for a single value.</summary>
    public static (double mean, double std) MeanStd(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return (double.NaN, double.NaN);
        var mean = values.Average();
        if (values.Count == 1) return (mean, 0);
        var ss = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(ss / (values.Count - 1)));
    }
}
