namespace Repro.Experiments.Data;

/// <summary>
/// The input conditions of Zhang et al. (2017), Fig. 1a: shuffled pixels (one permutation of pixel positions for
/// every image, train and test alike), random pixels (a new permutation per image) and Gaussian inputs (every
/// pixel drawn from a normal distribution with the data's per-channel mean and variance). A permutation moves
/// pixel positions; all channels of a position move together. Pure and seeded: inputs are never changed in place.
/// </summary>
public static class InputCorruption
{
    /// <summary>A permutation of the <paramref name="positions"/> pixel positions of an image.</summary>
    public static int[] PixelPermutation(int positions, long seed, string purpose) =>
        new SeededRandom(seed, purpose).Permutation(positions);

    /// <summary>Every image with pixel position q moved from <c>permutation[q]</c>: output[q] = input[permutation[q]].</summary>
    public static ImageSet ShufflePixels(ImageSet images, ReadOnlySpan<int> permutation)
    {
        int plane = images.Height * images.Width;
        CheckPermutation(permutation, plane);
        var pixels = new float[images.Pixels.LongLength];
        for (int i = 0; i < images.Count; i++)
            Permute(images, i, permutation, pixels);
        return new ImageSet(pixels, images.Labels, images.ClassNames, images.Channels, images.Height, images.Width);
    }

    /// <summary>
    /// Every image with its own permutation of pixel positions; image i's permutation comes from the stream
    /// (seed, purpose, i), so it does not depend on how many images come before it.
    /// </summary>
    public static ImageSet RandomPixels(ImageSet images, long seed, string purpose)
    {
        int plane = images.Height * images.Width;
        var pixels = new float[images.Pixels.LongLength];
        for (int i = 0; i < images.Count; i++)
            Permute(images, i, ImagePermutation(plane, seed, purpose, i), pixels);
        return new ImageSet(pixels, images.Labels, images.ClassNames, images.Channels, images.Height, images.Width);
    }

    /// <summary>The permutation <see cref="RandomPixels"/> applies to image <paramref name="index"/>.</summary>
    public static int[] ImagePermutation(int positions, long seed, string purpose, int index) =>
        new SeededRandom(seed, purpose, index).Permutation(positions);

    /// <summary>
    /// Images of the same shape and labels whose pixels are independent normal draws with the given per-channel
    /// mean and standard deviation (Box-Muller on the seeded stream).
    /// </summary>
    public static ImageSet GaussianInputs(ImageSet images, ChannelStatistics statistics, long seed, string purpose)
    {
        if (statistics.Mean.Length != images.Channels || statistics.Std.Length != images.Channels)
            throw new ArgumentException($"statistics for {statistics.Mean.Length} channels given for {images.Channels}-channel images");
        int plane = images.Height * images.Width;
        var rng = new SeededRandom(seed, purpose);
        var pixels = new float[images.Pixels.LongLength];
        for (int i = 0; i < images.Count; i++)
            for (int c = 0; c < images.Channels; c++)
            {
                var target = pixels.AsSpan((i * images.Channels + c) * plane, plane);
                for (int q = 0; q < plane; q++)
                    target[q] = (float)(statistics.Mean[c] + statistics.Std[c] * StandardNormal(rng));
            }
        return new ImageSet(pixels, images.Labels, images.ClassNames, images.Channels, images.Height, images.Width);
    }

    /// <summary>One standard normal draw (Box-Muller, cosine branch only, so every draw uses exactly two uniforms).</summary>
    public static double StandardNormal(SeededRandom rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // in (0, 1]: log(0) is never taken
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    static void Permute(ImageSet images, int index, ReadOnlySpan<int> permutation, float[] output)
    {
        int plane = images.Height * images.Width;
        var source = images.Image(index);
        var target = output.AsSpan(index * images.ImageLength, images.ImageLength);
        for (int c = 0; c < images.Channels; c++)
        {
            var s = source.Slice(c * plane, plane);
            var t = target.Slice(c * plane, plane);
            for (int q = 0; q < plane; q++) t[q] = s[permutation[q]];
        }
    }

    static void CheckPermutation(ReadOnlySpan<int> permutation, int positions)
    {
        if (permutation.Length != positions)
            throw new ArgumentException($"a permutation of {permutation.Length} positions given for images of {positions} pixels");
        var seen = new bool[positions];
        foreach (int p in permutation)
        {
            if ((uint)p >= (uint)positions || seen[p])
                throw new ArgumentException($"not a permutation of 0..{positions - 1}: {p} is out of range or repeated");
            seen[p] = true;
        }
    }
}
