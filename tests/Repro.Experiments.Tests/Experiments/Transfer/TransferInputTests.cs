using Repro.Experiments.Data;
using Repro.Experiments.Experiments;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Transfer;

public sealed class TransferInputTests : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-transfer-input-");

    public void Dispose() => results.Delete(recursive: true);

    static string Config => Path.Combine(RepositoryRoot.Find(), "configs", "transfer.yaml");

    // Two 1x1x2 images: training pixels {0, 2, 4, 6} (mean 3, population std sqrt(5)); one test image {3, 8}.
    static ImageSet Images(params float[] pixels) =>
        new(pixels, new int[pixels.Length / 2], ["only"], 1, 1, 2);

    [Fact]
    public void Normalize_standardises_train_and_test_by_the_training_images_statistics()
    {
        var train = Images(0, 2, 4, 6);
        var test = Images(3, 8);
        var (trainOut, testOut) = TransferExperiment.Standardise(new TransformOptions { Normalize = true }, train, test);
        var std = (float)Math.Sqrt(5);
        Assert.Equal(new[] { -3 / std, -1 / std, 1 / std, 3 / std }, trainOut.Pixels, new FloatTolerance(1e-6f));
        Assert.Equal(new[] { 0f, 5 / std }, testOut.Pixels, new FloatTolerance(1e-6f));
        // The loaded images themselves are left as they were.
        Assert.Equal(new float[] { 0, 2, 4, 6 }, train.Pixels);
    }

    [Fact]
    public void Given_mean_and_std_are_used_and_no_normalize_keeps_the_images()
    {
        var train = Images(0, 2, 4, 6);
        var test = Images(3, 8);
        var (_, testOut) = TransferExperiment.Standardise(new TransformOptions { Normalize = true, Mean = [1], Std = [2] }, train, test);
        Assert.Equal(new float[] { 1, 3.5f }, testOut.Pixels);
        var (same, sameTest) = TransferExperiment.Standardise(new TransformOptions(), train, test);
        Assert.Same(train, same);
        Assert.Same(test, sameTest);
    }

    [Theory]
    [InlineData("options.dataset.transforms.crop_padding=2", "options.dataset.transforms.crop_padding")]
    [InlineData("options.few_shot.dataset.transforms.horizontal_flip=true", "options.few_shot.dataset.transforms.horizontal_flip")]
    public void Augmentation_the_experiment_cannot_apply_is_rejected_not_ignored(string setting, string key)
    {
        var error = new StringWriter();
        var output = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName, "--set", setting], output, error);
        Assert.Equal(2, code);
        Assert.Contains(key, error.ToString() + output);
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
