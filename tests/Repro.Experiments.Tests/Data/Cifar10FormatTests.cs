using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class Cifar10FormatTests
{
    /// <summary>Record with the label and pixel (c, y, x) = (label * 31 + c * 7 + y * 3 + x) % 256.</summary>
    private static byte[] Record(int label)
    {
        var record = new byte[Cifar10Format.RecordLength];
        record[0] = (byte)label;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    record[1 + c * 1024 + y * 32 + x] = (byte)((label * 31 + c * 7 + y * 3 + x) % 256);
        return record;
    }

    private static void WriteBatches(string folder)
    {
        Directory.CreateDirectory(folder);
        for (int b = 1; b <= 5; b++)
            File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), Record(b).Concat(Record(b + 4)).ToArray());
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), Record(3));
        DataFixtures.WriteText(Path.Combine(folder, "batches.meta.txt"), string.Join("\n", ClassNames.Cifar10) + "\n\n");
    }

    [Fact]
    public void Load_ReadsRecordsInBatchOrder_WithChwPixels()
    {
        using var folder = new TempFolder();
        WriteBatches(folder.Path);
        var train = Cifar10Format.Load(folder.Path, "train");
        Assert.Equal((10, 3, 32, 32), (train.Count, train.Channels, train.Height, train.Width));
        Assert.Equal(new[] { 1, 5, 2, 6, 3, 7, 4, 8, 5, 9 }, train.Labels);
        var image = train.Image(3); // label 6
        Assert.Equal((6 * 31 + 2 * 7 + 5 * 3 + 9) % 256 / 255f, image[2 * 1024 + 5 * 32 + 9]);
        Assert.Equal((6 * 31) % 256 / 255f, image[0]);
        Assert.Equal("automobile", train.ClassNames[1]);

        var test = Cifar10Format.Load(folder.Path, "test");
        Assert.Equal(new[] { 3 }, test.Labels);
    }

    [Fact]
    public void Load_FindsTheArchiveFolderInsideTheRoot()
    {
        using var folder = new TempFolder();
        WriteBatches(folder.File("cifar-10-batches-bin"));
        Assert.Equal(1, Cifar10Format.Load(folder.Path, "test").Count);
    }

    [Fact]
    public void MissingBatch_IsNamed()
    {
        using var folder = new TempFolder();
        WriteBatches(folder.Path);
        File.Delete(folder.File("data_batch_3.bin"));
        var e = Assert.Throws<ReproInputException>(() => Cifar10Format.Load(folder.Path, "train"));
        Assert.StartsWith($"missing data file {folder.File("data_batch_3.bin")}", e.Message);
    }

    [Fact]
    public void TruncatedBatch_IsReported()
    {
        using var folder = new TempFolder();
        WriteBatches(folder.Path);
        File.WriteAllBytes(folder.File("test_batch.bin"), Record(3)[..3000]);
        var e = Assert.Throws<ReproInputException>(() => Cifar10Format.Load(folder.Path, "test"));
        Assert.StartsWith($"{folder.File("test_batch.bin")} is truncated or corrupt: 3000 bytes is not a positive whole number of 3073-byte records", e.Message);
    }

    [Fact]
    public void LabelOutsideTheClasses_IsReported()
    {
        using var folder = new TempFolder();
        WriteBatches(folder.Path);
        File.WriteAllBytes(folder.File("test_batch.bin"), Record(3).Concat(Record(10)).ToArray());
        var e = Assert.Throws<ReproInputException>(() => Cifar10Format.Load(folder.Path, "test"));
        Assert.Equal($"{folder.File("test_batch.bin")}: record 1 has label 10, outside 0..9", e.Message);
    }

    [Fact]
    public void MetaFileWithWrongClassCount_IsReported()
    {
        using var folder = new TempFolder();
        WriteBatches(folder.Path);
        DataFixtures.WriteText(folder.File("batches.meta.txt"), "cat\ndog\n");
        var e = Assert.Throws<ReproInputException>(() => Cifar10Format.Load(folder.Path, "test"));
        Assert.Equal($"{folder.File("batches.meta.txt")} lists 2 class names; expected 10, one a line", e.Message);
    }
}
