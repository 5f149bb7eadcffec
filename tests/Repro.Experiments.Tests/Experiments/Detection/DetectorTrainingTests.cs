using Repro.Experiments.Data;
using Repro.Experiments.Detection;
using Repro.Experiments.Running;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

/// <summary>Small in-memory detection problems: coloured rectangles on a dark canvas, two classes.</summary>
public sealed class DetectorTrainingTests
{
    const int Size = 48;

    static readonly BackboneOptions Backbone = new() { Channels = [8, 16, 16] };
    static readonly HeadOptions Head = new() { PoolSize = 4, HiddenUnits = 32, Dropout = 0 };

    /// <summary>Image i: a red square (class 1) and, for odd i, a green upright rectangle (class 2).</summary>
    internal static List<DetectionSample> Images(int count)
    {
        var images = new List<DetectionSample>();
        for (int i = 0; i < count; i++)
        {
            var random = new SeededRandom(11, "toy-image", i);
            var pixels = new byte[3 * Size * Size];
            var boxes = new List<float>();
            var labels = new List<int>();
            void Fill(int x1, int y1, int w, int h, int channel, int label)
            {
                for (int y = y1; y < y1 + h; y++)
                    for (int x = x1; x < x1 + w; x++)
                        pixels[(channel * Size + y) * Size + x] = 220;
                boxes.AddRange([x1, y1, x1 + w - 1, y1 + h - 1]);
                labels.Add(label);
            }
            Fill(random.NextInt(0, 20), random.NextInt(0, 8), 14, 14, 0, 1);
            if (i % 2 == 1) Fill(random.NextInt(28, 38), random.NextInt(20, 26), 10, 20, 1, 2);
            var b = boxes.ToArray();
            images.Add(new DetectionSample($"toy{i}", Size, Size, b, labels.ToArray(), () => torch.tensor(pixels, 3, Size, Size)));
        }
        return images;
    }

    /// <summary>Proposals: the ground truth jittered by up to 4 px, and a grid of background boxes.</summary>
    internal static Tensor Proposals(DetectionSample sample)
    {
        var random = new SeededRandom(5, sample.Id);
        var p = new List<float>();
        for (int g = 0; g < sample.Count; g++)
            for (int k = 0; k < 12; k++)
            {
                float Jitter() => random.NextInt(-4, 5);
                p.AddRange([sample.Boxes[4 * g] + Jitter(), sample.Boxes[4 * g + 1] + Jitter(), sample.Boxes[4 * g + 2] + Jitter(), sample.Boxes[4 * g + 3] + Jitter()]);
            }
        for (int y = 0; y < Size - 12; y += 12)
            for (int x = 0; x < Size - 12; x += 12)
                p.AddRange([x, y, x + 15, y + 15]);
        using var t = torch.tensor(p.ToArray(), p.Count / 4, 4);
        return BoxCoding.Clip(t, Size, Size);
    }

    static DetectorContext Context(MetricsLog log) => new() { Device = torch.CPU, Seed = 3, Metrics = log };

    static double[] Losses(MetricsLog log, string metric) =>
        log.Rows.Where(r => r.Split == "train" && r.Metric == metric).Select(r => r.Value).ToArray();

    [Fact]
    public void Fast_rcnn_training_lowers_its_classification_and_box_losses()
    {
        torch.manual_seed(0);
        var images = Images(8);
        var options = new FastRcnnOptions { Train = new() { Epochs = 16, ImagesPerBatch = 2, LearningRate = 3e-3, LogEvery = 1 }, Rois = new() { RoisPerImage = 32 } };
        using var detector = new FastRcnnDetector(Backbone, Head, options, new SelectiveSearchOptions(), new TestOptions(), 2, torch.CPU);
        var log = new MetricsLog();
        detector.Train(images, Proposals, Context(log));
        Assert.Equal(16 * 4, Losses(log, "loss").Length);
        foreach (var metric in new[] { "fast_rcnn_cls_loss", "fast_rcnn_box_loss" })
        {
            var l = Losses(log, metric);
            Assert.True(l.TakeLast(4).Average() < 0.7 * l.Take(4).Average(), $"{metric}: {l.Take(4).Average()} -> {l.TakeLast(4).Average()}");
        }
    }

    [Fact]
    public void Faster_rcnn_joint_training_lowers_all_four_losses_and_is_deterministic()
    {
        var images = Images(8);
        var options = new FasterRcnnOptions
        {
            Train = new() { Epochs = 10, ImagesPerBatch = 2, LearningRate = 3e-3, LogEvery = 1 },
            Rois = new() { RoisPerImage = 32, BackgroundLow = 0 },
            AnchorScales = [12, 20], AspectRatios = [0.5, 1, 2], TrainPreNms = 300, TrainPostNms = 50,
        };
        MetricsLog Run()
        {
            torch.manual_seed(0);
            using var detector = new FasterRcnnDetector(Backbone, Head, options, new TestOptions(), 2, torch.CPU);
            var log = new MetricsLog();
            detector.Train(images, Context(log));
            return log;
        }
        var first = Run();
        foreach (var metric in new[] { "rpn_objectness_loss", "faster_rcnn_cls_loss", "loss" })
        {
            var l = Losses(first, metric);
            Assert.True(l.TakeLast(4).Average() < 0.7 * l.Take(4).Average(), $"{metric}: {l.Take(4).Average()} -> {l.TakeLast(4).Average()}");
        }
        Assert.Equal(10 * 4, Losses(first, "rpn_box_loss").Length);
        Assert.Equal(Losses(first, "loss"), Losses(Run(), "loss"));
    }

    [Fact]
    public void Rcnn_finetuning_lowers_its_loss_and_mines_hard_negatives()
    {
        torch.manual_seed(0);
        var images = Images(8);
        var options = new RcnnOptions
        {
            WarpSize = 16, ContextPadding = 1, RegionsPerImage = 16,
            Finetune = new() { Epochs = 12, ImagesPerBatch = 2, LearningRate = 3e-3, LogEvery = 1 },
            InitialNegatives = 100, HardNegativeRounds = 1, SvmIterations = 200, RegressionLambda = 10,
        };
        using var detector = new RcnnDetector(Backbone, Head, options, new SelectiveSearchOptions(), new TestOptions(), 2, torch.CPU);
        var log = new MetricsLog();
        detector.Train(images, Proposals, Context(log));
        var losses = Losses(log, "rcnn_finetune_loss");
        Assert.True(losses.TakeLast(4).Average() < 0.5 * losses.Take(4).Average(), $"loss {losses.Take(4).Average()} -> {losses.TakeLast(4).Average()}");
        // Hard-negative mining ran: round 0 started from the initial sample.
        Assert.Contains(log.Rows, r => r.Split == "rcnn_svm:class1" && r.Metric == "negatives" && r.Step == 0);
    }
}
