using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class IdxFormatTests
{
    // three 2x3 images: image i holds 10*i + (0..5), the last one saturated at 255
    private static readonly byte[] Pixels = { 0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 255, 254, 128, 127, 0, 64 };
    private static readonly byte[] LabelBytes = { 9, 0, 3 };

    private static void WriteSplit(TempFolder folder, string split, bool gzip, byte[]? images = null, byte[]? labels = null)
    {
        var (imagesName, labelsName) = IdxFormat.FileNames(split);
        images ??= DataFixtures.IdxImages(3, 2, 3, Pixels);
        labels ??= DataFixtures.IdxLabels(LabelBytes);
        File.WriteAllBytes(folder.File(imagesName + (gzip ? ".gz" : "")), gzip ? DataFixtures.Gzip(images) : images);
        File.WriteAllBytes(folder.File(labelsName + (gzip ? ".gz" : "")), gzip ? DataFixtures.Gzip(labels) : labels);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_ReadsShapesPixelsAndLabelsExactly(bool gzip)
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip);
        var set = IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist);
        Assert.Equal((3, 1, 2, 3), (set.Count, set.Channels, set.Height, set.Width));
        Assert.Equal(new[] { 9, 0, 3 }, set.Labels);
        Assert.Equal(Pixels.Select(b => b / 255f), set.Pixels);
        Assert.Equal(1f, set.Pixels[12]);
        Assert.Equal("Ankle boot", set.ClassNames[set.Labels[0]]);
    }

    [Fact]
    public void TestSplit_ReadsT10kFiles()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "test", gzip: true);
        Assert.Equal(3, IdxFormat.LoadSplit(folder.Path, "test", ClassNames.FashionMnist).Count);
    }

    [Fact]
    public void MissingFile_NamesTheExpectedFile()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains(folder.File("train-images-idx3-ubyte.gz"), e.Message);
        Assert.StartsWith("missing data file", e.Message);
    }

    [Fact]
    public void TruncatedImages_NameTheFileAndTheExpectedSize()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip: true, images: DataFixtures.IdxImages(3, 2, 3, Pixels[..17]));
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Equal(
            $"{folder.File("train-images-idx3-ubyte.gz")} is truncated: 3 images of 2x3 need 18 bytes after the header, found 17",
            e.Message);
    }

    [Fact]
    public void TruncatedGzip_NamesTheFile()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip: true);
        var path = folder.File("train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ShortHeader_IsReportedAsTruncated()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip: false, images: new byte[] { 0, 0, 8, 3, 0 });
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains("train-images-idx3-ubyte is truncated: 5 bytes", e.Message);
    }

    [Fact]
    public void BadMagic_NamesTheFileAndTheExpectedMagic()
    {
        using var folder = new TempFolder();
        // a label file where the images should be
        WriteSplit(folder, "train", gzip: true, images: DataFixtures.IdxImages(3, 2, 3, Pixels, magic: 2049));
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains(folder.File("train-images-idx3-ubyte.gz"), e.Message);
        Assert.Contains("magic number 2049", e.Message);
        Assert.Contains("expected 2051", e.Message);
    }

    [Fact]
    public void BadLabelMagic_IsReported()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip: false, labels: DataFixtures.IdxLabels(LabelBytes, magic: 2051));
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains("train-labels-idx1-ubyte has magic number 2051", e.Message);
    }

    [Fact]
    public void MismatchedImageAndLabelCounts_NameBothFiles()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip: true, labels: DataFixtures.IdxLabels(new byte[] { 1, 2 }));
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Equal(
            $"{folder.File("train-images-idx3-ubyte.gz")} holds 3 images but {folder.File("train-labels-idx1-ubyte.gz")} holds 2 labels; expected one label per image",
            e.Message);
    }

    [Fact]
    public void LabelCountDisagreeingWithItsHeader_IsReported()
    {
        using var folder = new TempFolder();
        var labels = DataFixtures.IdxLabels(LabelBytes);
        WriteSplit(folder, "train", gzip: false, labels: labels.Concat(new byte[] { 1 }).ToArray());
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains("train-labels-idx1-ubyte has trailing data: 3 labels need 3 bytes after the header, found 4", e.Message);
    }

    [Fact]
    public void LabelOutsideTheClasses_IsReported()
    {
        using var folder = new TempFolder();
        WriteSplit(folder, "train", gzip: true, labels: DataFixtures.IdxLabels(new byte[] { 1, 10, 2 }));
        var e = Assert.Throws<ReproInputException>(() => IdxFormat.LoadSplit(folder.Path, "train", ClassNames.FashionMnist));
        Assert.Contains("label 10 of item 1 is outside 0..9", e.Message);
    }
}
