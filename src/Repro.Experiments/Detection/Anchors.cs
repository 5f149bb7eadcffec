namespace Repro.Experiments.Detection;

/// <summary>
/// Faster R-CNN's anchors (Ren et al. 2015, sec. 3.1.1): at every cell of the feature map, one box per scale and
/// aspect ratio, centred on the cell. A scale is the square root of the anchor's area in pixels; an aspect ratio
/// is height / width, so the box of scale s and ratio r is s / sqrt(r) wide and s * sqrt(r) high.
/// </summary>
public static class Anchors
{
    /// <summary>Anchors per cell: scales x aspect ratios.</summary>
    public static int PerCell(IReadOnlyList<double> scales, IReadOnlyList<double> ratios) => scales.Count * ratios.Count;

    /// <summary>
    /// The anchors of one cell centred at (0, 0) as [scales x ratios, 4] pixel boxes (inclusive corners,
    /// width = x2 - x1 + 1), scale-major: anchor a = scale index * ratios + ratio index.
    /// </summary>
    public static double[] Cell(IReadOnlyList<double> scales, IReadOnlyList<double> ratios)
    {
        if (scales.Count == 0 || ratios.Count == 0) throw new ArgumentException("anchors need at least one scale and one aspect ratio");
        var result = new double[scales.Count * ratios.Count * 4];
        int k = 0;
        foreach (var s in scales)
            foreach (var r in ratios)
            {
                if (!(s > 0) || !(r > 0)) throw new ArgumentException($"anchor scale {s} and aspect ratio {r} must be positive");
                double w = s / Math.Sqrt(r), h = s * Math.Sqrt(r);
                result[k++] = -(w - 1) / 2;
                result[k++] = -(h - 1) / 2;
                result[k++] = (w - 1) / 2;
                result[k++] = (h - 1) / 2;
            }
        return result;
    }

    /// <summary>
    /// Every anchor of a feature map [height, width] whose cells are <paramref name="stride"/> pixels apart:
    /// [height * width * A, 4], ordered by row, column, then anchor, the order in which a convolution's output
    /// [A, height, width] reads after permuting to [height, width, A]. Cell (i, j) covers pixels
    /// j*stride .. j*stride + stride - 1, so its centre is at ((j + 0.5) * stride - 0.5, (i + 0.5) * stride - 0.5).
    /// </summary>
    public static Tensor Grid(int height, int width, int stride, IReadOnlyList<double> scales, IReadOnlyList<double> ratios)
    {
        var cell = Cell(scales, ratios);
        int a = cell.Length / 4;
        var boxes = new float[height * width * a * 4];
        int k = 0;
        for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                double cx = (j + 0.5) * stride - 0.5, cy = (i + 0.5) * stride - 0.5;
                for (int n = 0; n < a; n++)
                {
                    boxes[k++] = (float)(cx + cell[4 * n]);
                    boxes[k++] = (float)(cy + cell[4 * n + 1]);
                    boxes[k++] = (float)(cx + cell[4 * n + 2]);
                    boxes[k++] = (float)(cy + cell[4 * n + 3]);
                }
            }
        return torch.tensor(boxes, (long)height * width * a, 4);
    }
}
