using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Metrics;

/// <summary>A rectangle of pixels: rows Top..Bottom-1, columns Left..Right-1.</summary>
public readonly record struct PixelBox(int Top, int Left, int Bottom, int Right)
{
    public int Height => Bottom - Top;

    public int Width => Right - Left;

    public bool Contains(PixelBox other) =>
        other.Top >= Top && other.Left >= Left && other.Bottom <= Bottom && other.Right <= Right;

    public bool Overlaps(PixelBox other) =>
        other.Top < Bottom && Top < other.Bottom && other.Left < Right && Left < other.Right;
}

/// <summary>Where an occluder sits relative to the object.</summary>
public enum OcclusionPlacement
{
    /// <summary>Entirely inside the object's bounding box.</summary>
    Object,

    /// <summary>Not touching the object's bounding box: it hides background only.</summary>
    Background,

    /// <summary>Straddling the box edge; counted as neither.</summary>
    Edge,
}

/// <summary>
/// Occlusion maps of one image (Zeiler and Fergus, Fig. 7): for the grey square at each grid position, the
/// probability of the true class, the most probable class and, when the probe gives one, a feature's total
/// activation. Row r, column c is the square whose top-left pixel is (r * stride, c * stride).
/// </summary>
public sealed class OcclusionMap
{
    public required int Size { get; init; }

    public required int Stride { get; init; }

    public required double[,] TrueClassProbability { get; init; }

    public required int[,] MostProbableClass { get; init; }

    public double[,]? Feature { get; init; }

    /// <summary>P(true class) of the image without an occluder.</summary>
    public required double UnoccludedProbability { get; init; }

    /// <summary>The feature's total activation without an occluder.</summary>
    public double UnoccludedFeature { get; init; } = double.NaN;

    public int Rows => TrueClassProbability.GetLength(0);

    public int Cols => TrueClassProbability.GetLength(1);

    public PixelBox Square(int row, int col) => new(row * Stride, col * Stride, row * Stride + Size, col * Stride + Size);
}

/// <summary>What a model gives for a batch: class scores [N, classes] and optionally one scalar feature [N] per image.</summary>
public delegate (Tensor logits, Tensor? feature) OcclusionProbe(Tensor images);

/// <summary>
/// Sliding a grey square over an image and recording how the model's output changes. Squares stay inside the
/// image: positions 0, stride, 2 stride, ... up to the last one that fits.
/// </summary>
public static class Occlusion
{
    /// <summary>Number of square positions along an axis of <paramref name="extent"/> pixels.</summary>
    public static int Positions(int extent, int size, int stride)
    {
        if (size < 1 || stride < 1) throw new ArgumentException($"occluder size {size} and stride {stride} must be positive");
        if (size > extent) throw new ArgumentException($"occluder size {size} is larger than the image ({extent} px)");
        return (extent - size) / stride + 1;
    }

    /// <summary>
    /// The bounding box of the object's pixels: those differing from <paramref name="background"/> by more than
    /// <paramref name="threshold"/> in any channel. Null when every pixel is background.
    /// </summary>
    public static PixelBox? ObjectBox(ReadOnlySpan<float> image, int channels, int height, int width, double background, double threshold)
    {
        if (image.Length != channels * height * width)
            throw new ArgumentException($"image has {image.Length} values, not {channels}x{height}x{width}");
        int top = int.MaxValue, left = int.MaxValue, bottom = -1, right = -1;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    if (Math.Abs(image[(c * height + y) * width + x] - background) > threshold)
                    {
                        top = Math.Min(top, y);
                        left = Math.Min(left, x);
                        bottom = Math.Max(bottom, y + 1);
                        right = Math.Max(right, x + 1);
                    }
        return bottom < 0 ? null : new PixelBox(top, left, bottom, right);
    }

    public static OcclusionPlacement Place(PixelBox objectBox, PixelBox square) =>
        objectBox.Contains(square) ? OcclusionPlacement.Object
        : objectBox.Overlaps(square) ? OcclusionPlacement.Edge
        : OcclusionPlacement.Background;

    /// <summary>
    /// Mean drop of P(true class) from its unoccluded value with the square on the object and on the background,
    /// and how many positions each mean is over (a mean over no positions is NaN).
    /// </summary>
    public static (double objectDrop, int objectPositions, double backgroundDrop, int backgroundPositions) Drops(OcclusionMap map, PixelBox objectBox)
    {
        double objectSum = 0, backgroundSum = 0;
        int objectCount = 0, backgroundCount = 0;
        for (int r = 0; r < map.Rows; r++)
            for (int c = 0; c < map.Cols; c++)
            {
                double drop = map.UnoccludedProbability - map.TrueClassProbability[r, c];
                switch (Place(objectBox, map.Square(r, c)))
                {
                    case OcclusionPlacement.Object:
                        objectSum += drop;
                        objectCount++;
                        break;
                    case OcclusionPlacement.Background:
                        backgroundSum += drop;
                        backgroundCount++;
                        break;
                }
            }
        return (objectCount > 0 ? objectSum / objectCount : double.NaN, objectCount,
            backgroundCount > 0 ? backgroundSum / backgroundCount : double.NaN, backgroundCount);
    }

    /// <summary>
    /// The image [C,H,W] once per square position, each with its square set to <paramref name="grey"/>:
    /// [rows * cols, C, H, W] in row-major position order.
    /// </summary>
    public static Tensor OccludedBatch(Tensor image, int size, int stride, double grey)
    {
        if (image.dim() != 3) throw new ArgumentException($"image must be [C,H,W], got {image.dim()} dimensions");
        int channels = (int)image.size(0), height = (int)image.size(1), width = (int)image.size(2);
        int rows = Positions(height, size, stride), cols = Positions(width, size, stride);
        var mask = new float[rows * cols * height * width];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int offset = (r * cols + c) * height * width;
                for (int y = r * stride; y < r * stride + size; y++)
                    mask.AsSpan(offset + y * width + c * stride, size).Fill(1);
            }
        using var scope = torch.NewDisposeScope();
        var m = torch.tensor(mask, rows * cols, 1, height, width).to(image.device);
        var batch = image.unsqueeze(0).expand(rows * cols, channels, height, width);
        var occluded = batch * (1 - m) + m * grey;
        return scope.MoveToOuter(occluded);
    }

    /// <summary>The occlusion maps of one image [C,H,W] with true class <paramref name="trueClass"/>.</summary>
    public static OcclusionMap Map(OcclusionProbe probe, Tensor image, int trueClass, int size, int stride, double grey, int batchSize = 256)
    {
        int height = (int)image.size(1), width = (int)image.size(2);
        int rows = Positions(height, size, stride), cols = Positions(width, size, stride);
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (p0, f0) = Probe(probe, image.unsqueeze(0), trueClass);
        var occluded = OccludedBatch(image, size, stride, grey);
        var probability = new List<float>(rows * cols);
        var predicted = new List<long>(rows * cols);
        var feature = new List<float>(rows * cols);
        bool hasFeature = f0 is not null;
        for (long start = 0; start < rows * cols; start += batchSize)
        {
            using var batchScope = torch.NewDisposeScope();
            var chunk = occluded.narrow(0, start, Math.Min(batchSize, rows * cols - start));
            var (logits, f) = probe(chunk);
            var softmax = F.softmax(logits, 1);
            probability.AddRange(softmax.select(1, trueClass).cpu().data<float>().ToArray());
            predicted.AddRange(softmax.argmax(1).cpu().data<long>().ToArray());
            if (hasFeature) feature.AddRange(f!.cpu().to(ScalarType.Float32).data<float>().ToArray());
        }
        var pMap = new double[rows, cols];
        var classMap = new int[rows, cols];
        var featureMap = hasFeature ? new double[rows, cols] : null;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                pMap[r, c] = probability[i];
                classMap[r, c] = (int)predicted[i];
                if (featureMap is not null) featureMap[r, c] = feature[i];
            }
        return new OcclusionMap
        {
            Size = size,
            Stride = stride,
            TrueClassProbability = pMap,
            MostProbableClass = classMap,
            Feature = featureMap,
            UnoccludedProbability = p0,
            UnoccludedFeature = f0 ?? double.NaN,
        };
    }

    static (double probability, double? feature) Probe(OcclusionProbe probe, Tensor batch, int trueClass)
    {
        var (logits, f) = probe(batch);
        if (trueClass < 0 || trueClass >= logits.size(1))
            throw new ArgumentException($"true class {trueClass} is outside the model's {logits.size(1)} classes");
        double p = F.softmax(logits, 1).select(0, 0).select(0, trueClass).ToDouble();
        return (p, f is null ? null : f.reshape(-1).select(0, 0).ToDouble());
    }
}
