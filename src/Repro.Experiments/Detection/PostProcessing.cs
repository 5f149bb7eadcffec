namespace Repro.Experiments.Detection;

/// <summary>The test-time tail shared by the three detectors: per-class thresholding, NMS, a cap per image.</summary>
public sealed class TestOptions
{
    /// <summary>Per-class non-maximum suppression IoU (0.3 in R-CNN and Fast R-CNN).</summary>
    [Between(0, 1)]
    public double NmsIou { get; set; } = 0.3;

    /// <summary>Detections scoring at or below this are dropped (softmax probability; R-CNN's SVM margin uses svm_score_threshold).</summary>
    public double ScoreThreshold { get; set; } = 0.01;

    /// <summary>R-CNN keeps SVM scores above this margin.</summary>
    public double SvmScoreThreshold { get; set; } = -1.5;

    /// <summary>At most this many detections per image over all classes, the highest scoring.</summary>
    [AtLeast(1)]
    public int MaxPerImage { get; set; } = 100;
}

public static class PostProcessing
{
    /// <summary>
    /// Detections of one image from per-region class scores [R, classes + 1] (background in column 0) and boxes,
    /// either shared [R, 4] or class-specific [R, 4 (classes + 1)]: for each class, the regions scoring above
    /// <paramref name="threshold"/>, non-maximum suppressed at <paramref name="nmsIou"/>, then the best
    /// <paramref name="maxPerImage"/> over all classes.
    /// </summary>
    public static List<DetectedBox> Detect(Tensor scores, Tensor boxes, double threshold, double nmsIou, int maxPerImage)
    {
        using var scope = torch.NewDisposeScope();
        int classes = (int)scores.size(1) - 1;
        var s = scores.detach().cpu().@float().contiguous();
        var b = boxes.detach().cpu().@float().contiguous();
        bool perClass = b.size(1) == 4 * (classes + 1);
        var result = new List<DetectedBox>();
        for (int c = 1; c <= classes; c++)
        {
            var column = s.select(1, c).contiguous();
            var keep = column.gt(threshold).nonzero().view(-1);
            if (keep.size(0) == 0) continue;
            var classScores = column.index_select(0, keep).contiguous();
            var classBoxes = (perClass ? b.narrow(1, 4 * c, 4) : b).index_select(0, keep).contiguous();
            var kept = RegionOps.Nms(classBoxes, classScores, nmsIou, offset: 1);
            var ks = classScores.index_select(0, kept).data<float>().ToArray();
            var kb = classBoxes.index_select(0, kept).contiguous().data<float>().ToArray();
            for (int i = 0; i < ks.Length; i++)
                result.Add(new DetectedBox(c, ks[i], kb[4 * i], kb[4 * i + 1], kb[4 * i + 2], kb[4 * i + 3]));
        }
        // Stable order: score, then class, then position, so ties do not depend on the sort's implementation.
        return result.OrderByDescending(d => d.Score).ThenBy(d => d.Label).ThenBy(d => d.X1).ThenBy(d => d.Y1)
            .Take(maxPerImage).ToList();
    }
}
