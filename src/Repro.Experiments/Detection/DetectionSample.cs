namespace Repro.Experiments.Detection;

/// <summary>
/// One image as the detectors see it: an id, a way to decode its pixels, and the ground truth they train on
/// (pixel boxes with inclusive corners, 0-based; labels 1..classes, 0 being background). Difficult objects are
/// left out of training, as in the reference implementations.
/// </summary>
public sealed class DetectionSample
{
    readonly Func<Tensor> decode;

    public DetectionSample(string id, int width, int height, float[] boxes, int[] labels, Func<Tensor> decode)
    {
        if (boxes.Length != 4 * labels.Length) throw new ArgumentException($"image {id}: {boxes.Length / 4} boxes but {labels.Length} labels");
        Id = id;
        Width = width;
        Height = height;
        Boxes = boxes;
        Labels = labels;
        this.decode = decode;
    }

    public string Id { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Ground-truth boxes, 4 numbers each (x1, y1, x2, y2).</summary>
    public float[] Boxes { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    /// <summary>The image as uint8 [3, H, W] RGB.</summary>
    public Tensor Pixels() => decode();

    /// <summary>The network input of this image (<see cref="NetworkInput"/>), checked against the annotation's size.</summary>
    public Tensor Input(Device device)
    {
        using var scope = torch.NewDisposeScope();
        using var pixels = Pixels();
        if (pixels.size(1) != Height || pixels.size(2) != Width)
            throw new ReproInputException($"image {Id}: decoded size {pixels.size(2)}x{pixels.size(1)} differs from the annotation's {Width}x{Height}");
        return scope.MoveToOuter(NetworkInput(pixels, device));
    }

    /// <summary>
    /// uint8 [3, H, W] pixels as the network input float [1, 3, H, W], scaled to [0, 1] and centred on 0.5: the one
    /// place training and test time share, so the detectors see the same inputs in both.
    /// </summary>
    public static Tensor NetworkInput(Tensor pixels, Device device) =>
        pixels.to(ScalarType.Float32, device).div(255).sub(0.5).unsqueeze(0);

    public Tensor BoxTensor() => torch.tensor(Boxes, Count, 4);
}

/// <summary>One detection in pixel coordinates (0-based, inclusive corners), class 1..classes.</summary>
public readonly record struct DetectedBox(int Label, float Score, float X1, float Y1, float X2, float Y2);

/// <summary>What a detector returns for one test image, with the seconds its region proposals took and how many there were.</summary>
public sealed record ImageDetections(IReadOnlyList<DetectedBox> Boxes, double ProposalSeconds, int Proposals);
