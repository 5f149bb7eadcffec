using Repro.Experiments.Data;
using Repro.Experiments.Detection;
using Repro.Experiments.Models;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Experiments.Detection;
using Repro.Experiments.Training;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Engine;

/// <summary>
/// Every temporary is a native tensor; a training loop without a dispose scope per step grows until memory runs
/// out. These tests count live tensors around whole training runs, the guard TorchSharp's users rely on.
/// </summary>
[Collection(LiveTensorCollection.Name)]
public sealed class LifetimeTests
{
    static ImageSet Blobs(int count, int seed)
    {
        // Two classes of 8x8 images: a bright square in the top-left or the bottom-right quadrant, with noise.
        var random = new SeededRandom(seed, "blobs");
        var pixels = new float[count * 64];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = i % 2;
            var offset = labels[i] == 0 ? 0 : 4;
            for (var y = 0; y < 8; y++)
                for (var x = 0; x < 8; x++)
                    pixels[i * 64 + y * 8 + x] = (float)(0.2 * random.NextDouble()) +
                        (y >= offset && y < offset + 4 && x >= offset && x < offset + 4 ? 0.8f : 0f);
        }
        return new ImageSet(pixels, labels, ["top-left", "bottom-right"], 1, 8, 8);
    }

    // The count is taken with the model and data alive: the loop (its batches, optimiser state, gradients read back,
    // metrics) must leave nothing behind, whatever the model holds. (TorchSharp's own count keeps a disposed
    // module's parameter wrappers until they are collected, so it is not compared across a module's lifetime.)
    [Fact]
    public void Five_hundred_steps_of_Trainer_Fit_leave_no_tensor_behind()
    {
        torch.manual_seed(3);
        using var train = new TensorDataset(Blobs(64, 1));
        using var evaluation = new TensorDataset(Blobs(32, 2));
        using var model = new ZfNet(new ZfNetOptions { ConvChannels = [4, 4, 4, 4, 4], HiddenUnits = [8, 8], Dropout = 0.1, BatchNorm = true }, 1, 8, 2);
        var baseline = LiveTensorCollection.Settled();
        var options = new TrainOptions { Epochs = 1000, BatchSize = 16, MaxSteps = 500, LearningRate = 0.05, WeightDecay = 1e-4, LogEvery = 1000 };
        var state = new Trainer(options, seed: 3).Fit(model, train);
        Assert.Equal(500, state.Step);
        Assert.True(Evaluator.Evaluate(model, evaluation).Accuracy > 0.9, "the toy problem is learned");
        Assert.Equal(baseline, LiveTensorCollection.Settled());
    }

    [Fact]
    public void A_detectors_training_leaves_no_tensor_behind()
    {
        torch.manual_seed(0);
        var images = DetectorTrainingTests.Images(4);
        var options = new FastRcnnOptions { Train = new() { Epochs = 3, ImagesPerBatch = 2, LearningRate = 3e-3, LogEvery = 1 }, Rois = new() { RoisPerImage = 16 } };
        using (var detector = new FastRcnnDetector(new BackboneOptions { Channels = [8, 16, 16] }, new HeadOptions { PoolSize = 4, HiddenUnits = 32, Dropout = 0 },
                   options, new SelectiveSearchOptions(), new TestOptions(), 2, torch.CPU))
        {
            var baseline = LiveTensorCollection.Settled();
            var log = new MetricsLog();
            detector.Train(images, DetectorTrainingTests.Proposals, new DetectorContext { Device = torch.CPU, Seed = 3, Metrics = log });
            Assert.Equal(3 * 2, log.Rows.Count(r => r.Split == "train" && r.Metric == "loss"));
            Assert.Equal(baseline, LiveTensorCollection.Settled());
        }
    }
}
