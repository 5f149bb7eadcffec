using Repro.Experiments.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Experiments.Metrics;

/// <summary>
/// Saliency maps as arrays of one value per pixel (row-major, height x width), and the few reductions the
/// attribution experiment shares between its methods.
/// </summary>
public static class AttributionMaps
{
    /// <summary>
    /// Simonyan et al.'s reduction of a signal in input space [N,C,H,W] to one map per image [N,H,W]: the largest
    /// magnitude over the colour channels.
    /// </summary>
    public static Tensor MaxMagnitude(Tensor signal)
    {
        if (signal.dim() != 4) throw new ArgumentException($"signal must be [N,C,H,W], got {signal.dim()} dimensions");
        return signal.abs().amax([1]);
    }

    /// <summary>
    /// An occlusion map at pixel resolution: each pixel gets the mean drop of P(true class) over the occluder
    /// positions that covered it (0 where none did).
    /// </summary>
    public static float[] FromOcclusion(OcclusionMap map, int height, int width)
    {
        var sum = new double[height * width];
        var count = new int[height * width];
        for (int r = 0; r < map.Rows; r++)
            for (int c = 0; c < map.Cols; c++)
            {
                double drop = map.UnoccludedProbability - map.TrueClassProbability[r, c];
                var square = map.Square(r, c);
                for (int y = square.Top; y < Math.Min(height, square.Bottom); y++)
                    for (int x = square.Left; x < Math.Min(width, square.Right); x++)
                    {
                        sum[y * width + x] += drop;
                        count[y * width + x]++;
                    }
            }
        var pixels = new float[height * width];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = count[i] > 0 ? (float)(sum[i] / count[i]) : 0f;
        return pixels;
    }

    /// <summary>The random baseline: independent uniform values in [0, 1).</summary>
    public static float[] Random(SeededRandom random, int height, int width)
    {
        var pixels = new float[height * width];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        return pixels;
    }

    /// <summary>Share of the most common label among <paramref name="labels"/> (1 when all agree); NaN for none.</summary>
    public static double ClassPurity(IReadOnlyList<int> labels)
    {
        if (labels.Count == 0) return double.NaN;
        return (double)labels.GroupBy(l => l).Max(g => g.Count()) / labels.Count;
    }

    /// <summary>Indices of the <paramref name="k"/> largest scores, largest first; ties keep index order.</summary>
    public static int[] Top(IReadOnlyList<float> scores, int k) =>
        Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).ToArray();
}
