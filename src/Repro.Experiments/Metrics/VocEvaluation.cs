namespace Repro.Experiments.Metrics;

/// <summary>One detection of one class: image id, confidence, box in VOC pixel coordinates (inclusive).</summary>
public sealed record Detection(string ImageId, double Score, double X1, double Y1, double X2, double Y2);

/// <summary>
/// A class's result: both AP variants (NaN when the class has no non-difficult object, so no recall exists),
/// the non-difficult positives, the detections given, and the precision-recall curve: one point per detection
/// counted as true or false positive, in decreasing score order (detections of difficult objects are not points).
/// </summary>
public sealed record ClassAp(string ClassName, double Ap11, double ApArea, int Positives, int Detections,
    double[] Recall, double[] Precision);

/// <summary>
/// PASCAL VOC detection evaluation, as the VOC2007 devkit (VOCevaldet.m) computes it. Pure functions.
/// </summary>
public static class VocEvaluation
{
    public const double DefaultIouThreshold = 0.5;

    /// <summary>
    /// IoU with VOC's inclusive-pixel convention: a box from x1 to x2 covers x2 - x1 + 1 pixels, so a box with
    /// x1 = x2 is one pixel wide, not empty. Boxes that do not overlap (or are empty) give 0.
    /// </summary>
    public static double Iou(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2)
    {
        double iw = Math.Min(ax2, bx2) - Math.Max(ax1, bx1) + 1;
        double ih = Math.Min(ay2, by2) - Math.Max(ay1, by1) + 1;
        if (iw <= 0 || ih <= 0)
            return 0;
        double intersection = iw * ih;
        double union = (ax2 - ax1 + 1) * (ay2 - ay1 + 1) + (bx2 - bx1 + 1) * (by2 - by1 + 1) - intersection;
        return union > 0 ? intersection / union : 0;
    }

    /// <summary>
    /// VOC2007's 11-point interpolated AP: the mean over t = 0, 0.1, ..., 1 of the highest precision at a recall of
    /// at least t (0 where no point reaches t). The thresholds are the exact tenths k / 10, so a recall of exactly
    /// 0.3 counts for t = 0.3.
    /// </summary>
    public static double Ap11(double[] recall, double[] precision)
    {
        CheckCurve(recall, precision);
        double sum = 0;
        for (int k = 0; k <= 10; k++)
        {
            double t = k / 10.0;
            double best = 0;
            for (int i = 0; i < recall.Length; i++)
                if (recall[i] >= t && precision[i] > best)
                    best = precision[i];
            sum += best;
        }
        return sum / 11;
    }

    /// <summary>
    /// The area under the monotone precision envelope (VOC2010 onwards): precision is replaced by the highest
    /// precision at any greater or equal recall, and the area under that step function is summed over the recall
    /// steps, starting from recall 0.
    /// </summary>
    public static double ApArea(double[] recall, double[] precision)
    {
        CheckCurve(recall, precision);
        int n = recall.Length;
        var r = new double[n + 2];
        var p = new double[n + 2];
        r[n + 1] = 1;
        for (int i = 0; i < n; i++)
        {
            r[i + 1] = recall[i];
            p[i + 1] = precision[i];
        }
        for (int i = n; i >= 0; i--)
            p[i] = Math.Max(p[i], p[i + 1]);
        double area = 0;
        for (int i = 0; i <= n; i++)
            if (r[i + 1] != r[i])
                area += (r[i + 1] - r[i]) * p[i + 1];
        return area;
    }

    /// <summary>
    /// The devkit's per-class evaluation. Detections are taken in decreasing score (stable: equal scores keep
    /// their given order); each is compared with every ground-truth object of its class in its image and assigned
    /// to the one of highest IoU (the first on ties). IoU above <paramref name="iouThreshold"/> is a match: a
    /// match to a difficult object counts neither way; the first match to an object is a true positive and any
    /// later one a false positive (a duplicate), even when another object of the image is still unmatched, as in
    /// VOCevaldet.m. A detection without a match is a false positive. Positives exclude difficult objects.
    /// </summary>
    public static ClassAp EvaluateClass(IReadOnlyList<VocImage> images, string className,
        IReadOnlyList<Detection> detections, double iouThreshold = DefaultIouThreshold)
    {
        var truth = new Dictionary<string, VocObject[]>(StringComparer.Ordinal);
        int positives = 0;
        foreach (var image in images)
        {
            var objects = image.Objects.Where(o => o.ClassName == className).ToArray();
            if (!truth.TryAdd(image.Id, objects))
                throw new ArgumentException($"image id '{image.Id}' appears twice among the images", nameof(images));
            positives += objects.Count(o => !o.Difficult);
        }
        foreach (var d in detections)
        {
            if (!truth.ContainsKey(d.ImageId))
                throw new ArgumentException($"a '{className}' detection is on image '{d.ImageId}', which is not among the images", nameof(detections));
            if (double.IsNaN(d.Score))
                throw new ArgumentException($"a '{className}' detection on image '{d.ImageId}' has score NaN", nameof(detections));
        }

        var order = Enumerable.Range(0, detections.Count).OrderByDescending(i => detections[i].Score).ToArray();
        var matched = truth.ToDictionary(kv => kv.Key, kv => new bool[kv.Value.Length], StringComparer.Ordinal);
        var recall = new List<double>(order.Length);
        var precision = new List<double>(order.Length);
        int tp = 0, fp = 0;
        foreach (int index in order)
        {
            var d = detections[index];
            var objects = truth[d.ImageId];
            double best = double.NegativeInfinity;
            int bestIndex = -1;
            for (int j = 0; j < objects.Length; j++)
            {
                var o = objects[j];
                double iou = Iou(d.X1, d.Y1, d.X2, d.Y2, o.X1, o.Y1, o.X2, o.Y2);
                if (iou > best)
                {
                    best = iou;
                    bestIndex = j;
                }
            }
            if (bestIndex >= 0 && best > iouThreshold)
            {
                if (objects[bestIndex].Difficult)
                    continue;
                if (!matched[d.ImageId][bestIndex])
                {
                    matched[d.ImageId][bestIndex] = true;
                    tp++;
                }
                else
                {
                    fp++;
                }
            }
            else
            {
                fp++;
            }
            recall.Add(positives > 0 ? (double)tp / positives : 0);
            precision.Add((double)tp / (tp + fp));
        }

        var r = recall.ToArray();
        var p = precision.ToArray();
        return positives == 0
            ? new ClassAp(className, double.NaN, double.NaN, 0, detections.Count, r, p)
            : new ClassAp(className, Ap11(r, p), ApArea(r, p), positives, detections.Count, r, p);
    }

    /// <summary>
    /// Every class of <paramref name="classes"/> (a class missing from <paramref name="detectionsByClass"/> has no
    /// detections, AP 0); mAP = mean over the classes with at least one non-difficult object (NaN when none has).
    /// </summary>
    public static (IReadOnlyList<ClassAp> PerClass, double MapAp11, double MapArea) Evaluate(
        IReadOnlyList<VocImage> images, IReadOnlyList<string> classes,
        IReadOnlyDictionary<string, IReadOnlyList<Detection>> detectionsByClass, double iouThreshold = DefaultIouThreshold)
    {
        foreach (var name in detectionsByClass.Keys)
            if (!classes.Contains(name))
                throw new ArgumentException($"detections of class '{name}', which is not among the classes evaluated", nameof(detectionsByClass));
        var perClass = classes
            .Select(c => EvaluateClass(images, c, detectionsByClass.TryGetValue(c, out var d) ? d : Array.Empty<Detection>(), iouThreshold))
            .ToArray();
        var scored = perClass.Where(c => c.Positives > 0).ToArray();
        return scored.Length == 0
            ? (perClass, double.NaN, double.NaN)
            : (perClass, scored.Average(c => c.Ap11), scored.Average(c => c.ApArea));
    }

    private static void CheckCurve(double[] recall, double[] precision)
    {
        ArgumentNullException.ThrowIfNull(recall);
        ArgumentNullException.ThrowIfNull(precision);
        if (recall.Length != precision.Length)
            throw new ArgumentException($"{recall.Length} recall values but {precision.Length} precision values");
    }
}
