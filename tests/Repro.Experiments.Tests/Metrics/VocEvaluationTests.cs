using Repro.Experiments.Data;
using Repro.Experiments.Metrics;
using Xunit;

namespace Repro.Experiments.Tests.Metrics;

// Inside Repro.Experiments the name Detection is first the namespace of the detectors.
using Detection = Repro.Experiments.Metrics.Detection;

public sealed class VocEvaluationTests
{
    private const double Tolerance = 1e-12;

    private static VocImage Image(string id, params VocObject[] objects) => new(id, id + ".jpg", 100, 100, objects);

    private static VocObject Dog(int x1, int y1, int x2, int y2, bool difficult = false) => new("dog", x1, y1, x2, y2, difficult);

    private static Detection Det(string image, double score, double x1, double y1, double x2, double y2) => new(image, score, x1, y1, x2, y2);

    [Fact]
    public void Iou_counts_pixels_inclusively()
    {
        // 10x10 boxes shifted by 5: intersection 5x10 = 50, union 100 + 100 - 50 = 150 (the exclusive convention
        // would give 36 / 126)
        Assert.Equal(1.0 / 3, VocEvaluation.Iou(1, 1, 10, 10, 6, 1, 15, 10), Tolerance);
        // a one-pixel box is one pixel, not empty
        Assert.Equal(1.0, VocEvaluation.Iou(5, 5, 5, 5, 5, 5, 5, 5), Tolerance);
        // boxes sharing the column x = 10 overlap by 1x10 = 10 of 190
        Assert.Equal(10.0 / 190, VocEvaluation.Iou(1, 1, 10, 10, 10, 1, 19, 10), Tolerance);
        // adjacent boxes do not overlap
        Assert.Equal(0.0, VocEvaluation.Iou(1, 1, 10, 10, 11, 1, 20, 10));
        // half of a 10x10 box: 50 / 100, exactly 0.5
        Assert.Equal(0.5, VocEvaluation.Iou(1, 1, 10, 10, 1, 1, 10, 5));
        // symmetric
        Assert.Equal(VocEvaluation.Iou(3, 2, 17, 9, 5, 4, 30, 12), VocEvaluation.Iou(5, 4, 30, 12, 3, 2, 17, 9));
    }

    [Fact]
    public void Both_ap_variants_on_a_non_monotone_curve()
    {
        // 4 positives, detections T F T T: recall .25 .25 .5 .75, precision 1 .5 2/3 .75.
        double[] recall = { 0.25, 0.25, 0.5, 0.75 };
        double[] precision = { 1, 0.5, 2.0 / 3, 0.75 };
        // 11-point: t = 0, .1, .2 -> 1; t = .3, .4, .5 -> max(2/3, .75) = .75; t = .6, .7 -> .75; t = .8 .. 1 -> 0.
        // (3 + 2.25 + 1.5) / 11 = 6.75 / 11
        Assert.Equal(6.75 / 11, VocEvaluation.Ap11(recall, precision), Tolerance);
        // envelope 1, .75, .75, .75: area .25 * 1 + .25 * .75 + .25 * .75 + .25 * 0 = .625
        Assert.Equal(0.625, VocEvaluation.ApArea(recall, precision), Tolerance);
    }

    [Fact]
    public void Ap_of_a_perfect_curve_is_one_and_of_an_empty_curve_zero()
    {
        Assert.Equal(1.0, VocEvaluation.Ap11(new[] { 0.5, 1.0 }, new[] { 1.0, 1.0 }), Tolerance);
        Assert.Equal(1.0, VocEvaluation.ApArea(new[] { 0.5, 1.0 }, new[] { 1.0, 1.0 }), Tolerance);
        Assert.Equal(0.0, VocEvaluation.Ap11(Array.Empty<double>(), Array.Empty<double>()));
        Assert.Equal(0.0, VocEvaluation.ApArea(Array.Empty<double>(), Array.Empty<double>()));
        Assert.Throws<ArgumentException>(() => VocEvaluation.Ap11(new[] { 0.5 }, new[] { 1.0, 0.5 }));
    }

    [Fact]
    public void Eleven_point_thresholds_are_exact_tenths()
    {
        // recall 3/10 reaches t = 0, .1, .2 and .3: 4 / 11. (Thresholds built as 3 * 0.1 = 0.30000000000000004
        // would miss t = .3 and give 3 / 11.)
        Assert.Equal(4.0 / 11, VocEvaluation.Ap11(new[] { 3.0 / 10 }, new[] { 1.0 }), Tolerance);
        // the area is the recall reached times the precision
        Assert.Equal(0.3, VocEvaluation.ApArea(new[] { 3.0 / 10 }, new[] { 1.0 }), Tolerance);
    }

    /// <summary>
    /// Four dog positives (A, B in img1; D in img2; E in img4), one difficult dog C in img2, img3 has only a cat.
    /// </summary>
    private static readonly VocImage[] Images =
    {
        Image("img1", Dog(1, 1, 10, 10), Dog(21, 21, 30, 30)),
        Image("img2", Dog(1, 1, 10, 10, difficult: true), Dog(41, 41, 60, 60)),
        Image("img3", new VocObject("cat", 1, 1, 10, 10, false)),
        Image("img4", Dog(1, 1, 20, 20)),
    };

    private static readonly Detection[] DogDetections =
    {
        Det("img1", 0.9, 1, 1, 10, 10),   // d1: A, IoU 1 -> TP
        Det("img1", 0.8, 2, 1, 10, 10),   // d2: A again (IoU 90/100) -> duplicate, FP
        Det("img2", 0.8, 1, 1, 10, 10),   // d3: the difficult C -> ignored
        Det("img3", 0.7, 1, 1, 10, 10),   // d4: no dog in img3 -> FP; ties with d5 and comes first (stable order)
        Det("img4", 0.7, 1, 1, 20, 20),   // d5: E -> TP
        Det("img1", 0.6, 21, 21, 30, 35), // d6: B, IoU 100/150 -> TP
        Det("img2", 0.5, 41, 41, 60, 50), // d7: D, IoU 200/400 = 0.5 exactly, not above 0.5 -> FP
        Det("img2", 0.4, 41, 41, 60, 60), // d8: D -> TP
    };

    [Fact]
    public void Devkit_matching_on_a_hand_computed_list()
    {
        var result = VocEvaluation.EvaluateClass(Images, "dog", DogDetections);
        // counted points (d3 is none): T F F T T F T
        //   tp 1 1 1 2 3 3 4, fp 0 1 2 2 2 3 3
        //   recall    .25 .25 .25 .5  .75 .75 1
        //   precision 1   .5  1/3 .5  .6  .5  4/7
        Assert.Equal(4, result.Positives);
        Assert.Equal(8, result.Detections);
        Assert.Equal(new[] { 0.25, 0.25, 0.25, 0.5, 0.75, 0.75, 1.0 }, result.Recall);
        Assert.Equal(new[] { 1, 0.5, 1.0 / 3, 0.5, 0.6, 0.5, 4.0 / 7 }, result.Precision);
        // envelope: 1, .6, .6, .6, .6, 4/7, 4/7
        // area: .25 * 1 + .25 * .6 + .25 * .6 + .25 * 4/7 = .55 + 1/7 = 97/140
        Assert.Equal(97.0 / 140, result.ApArea, Tolerance);
        // 11-point: t = 0 .. .2 -> 1 (3 points); t = .3 .. .5 -> .6 (3); t = .6, .7 -> .6 (2); t = .8 .. 1 -> 4/7 (3)
        // (3 + 1.8 + 1.2 + 12/7) / 11 = (6 + 12/7) / 11 = 54/77
        Assert.Equal(54.0 / 77, result.Ap11, Tolerance);
    }

    [Fact]
    public void Equal_scores_keep_their_given_order()
    {
        // d5 (TP) before d4 (FP): T F T F T F T, precision 1 .5 2/3 .5 .6 .5 4/7; envelope at recall .5 is now 2/3:
        // area .25 + .25 * 2/3 + .25 * .6 + .25 * 4/7
        var swapped = DogDetections.ToArray();
        (swapped[3], swapped[4]) = (swapped[4], swapped[3]);
        var result = VocEvaluation.EvaluateClass(Images, "dog", swapped);
        Assert.Equal(0.25 + 0.25 * 2 / 3 + 0.25 * 0.6 + 0.25 * 4 / 7, result.ApArea, Tolerance);
        Assert.Equal(new[] { 1, 0.5, 2.0 / 3, 0.5, 0.6, 0.5, 4.0 / 7 }, result.Precision);
        // the order in which detections are given does not matter otherwise
        var reversed = VocEvaluation.EvaluateClass(Images, "dog", DogDetections.Reverse().ToArray());
        Assert.NotEqual(97.0 / 140, reversed.ApArea, 6); // d4, d5 and d2, d3 swap as ties
        var shuffled = new[] { 7, 2, 0, 5, 1, 3, 6, 4 }.Select(i => DogDetections[i]).ToArray(); // keeps d4 before d5
        Assert.Equal(97.0 / 140, VocEvaluation.EvaluateClass(Images, "dog", shuffled).ApArea, Tolerance);
    }

    [Fact]
    public void A_duplicate_is_a_false_positive_even_when_a_neighbouring_object_is_unmatched()
    {
        // F and G overlap; the second detection overlaps F (IoU 100/110) more than G (IoU 90/120 = .75). The devkit
        // assigns it to F, already taken, so it is a false positive although G is unmatched.
        var images = new[] { Image("a", Dog(1, 1, 10, 10), Dog(1, 3, 10, 12)) };
        var result = VocEvaluation.EvaluateClass(images, "dog", new[] { Det("a", 0.95, 1, 1, 10, 10), Det("a", 0.94, 1, 1, 10, 11) });
        Assert.Equal(new[] { 0.5, 0.5 }, result.Recall);
        Assert.Equal(new[] { 1.0, 0.5 }, result.Precision);
        Assert.Equal(6.0 / 11, result.Ap11, Tolerance); // t = 0 .. .5 -> 1
        Assert.Equal(0.5, result.ApArea, Tolerance);
    }

    [Fact]
    public void Difficult_objects_are_not_positives_and_unmatched_difficult_objects_cost_nothing()
    {
        var images = new[] { Image("a", Dog(1, 1, 10, 10), Dog(50, 50, 60, 60, difficult: true)) };
        var result = VocEvaluation.EvaluateClass(images, "dog", new[] { Det("a", 0.3, 1, 1, 10, 10) });
        Assert.Equal(1, result.Positives);
        Assert.Equal(1.0, result.Ap11, Tolerance);
        Assert.Equal(1.0, result.ApArea, Tolerance);
        // a detection on the difficult dog with a higher score is neither TP nor FP
        var both = VocEvaluation.EvaluateClass(images, "dog", new[] { Det("a", 0.9, 50, 50, 60, 60), Det("a", 0.3, 1, 1, 10, 10) });
        Assert.Equal(new[] { 1.0 }, both.Recall);
        Assert.Equal(1.0, both.ApArea, Tolerance);
    }

    [Fact]
    public void Map_averages_classes_with_positives_and_scores_missing_detections_zero()
    {
        // cat: one positive, no detections -> AP 0, in the mean. bird: only a difficult bird -> no positives, AP
        // undefined (NaN), left out of the mean although it has a detection.
        var images = Images.Append(Image("img5", new VocObject("bird", 1, 1, 5, 5, Difficult: true))).ToArray();
        var detections = new Dictionary<string, IReadOnlyList<Detection>>
        {
            ["dog"] = DogDetections,
            ["bird"] = new[] { Det("img5", 0.5, 1, 1, 5, 5) },
        };
        var (perClass, map11, mapArea) = VocEvaluation.Evaluate(images, new[] { "dog", "cat", "bird" }, detections);
        Assert.Equal(new[] { "dog", "cat", "bird" }, perClass.Select(c => c.ClassName));
        Assert.Equal(0.0, perClass[1].Ap11);
        Assert.Equal(0.0, perClass[1].ApArea);
        Assert.Equal(1, perClass[1].Positives);
        Assert.Equal(0, perClass[1].Detections);
        Assert.True(double.IsNaN(perClass[2].Ap11) && double.IsNaN(perClass[2].ApArea));
        Assert.Equal(0, perClass[2].Positives);
        // (54/77 + 0) / 2 and (97/140 + 0) / 2
        Assert.Equal(27.0 / 77, map11, Tolerance);
        Assert.Equal(97.0 / 280, mapArea, Tolerance);
    }

    [Fact]
    public void A_threshold_other_than_one_half_is_honoured()
    {
        // at IoU > 0.4, d7 (IoU 0.5) matches D and d8 becomes the duplicate
        var result = VocEvaluation.EvaluateClass(Images, "dog", DogDetections, iouThreshold: 0.4);
        Assert.Equal(new[] { 0.25, 0.25, 0.25, 0.5, 0.75, 1.0, 1.0 }, result.Recall);
    }

    [Fact]
    public void Detections_on_unknown_images_or_unknown_classes_are_rejected()
    {
        Assert.Contains("'nowhere'", Assert.Throws<ArgumentException>(() =>
            VocEvaluation.EvaluateClass(Images, "dog", new[] { Det("nowhere", 1, 1, 1, 2, 2) })).Message);
        var byClass = new Dictionary<string, IReadOnlyList<Detection>> { ["horse"] = Array.Empty<Detection>() };
        Assert.Contains("'horse'", Assert.Throws<ArgumentException>(() => VocEvaluation.Evaluate(Images, new[] { "dog" }, byClass)).Message);
    }
}
