using Repro.Experiments.Data;
using Repro.Experiments.Detection;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed class SamplingAndNmsTests
{
    [Fact]
    public void Overlaps_find_each_regions_best_ground_truth_box_in_voc_pixels()
    {
        using var regions = torch.tensor(new float[] { 0, 0, 9, 9, 10, 0, 19, 9, 5, 0, 14, 9 }, 3, 4);
        using var gt = torch.tensor(new float[] { 0, 0, 9, 9, 10, 0, 19, 9 }, 2, 4);
        var o = Overlaps.Of(regions, gt);
        Assert.Equal(new[] { 0, 1, 0 }, o.GroundTruth); // the third ties at 1/3; the first box wins
        Assert.Equal(1f, o.MaxIou[0]);
        Assert.Equal(1f / 3, o.MaxIou[2], 5);
    }

    [Fact]
    public void Region_sampler_takes_at_most_the_foreground_share_and_labels_by_the_matched_box()
    {
        var iou = new float[] { 0.9f, 0.6f, 0.55f, 0.4f, 0.2f, 0.05f, 0.3f, 0.1f };
        var gt = new[] { 0, 1, 0, 0, 0, 0, 1, 0 };
        var overlaps = new Overlaps(iou, gt);
        var sampler = new RegionSampler(0.5, 0.1, 0.5, 0.25);
        var (indices, labels) = sampler.Sample(overlaps, [3, 5], 4, new SeededRandom(0));
        Assert.Equal(4, indices.Length);
        Assert.Equal(1, labels.Count(l => l > 0));                    // round(4 * 0.25) foreground
        Assert.All(indices.Where((_, k) => labels[k] > 0), i => Assert.True(iou[i] >= 0.5));
        Assert.All(indices.Where((_, k) => labels[k] == 0), i => Assert.InRange(iou[i], 0.1f, 0.4999f)); // 0.05 is never background
        foreach (var (i, k) in indices.Select((i, k) => (i, k)).Where(p => labels[p.k] > 0))
            Assert.Equal(gt[i] == 0 ? 3 : 5, labels[k]);
    }

    [Fact]
    public void Post_processing_suppresses_within_a_class_only_and_applies_the_threshold()
    {
        // Three regions; class 1 scores the two overlapping boxes 0.9 and 0.8; class 2 scores the second 0.7, the third 0.005.
        using var scores = torch.tensor(new float[] { 0.1f, 0.9f, 0.0f, 0.0f, 0.8f, 0.7f, 0.99f, 0.0f, 0.005f }, 3, 3);
        using var boxes = torch.tensor(new float[] { 0, 0, 9, 9, 1, 1, 10, 10, 50, 50, 60, 60 }, 3, 4);
        var detections = PostProcessing.Detect(scores, boxes, 0.01, 0.3, 100);
        Assert.Equal(2, detections.Count);
        Assert.Equal(new DetectedBox(1, 0.9f, 0, 0, 9, 9), detections[0]);
        Assert.Equal(new DetectedBox(2, 0.7f, 1, 1, 10, 10), detections[1]);
    }

    [Fact]
    public void Post_processing_uses_class_specific_boxes_and_caps_the_count()
    {
        using var scores = torch.tensor(new float[] { 0, 0.6f, 0.5f }, 1, 3);
        using var boxes = torch.tensor(new float[] { 0, 0, 1, 1, 10, 10, 20, 20, 30, 30, 40, 40 }, 1, 12);
        var detections = PostProcessing.Detect(scores, boxes, 0.01, 0.3, 1);
        Assert.Equal([new DetectedBox(1, 0.6f, 10, 10, 20, 20)], detections);
    }

    [Fact]
    public void Svm_separates_two_clusters_with_a_margin()
    {
        var x = new float[] { 2, 2, 3, 2, 2, 3, -2, -2, -3, -2, -2, -3 };
        using var features = torch.tensor(x, 6, 2);
        using var labels = torch.tensor(new float[] { 1, 1, 1, -1, -1, -1 });
        var svm = new LinearSvm(1e-3, 1, 500, 0.05).Train(features, labels);
        using var scores = svm.Score(features);
        var s = scores.data<float>().ToArray();
        Assert.All(s.Take(3), v => Assert.True(v >= 0.9, $"positive scored {v}"));
        Assert.All(s.Skip(3), v => Assert.True(v <= -0.9, $"negative scored {v}"));
    }

    [Fact]
    public void Ridge_matches_the_closed_form_and_leaves_the_intercept_unpenalised()
    {
        // y = 2x + 1 on x = 0, 1, 2, 3. With lambda = 0 the fit is exact; with lambda on the slope only,
        // slope = Sxy / (Sxx + lambda) on centred data: Sxx = 5, Sxy = 10 -> lambda 5 gives slope 1, intercept mean(y) - 1 * mean(x) = 4 - 1.5 = 2.5.
        using var x = torch.tensor(new float[] { 0, 1, 2, 3 }, 4, 1);
        using var y = torch.tensor(new float[] { 1, 3, 5, 7 }, 4, 1);
        using var exact = RidgeRegression.Fit(x, y, 0);
        Assert.Equal(new[] { 2.0, 1.0 }, exact.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-5));
        using var penalised = RidgeRegression.Fit(x, y, 5);
        Assert.Equal(new[] { 1.0, 2.5 }, penalised.data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-5));
        using var predicted = RidgeRegression.Predict(x, penalised);
        Assert.Equal(new[] { 2.5, 3.5, 4.5, 5.5 }, predicted.contiguous().data<float>().ToArray().Select(v => (double)v), new Tolerance(1e-5));
    }
}
