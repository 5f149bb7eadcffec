using Repro.Experiments.Detection;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed class BoxCodingTests
{
    static float[] Values(Tensor t)
    {
        using var c = t.contiguous();
        return c.data<float>().ToArray();
    }

    [Fact]
    public void Encode_gives_the_hand_computed_rcnn_targets()
    {
        // Reference: x 0..9, y 0..9 -> centre (4.5, 4.5), 10 x 10. Target: x 5..14, y 5..24 -> centre (9.5, 14.5), 10 x 20.
        using var reference = torch.tensor(new float[] { 0, 0, 9, 9 }, 1, 4);
        using var target = torch.tensor(new float[] { 5, 5, 14, 24 }, 1, 4);
        using var unit = BoxCoding.Encode(reference, target, BoxWeights.Unit);
        Assert.Equal(new[] { 0.5, 1.0, 0.0, Math.Log(2) }, Values(unit).Select(v => (double)v), new Tolerance(1e-6));
        using var normalised = BoxCoding.Encode(reference, target, BoxWeights.Normalised);
        Assert.Equal(new[] { 5.0, 10.0, 0.0, 5 * Math.Log(2) }, Values(normalised).Select(v => (double)v), new Tolerance(1e-5));
    }

    [Fact]
    public void Decode_inverts_encode_for_random_boxes_and_weights()
    {
        var random = new Repro.Experiments.Data.SeededRandom(7);
        var a = new float[200 * 4];
        var b = new float[200 * 4];
        for (int i = 0; i < 200; i++)
        {
            float x = (float)(random.NextDouble() * 100), y = (float)(random.NextDouble() * 100);
            a[4 * i] = x; a[4 * i + 1] = y; a[4 * i + 2] = x + 1 + (float)(random.NextDouble() * 60); a[4 * i + 3] = y + 1 + (float)(random.NextDouble() * 60);
            x = (float)(random.NextDouble() * 100); y = (float)(random.NextDouble() * 100);
            b[4 * i] = x; b[4 * i + 1] = y; b[4 * i + 2] = x + (float)(random.NextDouble() * 80); b[4 * i + 3] = y + (float)(random.NextDouble() * 80);
        }
        using var reference = torch.tensor(a, 200, 4);
        using var target = torch.tensor(b, 200, 4);
        foreach (var weights in new[] { BoxWeights.Unit, BoxWeights.Normalised })
        {
            using var deltas = BoxCoding.Encode(reference, target, weights);
            using var decoded = BoxCoding.Decode(reference, deltas, weights);
            Assert.Equal(b.Select(v => (double)v), Values(decoded).Select(v => (double)v), new Tolerance(2e-3));
        }
    }

    [Fact]
    public void Decode_applies_one_set_of_deltas_per_class()
    {
        using var reference = torch.tensor(new float[] { 0, 0, 9, 9 }, 1, 4);
        // Class 0: no change; class 1: shift right by half a width and double the height.
        using var deltas = torch.tensor(new float[] { 0, 0, 0, 0, 0.5f, 0, 0, (float)Math.Log(2) }, 1, 8);
        using var decoded = BoxCoding.Decode(reference, deltas, BoxWeights.Unit);
        Assert.Equal(new[] { 0.0, 0, 9, 9, 5, -5, 14, 14 }, Values(decoded).Select(v => (double)v), new Tolerance(1e-5));
    }

    [Fact]
    public void Clip_keeps_boxes_inside_the_image()
    {
        using var boxes = torch.tensor(new float[] { -3, 2, 140, 50, 10, -1, 20, 130 }, 1, 8);
        using var clipped = BoxCoding.Clip(boxes, 128, 100);
        Assert.Equal(new float[] { 0, 2, 127, 50, 10, 0, 20, 99 }, Values(clipped));
    }
}

/// <summary>Element-wise |a - b| &lt;= tolerance for sequences of doubles.</summary>
internal sealed class Tolerance(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;

    public int GetHashCode(double value) => 0;
}
