namespace Repro.Experiments.Detection;

/// <summary>Each region's best-overlapping ground-truth box: its IoU and index (-1 when the image has none).</summary>
public sealed record Overlaps(float[] MaxIou, int[] GroundTruth)
{
    /// <summary>IoU of every region [R,4] with every ground-truth box [G,4], VOC's inclusive-pixel convention.</summary>
    public static Overlaps Of(Tensor regions, Tensor groundTruth)
    {
        int r = (int)regions.size(0), g = (int)groundTruth.size(0);
        var max = new float[r];
        var arg = new int[r];
        Array.Fill(arg, -1);
        if (g == 0 || r == 0) return new Overlaps(max, arg);
        using var scope = torch.NewDisposeScope();
        var iou = RegionOps.BoxIou(regions, groundTruth, offset: 1).contiguous().data<float>().ToArray();
        for (int i = 0; i < r; i++)
            for (int j = 0; j < g; j++)
                if (iou[i * g + j] > max[i] || arg[i] < 0)
                {
                    max[i] = iou[i * g + j];
                    arg[i] = j;
                }
        return new Overlaps(max, arg);
    }
}

/// <summary>
/// The minibatch sampling of R-CNN and Fast R-CNN training: foreground regions overlap a ground-truth box by
/// IoU >= <see cref="ForegroundIou"/>; background regions have IoU in [<see cref="BackgroundLow"/>,
/// <see cref="BackgroundHigh"/>); a batch takes up to <see cref="ForegroundFraction"/> foreground and fills
/// the rest with background, both drawn without replacement.
/// </summary>
public sealed record RegionSampler(double ForegroundIou, double BackgroundLow, double BackgroundHigh, double ForegroundFraction)
{
    /// <summary>Indices of sampled regions and their labels (0 = background).</summary>
    public (int[] indices, int[] labels) Sample(Overlaps overlaps, int[] groundTruthLabels, int batch, SeededRandom random)
    {
        var fg = new List<int>();
        var bg = new List<int>();
        for (int i = 0; i < overlaps.MaxIou.Length; i++)
        {
            double iou = overlaps.GroundTruth[i] < 0 ? 0 : overlaps.MaxIou[i];
            if (iou >= ForegroundIou) fg.Add(i);
            else if (iou >= BackgroundLow && iou < BackgroundHigh) bg.Add(i);
        }
        int fgCount = Math.Min(fg.Count, (int)Math.Round(batch * ForegroundFraction));
        int bgCount = Math.Min(bg.Count, batch - fgCount);
        var picked = Draw(fg, fgCount, random).Concat(Draw(bg, bgCount, random)).ToArray();
        var labels = picked.Select((i, k) => k < fgCount ? groundTruthLabels[overlaps.GroundTruth[i]] : 0).ToArray();
        return (picked, labels);
    }

    static IEnumerable<int> Draw(List<int> pool, int count, SeededRandom random)
    {
        var copy = pool.ToArray();
        random.Shuffle<int>(copy);
        return copy.Take(count);
    }
}
