namespace Repro.Experiments.Metrics;

/// <summary>
/// The pointing game (Zhang et al. 2016, "Top-down neural attention by excitation backprop"): a map scores a hit
/// when its maximum lies within <c>tolerance</c> pixels (Euclidean) of the object's box; the score of a method is
/// its fraction of hits. The paper's tolerance is 15 pixels on PASCAL VOC images.
/// </summary>
public static class PointingGame
{
    /// <summary>The first (row-major) position of the largest value of a height x width map.</summary>
    public static (int Row, int Col) Maximum(ReadOnlySpan<float> map, int height, int width)
    {
        if (map.Length != height * width) throw new ArgumentException($"map has {map.Length} values, not {height}x{width}");
        int best = 0;
        for (int i = 1; i < map.Length; i++)
            if (map[i] > map[best] || (float.IsNaN(map[best]) && !float.IsNaN(map[i]))) best = i;
        return (best / width, best % width);
    }

    /// <summary>The centre baseline's point: the middle pixel of the image.</summary>
    public static (int Row, int Col) Centre(int height, int width) => (height / 2, width / 2);

    /// <summary>Euclidean distance in pixels from pixel (row, col) to the nearest pixel of <paramref name="box"/> (0 inside it).</summary>
    public static double Distance(PixelBox box, int row, int col)
    {
        int dy = row < box.Top ? box.Top - row : row >= box.Bottom ? row - (box.Bottom - 1) : 0;
        int dx = col < box.Left ? box.Left - col : col >= box.Right ? col - (box.Right - 1) : 0;
        return Math.Sqrt((double)dy * dy + (double)dx * dx);
    }

    public static bool Hit(PixelBox box, int row, int col, double tolerance) => Distance(box, row, col) <= tolerance;

    /// <summary>Fraction of hits over a set of points and their boxes.</summary>
    public static double Accuracy(IReadOnlyList<(int Row, int Col)> points, IReadOnlyList<PixelBox> boxes, double tolerance)
    {
        if (points.Count != boxes.Count) throw new ArgumentException($"{points.Count} points for {boxes.Count} boxes");
        if (points.Count == 0) return double.NaN;
        int hits = 0;
        for (int i = 0; i < points.Count; i++)
            if (Hit(boxes[i], points[i].Row, points[i].Col, tolerance)) hits++;
        return (double)hits / points.Count;
    }
}
