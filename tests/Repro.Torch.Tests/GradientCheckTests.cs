using Xunit;
using F = Repro.Torch.torch.nn.functional;

namespace Repro.Torch.Tests;

/// <summary>
/// Analytic gradients (backward / autograd.grad) against central differences in float64: the scalar
/// probed is sum(op(inputs) * R) for a fixed random R, so every output element contributes.
/// </summary>
public class GradientCheckTests
{
    const double Step = 1e-6;
    const double Tolerance = 1e-6;

    static void Check(Func<Tensor[], Tensor> op, (double[] values, long[] shape)[] inputs, int seed, bool useBackward)
    {
        using var scope = torch.NewDisposeScope();
        var leaves = inputs.Select(i => torch.tensor(i.values, i.shape).requires_grad_()).ToArray();
        var output = op(leaves);
        var r = Expect.Random((int)output.numel(), seed);
        var probe = output.mul(torch.tensor(r, output.shape)).sum();
        double[][] analytic;
        if (useBackward)
        {
            probe.backward();
            analytic = leaves.Select(l => Expect.Values(l.grad!)).ToArray();
        }
        else
        {
            analytic = torch.autograd.grad([probe], leaves).Select(g => Expect.Values(g!)).ToArray();
            Assert.All(leaves, l => Assert.Null(l.grad)); // autograd.grad does not accumulate into .grad
        }

        double Evaluate(double[][] values)
        {
            using var inner = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var y = op(values.Select((v, i) => torch.tensor(v, inputs[i].shape)).ToArray());
            return Expect.Dot(Expect.Values(y), r);
        }

        var current = inputs.Select(i => (double[])i.values.Clone()).ToArray();
        for (var t = 0; t < current.Length; t++)
        {
            Assert.Equal(current[t].Length, analytic[t].Length);
            for (var k = 0; k < current[t].Length; k++)
            {
                var keep = current[t][k];
                current[t][k] = keep + Step;
                var plus = Evaluate(current);
                current[t][k] = keep - Step;
                var minus = Evaluate(current);
                current[t][k] = keep;
                var numeric = (plus - minus) / (2 * Step);
                if (!(Math.Abs(numeric - analytic[t][k]) <= Tolerance * Math.Max(1, Math.Abs(numeric))))
                    Assert.Fail($"input {t} element {k}: analytic {analytic[t][k]:R}, numeric {numeric:R}");
            }
        }
    }

    static (double[], long[]) Input(long[] shape, int seed) =>
        (Expect.Random((int)shape.Aggregate(1L, (a, b) => a * b), seed), shape);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Conv2d(bool useBackward) =>
        Check(t => F.conv2d(t[0], t[1], t[2], stride: 2, padding: 1),
            [Input([2, 2, 5, 5], 101), Input([3, 2, 3, 3], 102), Input([3], 103)], 104, useBackward);

    [Fact]
    public void ConvTranspose2d() =>
        Check(t => F.conv_transpose2d(t[0], t[1], t[2], stride: 2, padding: 1, output_padding: 1),
            [Input([1, 2, 3, 3], 105), Input([2, 3, 3, 3], 106), Input([3], 107)], 108, useBackward: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear(bool useBackward) =>
        Check(t => F.linear(t[0], t[1], t[2]), [Input([4, 5], 111), Input([3, 5], 112), Input([3], 113)], 114, useBackward);

    [Fact]
    public void MaxPool2d() =>
        // Overlapping windows (kernel 3, stride 2): a maximum shared by two windows gets both gradients.
        Check(t => F.max_pool2d(t[0], 3, 2, padding: 1), [Input([2, 2, 6, 7], 121)], 122, useBackward: true);

    [Fact]
    public void MaxPool2dWithIndices() =>
        Check(t => F.max_pool2d_with_indices(t[0], 2).output, [Input([1, 3, 4, 6], 123)], 124, useBackward: false);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GridSampleWithRespectToInputAndGrid(bool alignCorners)
    {
        var grid = Expect.Random(2 * 3 * 4 * 2, 131).Select(v => v * 1.1).ToArray();
        Check(t => F.grid_sample(t[0], t[1], align_corners: alignCorners),
            [Input([2, 2, 4, 5], 132), (grid, [2, 3, 4, 2])], 133, useBackward: true);
    }

    [Fact]
    public void AffineGridThenGridSampleWithRespectToTheta()
    {
        // Chosen so that no sample lands exactly on a pixel centre, where bilinear sampling has a kink.
        double[] theta = [0.9, 0.13, 0.07, -0.11, 1.05, -0.037];
        Check(t => F.grid_sample(t[0], F.affine_grid(t[1], [1, 2, 4, 4])),
            [Input([1, 2, 4, 4], 141), (theta, [1, 2, 3])], 142, useBackward: false);
    }

    [Fact]
    public void RoiAlignWithRespectToFeatures()
    {
        using var scope = torch.NewDisposeScope();
        var rois = torch.tensor(new double[] { 0, 0.5, 1.2, 5.1, 4.3, 1, 2, 0, 4.5, 3, 0, -1, 2, 7, 5 }, 3, 5);
        Check(t => torchvision.ops.roi_align(t[0], rois, 2, 3, 1.0, sampling_ratio: 2),
            [Input([2, 2, 5, 6], 151)], 152, useBackward: true);
    }

    [Fact]
    public void RoiPoolWithRespectToFeatures()
    {
        using var scope = torch.NewDisposeScope();
        var rois = torch.tensor(new double[] { 0, 0, 0, 5, 4, 1, 1, 1, 4, 3 }, 2, 5);
        Check(t => torchvision.ops.roi_pool(t[0], rois, 2, 2, 1.0), [Input([2, 2, 5, 6], 153)], 154, useBackward: true);
    }

    [Fact]
    public void LossesAndNormalisation()
    {
        using var scope = torch.NewDisposeScope();
        var target = torch.tensor(new long[] { 2, 0, 1 });
        Check(t => F.cross_entropy(t[0], target), [Input([3, 4], 161)], 162, useBackward: true);
        Check(t => F.local_response_norm(t[0], 3, 0.5, 0.75, 1.0), [Input([1, 4, 2, 2], 163)], 164, useBackward: true);
        Check(t => F.batch_norm(t[0], null, null, t[1], t[2], training: true), [Input([4, 3, 2, 2], 165), Input([3], 166), Input([3], 167)], 168, useBackward: true);
        Check(t => F.interpolate(t[0], [5, 7], mode: F.InterpolateMode.Bilinear), [Input([1, 1, 3, 4], 169)], 170, useBackward: true);
    }
}
