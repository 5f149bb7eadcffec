namespace Repro.Experiments.Data;

/// <summary>
/// The binary version of CIFAR-10 (cifar-10-batches-bin): data_batch_1.bin ... data_batch_5.bin for training,
/// test_batch.bin for test, each a run of 3073-byte records (one label byte, then 32x32 red, green and blue
/// planes), and batches.meta.txt with the class names one a line.
/// </summary>
public static class Cifar10Format
{
    public const int Side = 32;
    public const int Channels = 3;
    public const int ImageLength = Channels * Side * Side;
    public const int RecordLength = 1 + ImageLength;

    public static readonly string[] TrainFiles = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" };
    public static readonly string[] TestFiles = { "test_batch.bin" };
    public const string MetaFile = "batches.meta.txt";

    /// <summary>The folder holding the batches: the root itself, or its cifar-10-batches-bin folder as unpacked from the archive.</summary>
    public static string ResolveFolder(string root)
    {
        if (!File.Exists(Path.Combine(root, TrainFiles[0])) && !File.Exists(Path.Combine(root, TestFiles[0])))
        {
            var nested = Path.Combine(root, "cifar-10-batches-bin");
            if (Directory.Exists(nested)) return nested;
        }
        return root;
    }

    public static IReadOnlyList<string> FilesOf(string split) => split switch
    {
        "train" => TrainFiles,
        "test" => TestFiles,
        _ => throw new ReproInputException($"unknown split '{split}'; expected train or test"),
    };

    public static ImageSet Load(string root, string split)
    {
        DataFiles.RequireDirectory(root, "CIFAR-10");
        var folder = ResolveFolder(root);
        var classNames = ReadClassNames(folder);
        var batches = FilesOf(split).Select(f => ReadBatch(Path.Combine(folder, f), classNames.Length)).ToList();
        int count = batches.Sum(b => b.Labels.Length);
        var pixels = new float[(long)count * ImageLength];
        var labels = new int[count];
        int image = 0;
        foreach (var (batchPixels, batchLabels) in batches)
        {
            batchPixels.CopyTo(pixels, (long)image * ImageLength);
            batchLabels.CopyTo(labels, image);
            image += batchLabels.Length;
        }
        return new ImageSet(pixels, labels, classNames, Channels, Side, Side);
    }

    /// <summary>Class names from batches.meta.txt; the standard ten when the file is absent.</summary>
    public static string[] ReadClassNames(string folder)
    {
        var path = Path.Combine(folder, MetaFile);
        if (!File.Exists(path)) return ClassNames.Cifar10;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"cannot read {path}: {e.Message}", e);
        }
        var names = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != 10)
            throw new ReproInputException($"{path} lists {names.Length} class names; expected 10, one a line");
        return names;
    }

    public static (float[] Pixels, int[] Labels) ReadBatch(string path, int classCount)
    {
        if (!File.Exists(path)) throw new ReproInputException($"missing data file {path} (CIFAR-10 binary batch of {RecordLength}-byte records)");
        var bytes = DataFiles.ReadAllBytes(path);
        if (bytes.Length == 0 || bytes.Length % RecordLength != 0)
            throw new ReproInputException(
                $"{path} is truncated or corrupt: {bytes.Length} bytes is not a positive whole number of {RecordLength}-byte records (1 label byte + 3x32x32 pixels)");
        int count = bytes.Length / RecordLength;
        var pixels = new float[(long)count * ImageLength];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int offset = i * RecordLength;
            int label = bytes[offset];
            if (label >= classCount)
                throw new ReproInputException($"{path}: record {i} has label {label}, outside 0..{classCount - 1}");
            labels[i] = label;
            DataFiles.ScaleBytes(bytes.AsSpan(offset + 1, ImageLength), pixels.AsSpan(i * ImageLength, ImageLength));
        }
        return (pixels, labels);
    }
}
