using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Repro.Experiments.Data;

/// <summary>Per-channel mean and standard deviation of a set of images.</summary>
public sealed record ChannelStatistics(float[] Mean, float[] Std)
{
    /// <summary>Mean and population standard deviation of every channel over all images and pixels.</summary>
    public static ChannelStatistics Compute(ImageSet images)
    {
        int channels = images.Channels, plane = images.Height * images.Width;
        var sum = new double[channels];
        var sumSquares = new double[channels];
        var pixels = images.Pixels.AsSpan();
        for (int i = 0; i < images.Count; i++)
            for (int c = 0; c < channels; c++)
            {
                var values = pixels.Slice((i * channels + c) * plane, plane);
                double s = 0, ss = 0;
                foreach (float v in values)
                {
                    s += v;
                    ss += (double)v * v;
                }
                sum[c] += s;
                sumSquares[c] += ss;
            }
        double n = (double)images.Count * plane;
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = n > 0 ? sum[c] / n : 0;
            double variance = n > 0 ? Math.Max(sumSquares[c] / n - m * m, 0) : 0;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(variance);
        }
        return new ChannelStatistics(mean, std);
    }
}

/// <summary>
/// Augmentation and normalisation on batches of images laid out as in <see cref="ImageSet"/> (image-major, CHW),
/// in place. They run on every training batch of every epoch, so they copy whole rows and allocate at most one
/// scratch image per call.
/// </summary>
public static class ImageTransforms
{
    /// <summary>
    /// Moves one image by (dy, dx): output[y, x] = input[y + dy, x + dx], zero where that falls outside. This is a
    /// crop of the image padded with zeros, taken at offset (dy + p, dx + p) of the padded image.
    /// </summary>
    public static void Translate(Span<float> image, int channels, int height, int width, int dy, int dx, Span<float> scratch)
    {
        int length = channels * height * width;
        if (dy == 0 && dx == 0) return;
        image.Slice(0, length).CopyTo(scratch);
        int x0 = Math.Max(0, -dx), x1 = Math.Min(width, width - dx);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
            {
                var row = image.Slice((c * height + y) * width, width);
                int sy = y + dy;
                if (sy < 0 || sy >= height || x0 >= x1)
                {
                    row.Clear();
                    continue;
                }
                var source = scratch.Slice((c * height + sy) * width, width);
                row.Slice(0, x0).Clear();
                source.Slice(x0 + dx, x1 - x0).CopyTo(row.Slice(x0, x1 - x0));
                row.Slice(x1).Clear();
            }
    }

    /// <summary>
    /// Random crop with zero padding, as torchvision's RandomCrop(size, padding): each image is padded by
    /// <paramref name="padding"/> zeros on every side and cropped back to height x width at a uniformly drawn
    /// top in [0, 2p] then left in [0, 2p].
    /// </summary>
    public static void RandomCrop(Span<float> images, int count, int channels, int height, int width, int padding, SeededRandom rng)
    {
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding must not be negative");
        if (padding == 0) return;
        int length = channels * height * width;
        var scratch = ArrayPool<float>.Shared.Rent(length);
        try
        {
            for (int i = 0; i < count; i++)
            {
                int top = rng.NextInt(2 * padding + 1);
                int left = rng.NextInt(2 * padding + 1);
                Translate(images.Slice(i * length, length), channels, height, width, top - padding, left - padding, scratch);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Mirrors one image left to right: every row is reversed.</summary>
    public static void FlipHorizontal(Span<float> image, int channels, int height, int width)
    {
        for (int r = 0; r < channels * height; r++) image.Slice(r * width, width).Reverse();
    }

    /// <summary>Mirrors each image with the given probability, one draw per image.</summary>
    public static void RandomHorizontalFlip(Span<float> images, int count, int channels, int height, int width, SeededRandom rng, double probability = 0.5)
    {
        int length = channels * height * width;
        for (int i = 0; i < count; i++)
            if (rng.NextDouble() < probability) FlipHorizontal(images.Slice(i * length, length), channels, height, width);
    }

    /// <summary>x = (x - mean[c]) / std[c] for every pixel of channel c of every image.</summary>
    public static void Normalize(Span<float> images, int count, int channels, int height, int width, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        if (mean.Length != channels || std.Length != channels)
            throw new ArgumentException($"normalisation needs {channels} means and standard deviations, got {mean.Length} and {std.Length}");
        int plane = height * width;
        Span<float> scale = stackalloc float[channels];
        for (int c = 0; c < channels; c++)
        {
            if (!(std[c] > 0)) throw new ArgumentException($"standard deviation of channel {c} is {std[c]}; it must be positive");
            scale[c] = 1f / std[c];
        }
        for (int i = 0; i < count; i++)
            for (int c = 0; c < channels; c++)
            {
                var values = images.Slice((i * channels + c) * plane, plane);
                float m = mean[c], s = scale[c];
                int p = 0;
                if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
                {
                    var vm = new Vector<float>(m);
                    var vs = new Vector<float>(s);
                    var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                    for (int k = 0; k < vectors.Length; k++) vectors[k] = (vectors[k] - vm) * vs;
                    p = vectors.Length * Vector<float>.Count;
                }
                for (; p < values.Length; p++) values[p] = (values[p] - m) * s;
            }
    }
}
