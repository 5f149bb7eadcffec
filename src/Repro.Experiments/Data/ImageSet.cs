namespace Repro.Experiments.Data;

/// <summary>
/// N labelled images of Channels x Height x Width held in one managed array, image after image, each in CHW
/// order with values scaled to [0, 1]. This is the engine-free form every loader produces; training copies
/// batches (or the whole set) into tensors.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(float[] pixels, int[] labels, string[] classNames, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"image shape {channels}x{height}x{width} must be positive");
        if (classNames.Length == 0) throw new ArgumentException("an image set needs at least one class name");
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException(
                $"{labels.Length} images of {channels}x{height}x{width} need {expected} pixel values, got {pixels.LongLength}");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Length)
                throw new ArgumentException($"label {labels[i]} of image {i} is outside 0..{classNames.Length - 1}");

        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>All pixels, N*C*H*W values, image-major then CHW.</summary>
    public float[] Pixels { get; }

    public int[] Labels { get; }

    public string[] ClassNames { get; }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    public int Count => Labels.Length;

    public int ClassCount => ClassNames.Length;

    /// <summary>Values in one image: C*H*W.</summary>
    public int ImageLength => Channels * Height * Width;

    public Span<float> Image(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"image index outside 0..{Count - 1}");
        return Pixels.AsSpan(index * ImageLength, ImageLength);
    }

    /// <summary>A copy holding the images at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    public ImageSet Subset(ReadOnlySpan<int> indices)
    {
        int length = ImageLength;
        var pixels = new float[(long)indices.Length * length];
        var labels = new int[indices.Length];
        CopyBatch(indices, pixels, labels);
        return new ImageSet(pixels, labels, ClassNames, Channels, Height, Width);
    }

    public ImageSet Subset(int[] indices) => Subset(indices.AsSpan());

    /// <summary>
    /// Gathers the images and labels at <paramref name="indices"/> into caller-owned buffers, so a training loop
    /// can reuse one batch buffer for every step.
    /// </summary>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> pixels, Span<int> labels)
    {
        int length = ImageLength;
        if (pixels.Length < indices.Length * length)
            throw new ArgumentException($"pixel buffer holds {pixels.Length} values, {indices.Length} images need {indices.Length * length}");
        if (labels.Length < indices.Length)
            throw new ArgumentException($"label buffer holds {labels.Length} values, {indices.Length} images need {indices.Length}");
        var source = Pixels.AsSpan();
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"image index outside 0..{Count - 1}");
            source.Slice(index * length, length).CopyTo(pixels.Slice(i * length, length));
            labels[i] = Labels[index];
        }
    }

    /// <summary>The same images with other labels (label corruption); the pixel array is shared, not copied.</summary>
    public ImageSet WithLabels(int[] labels)
    {
        if (labels.Length != Count) throw new ArgumentException($"{labels.Length} labels given for {Count} images");
        return new ImageSet(Pixels, labels, ClassNames, Channels, Height, Width);
    }

    /// <summary>
    /// This set followed by <paramref name="other"/> (same classes and image shape): e.g. the train and test parts of
    /// a data set pooled, for drawing K images per class from all of it.
    /// </summary>
    public ImageSet Concat(ImageSet other)
    {
        if (other.Channels != Channels || other.Height != Height || other.Width != Width)
            throw new ArgumentException($"cannot join {Channels}x{Height}x{Width} images with {other.Channels}x{other.Height}x{other.Width} ones");
        if (!other.ClassNames.SequenceEqual(ClassNames))
            throw new ArgumentException("cannot join image sets with different classes");
        var pixels = new float[Pixels.LongLength + other.Pixels.LongLength];
        Pixels.CopyTo(pixels, 0);
        other.Pixels.CopyTo(pixels, Pixels.LongLength);
        return new ImageSet(pixels, [.. Labels, .. other.Labels], ClassNames, Channels, Height, Width);
    }

    /// <summary>
    /// The images of the listed classes only, relabelled 0..k-1 in the order given (a class split such as
    /// Yosinski's A/B halves). Images keep their original order.
    /// </summary>
    public ImageSet SelectClasses(IReadOnlyList<int> classes)
    {
        var newLabel = new int[ClassCount];
        Array.Fill(newLabel, -1);
        for (int k = 0; k < classes.Count; k++)
        {
            int c = classes[k];
            if ((uint)c >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(classes), c, $"class outside 0..{ClassCount - 1}");
            if (newLabel[c] >= 0) throw new ArgumentException($"class {c} listed twice");
            newLabel[c] = k;
        }
        var kept = new List<int>();
        for (int i = 0; i < Count; i++)
            if (newLabel[Labels[i]] >= 0) kept.Add(i);
        var subset = Subset(kept.ToArray());
        var labels = subset.Labels;
        for (int i = 0; i < labels.Length; i++) labels[i] = newLabel[labels[i]];
        var names = classes.Select(c => ClassNames[c]).ToArray();
        return new ImageSet(subset.Pixels, labels, names, Channels, Height, Width);
    }

    /// <summary>Images per class, indexed by label.</summary>
    public int[] ClassCounts() => Sampling.ClassCounts(Labels, ClassCount);

    /// <summary>Every image resized to height x width (area averaging when shrinking, bilinear when enlarging).</summary>
    public ImageSet Resize(int height, int width)
    {
        if (height == Height && width == Width) return this;
        var resizer = new ImageResizer(Height, Width, height, width);
        int inPlane = Height * Width, outPlane = height * width;
        var pixels = new float[(long)Count * Channels * outPlane];
        for (int i = 0; i < Count; i++)
            for (int c = 0; c < Channels; c++)
            {
                int plane = i * Channels + c;
                resizer.Resize(Pixels.AsSpan(plane * inPlane, inPlane), pixels.AsSpan(plane * outPlane, outPlane));
            }
        return new ImageSet(pixels, Labels, ClassNames, Channels, height, width);
    }

    /// <summary>
    /// The set with 1 or 3 channels: grey is repeated into R, G and B; colour becomes grey by the ITU-R BT.601
    /// luma weights (what OpenCV and PIL use), so a colour data set can feed a network built for grey input.
    /// </summary>
    public ImageSet ConvertChannels(int channels)
    {
        if (channels == Channels) return this;
        int plane = Height * Width;
        var pixels = new float[(long)Count * channels * plane];
        for (int i = 0; i < Count; i++)
        {
            var source = Pixels.AsSpan(i * ImageLength, ImageLength);
            var target = pixels.AsSpan(i * channels * plane, channels * plane);
            ChannelConversion.Convert(source, Channels, target, channels, plane);
        }
        return new ImageSet(pixels, Labels, ClassNames, channels, Height, Width);
    }
}

internal static class ChannelConversion
{
    public static void Convert(ReadOnlySpan<float> source, int sourceChannels, Span<float> target, int targetChannels, int plane)
    {
        if (sourceChannels == targetChannels)
        {
            source.Slice(0, sourceChannels * plane).CopyTo(target);
            return;
        }
        if (sourceChannels == 1 && targetChannels == 3)
        {
            for (int c = 0; c < 3; c++) source.Slice(0, plane).CopyTo(target.Slice(c * plane, plane));
            return;
        }
        if (sourceChannels == 3 && targetChannels == 1)
        {
            var r = source.Slice(0, plane);
            var g = source.Slice(plane, plane);
            var b = source.Slice(2 * plane, plane);
            for (int p = 0; p < plane; p++) target[p] = 0.299f * r[p] + 0.587f * g[p] + 0.114f * b[p];
            return;
        }
        throw new ArgumentException($"cannot convert {sourceChannels} channels to {targetChannels}; 1 and 3 are supported");
    }
}
