using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class TransformTests
{
    private static float[] Grid(int channels, int height, int width, float start = 1)
    {
        var v = new float[channels * height * width];
        for (int i = 0; i < v.Length; i++) v[i] = start + i;
        return v;
    }

    [Fact]
    public void Translate_ShiftsContentAndFillsWithZeros()
    {
        // 3x3 image 1..9; output[y, x] = input[y + 1, x - 1]
        var image = Grid(1, 3, 3);
        ImageTransforms.Translate(image, 1, 3, 3, dy: 1, dx: -1, new float[9]);
        Assert.Equal(new float[] { 0, 4, 5, 0, 7, 8, 0, 0, 0 }, image);
    }

    [Fact]
    public void Translate_MovesEveryChannelAlike()
    {
        var image = Grid(2, 2, 3);
        ImageTransforms.Translate(image, 2, 2, 3, dy: -1, dx: 2, new float[12]);
        // channel 0: [[1,2,3],[4,5,6]] -> row0 from row -1 (zeros), row1 from row0 shifted left by 2: [3,0,0]
        Assert.Equal(new float[] { 0, 0, 0, 3, 0, 0, 0, 0, 0, 9, 0, 0 }, image);
    }

    [Fact]
    public void Translate_BeyondTheImage_ClearsIt()
    {
        var image = Grid(1, 2, 2);
        ImageTransforms.Translate(image, 1, 2, 2, dy: 0, dx: 5, new float[4]);
        Assert.All(image, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RandomCrop_ShiftsEachImageByTheDrawnOffset()
    {
        const int count = 50, h = 5, w = 5, p = 2;
        var batch = new float[count * h * w];
        for (int i = 0; i < count; i++) Grid(1, h, w).CopyTo(batch, i * h * w);
        ImageTransforms.RandomCrop(batch, count, 1, h, w, p, new SeededRandom(11));

        var replay = new SeededRandom(11);
        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < count; i++)
        {
            int top = replay.NextInt(2 * p + 1), left = replay.NextInt(2 * p + 1);
            int dy = top - p, dx = left - p;
            offsets.Add((dy, dx));
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int sy = y + dy, sx = x + dx;
                    float expected = sy is >= 0 and < h && sx is >= 0 and < w ? 1 + sy * w + sx : 0;
                    Assert.Equal(expected, batch[i * h * w + y * w + x]);
                }
        }
        Assert.True(offsets.Count > 10, "offsets should vary between images");
    }

    [Fact]
    public void RandomCrop_WithoutPadding_ChangesNothing()
    {
        var batch = Grid(1, 3, 3);
        ImageTransforms.RandomCrop(batch, 1, 1, 3, 3, 0, new SeededRandom(1));
        Assert.Equal(Grid(1, 3, 3), batch);
    }

    [Fact]
    public void FlipHorizontal_ReversesEveryRow()
    {
        var image = Grid(2, 2, 3);
        ImageTransforms.FlipHorizontal(image, 2, 2, 3);
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10 }, image);
    }

    [Fact]
    public void RandomHorizontalFlip_FollowsTheProbability()
    {
        const int count = 1000;
        var batch = new float[count * 2];
        for (int i = 0; i < count; i++) (batch[2 * i], batch[2 * i + 1]) = (1, 2);
        ImageTransforms.RandomHorizontalFlip(batch, count, 1, 1, 2, new SeededRandom(3));
        int flipped = Enumerable.Range(0, count).Count(i => batch[2 * i] == 2 && batch[2 * i + 1] == 1);
        int kept = Enumerable.Range(0, count).Count(i => batch[2 * i] == 1 && batch[2 * i + 1] == 2);
        Assert.Equal(count, flipped + kept);
        Assert.InRange(flipped, 430, 570);

        var never = new float[] { 1, 2 };
        ImageTransforms.RandomHorizontalFlip(never, 1, 1, 1, 2, new SeededRandom(3), probability: 0);
        Assert.Equal(new float[] { 1, 2 }, never);
        var always = new float[] { 1, 2 };
        ImageTransforms.RandomHorizontalFlip(always, 1, 1, 1, 2, new SeededRandom(3), probability: 1);
        Assert.Equal(new float[] { 2, 1 }, always);
    }

    [Fact]
    public void ChannelStatistics_AreHandComputed()
    {
        // two images of 2 channels x 1 x 2: channel 0 values {0, 1, 1, 1}, channel 1 values {2, 4, 6, 8}
        var set = new ImageSet(new float[] { 0, 1, 2, 4, 1, 1, 6, 8 }, new[] { 0, 0 }, new[] { "x" }, 2, 1, 2);
        var stats = ChannelStatistics.Compute(set);
        Assert.Equal(0.75f, stats.Mean[0], 6);
        Assert.Equal((float)Math.Sqrt(0.1875), stats.Std[0], 6);
        Assert.Equal(5f, stats.Mean[1], 6);
        Assert.Equal((float)Math.Sqrt(5), stats.Std[1], 6);
    }

    [Fact]
    public void Normalize_WithComputedStatistics_GivesMeanZeroStdOne()
    {
        var rng = new SeededRandom(1);
        var pixels = new float[40 * 3 * 4 * 4];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)rng.NextDouble() * (1 + i % 3);
        var set = new ImageSet(pixels, new int[40], new[] { "x" }, 3, 4, 4);
        var stats = ChannelStatistics.Compute(set);
        ImageTransforms.Normalize(set.Pixels, 40, 3, 4, 4, stats.Mean, stats.Std);
        var after = ChannelStatistics.Compute(set);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0, after.Mean[c], 4);
            Assert.Equal(1, after.Std[c], 4);
        }
    }

    [Fact]
    public void Normalize_UsesGivenMeanAndStdPerChannel()
    {
        var image = new float[] { 1, 3, 10, 20 };
        ImageTransforms.Normalize(image, 1, 2, 1, 2, new float[] { 1, 10 }, new float[] { 2, 5 });
        Assert.Equal(new float[] { 0, 1, 0, 2 }, image);
    }

    [Fact]
    public void Augmentation_NormalisesFromTrainingSet_AndEvaluationIsOnlyNormalised()
    {
        var set = new ImageSet(new float[] { 0, 1, 1, 1 }, new[] { 0, 0 }, new[] { "x" }, 1, 1, 2);
        var augmentation = Augmentation.Create(new TransformOptions { Normalize = true, HorizontalFlip = true }, set);
        Assert.True(augmentation.IsRandom);
        var batch = new float[] { 0.75f, 1 };
        augmentation.ApplyEvaluation(batch, 1);
        Assert.Equal(0, batch[0], 6);
        Assert.Equal(0.25 / Math.Sqrt(0.1875), batch[1], 5);
    }

    [Fact]
    public void Augmentation_GivenMeanStd_MustMatchChannels()
    {
        var set = new ImageSet(new float[6], new[] { 0, 0 }, new[] { "x" }, 3, 1, 1);
        var options = new TransformOptions { Normalize = true, Mean = new() { 0.5 }, Std = new() { 0.5 } };
        var e = Assert.Throws<ReproInputException>(() => Augmentation.Create(options, set));
        Assert.Contains("dataset.transforms.mean", e.Message);
    }

    [Fact]
    public void Augmentation_TrainingPipeline_IsRepeatableFromTheSeed()
    {
        var set = new ImageSet(Enumerable.Range(0, 8 * 16).Select(i => i / 128f).ToArray(), new int[8], new[] { "x" }, 1, 4, 4);
        var augmentation = Augmentation.Create(new TransformOptions { CropPadding = 1, HorizontalFlip = true }, set);
        var a = (float[])set.Pixels.Clone();
        var b = (float[])set.Pixels.Clone();
        augmentation.ApplyTraining(a, 8, new SeededRandom(2, "augmentation", 0));
        augmentation.ApplyTraining(b, 8, new SeededRandom(2, "augmentation", 0));
        Assert.Equal(a, b);
        Assert.NotEqual(set.Pixels, a);
    }
}
