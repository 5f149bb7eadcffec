namespace Repro.Experiments.Data;

/// <summary>
/// The IDX files of MNIST and Fashion-MNIST (LeCun's format): big-endian header, magic 2051 and
/// count x rows x columns for images, magic 2049 and count for labels, then one unsigned byte per value.
/// Files may be gzip-compressed (as the Debian package ships them) or plain.
/// </summary>
public static class IdxFormat
{
    public const int ImageMagic = 2051;
    public const int LabelMagic = 2049;

    /// <summary>The base names of a split's files ("train" or "test"), without .gz.</summary>
    public static (string Images, string Labels) FileNames(string split) => split switch
    {
        "train" => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test" => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        _ => throw new ReproInputException($"unknown split '{split}'; expected train or test"),
    };

    /// <summary>
    /// The path of <paramref name="baseName"/> in <paramref name="root"/>: the .gz file if present, else the plain
    /// one; an error naming both when neither exists.
    /// </summary>
    public static string FindFile(string root, string baseName)
    {
        var gz = Path.Combine(root, baseName + ".gz");
        if (File.Exists(gz)) return gz;
        var plain = Path.Combine(root, baseName);
        if (File.Exists(plain)) return plain;
        // the original MNIST site's names put a dot before idx
        var dotted = Path.Combine(root, baseName.Replace("-idx", ".idx", StringComparison.Ordinal));
        if (File.Exists(dotted)) return dotted;
        throw new ReproInputException($"missing data file {gz} (or uncompressed {baseName}) in {root}");
    }

    public static ImageSet LoadSplit(string root, string split, string[] classNames)
    {
        DataFiles.RequireDirectory(root, "data");
        var (imagesName, labelsName) = FileNames(split);
        return Load(FindFile(root, imagesName), FindFile(root, labelsName), classNames);
    }

    public static ImageSet Load(string imagesPath, string labelsPath, string[] classNames)
    {
        var (pixels, count, rows, columns) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath, classNames.Length);
        if (labels.Length != count)
            throw new ReproInputException(
                $"{imagesPath} holds {count} images but {labelsPath} holds {labels.Length} labels; expected one label per image");
        return new ImageSet(pixels, labels, classNames, 1, rows, columns);
    }

    public static (float[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var bytes = DataFiles.ReadMaybeGzipped(path);
        if (bytes.Length < 16)
            throw new ReproInputException($"{path} is truncated: {bytes.Length} bytes, an IDX image file starts with a 16-byte header");
        int magic = DataFiles.ReadBigEndianInt32(bytes, 0);
        if (magic != ImageMagic)
            throw new ReproInputException(
                $"{path} has magic number {magic} (0x{magic:X8}); expected {ImageMagic}, an IDX file of unsigned-byte images (3 dimensions)");
        int count = DataFiles.ReadBigEndianInt32(bytes, 4);
        int rows = DataFiles.ReadBigEndianInt32(bytes, 8);
        int columns = DataFiles.ReadBigEndianInt32(bytes, 12);
        if (count < 0 || rows <= 0 || columns <= 0)
            throw new ReproInputException($"{path} declares {count} images of {rows}x{columns}; expected positive sizes");
        long expected = (long)count * rows * columns;
        long found = bytes.Length - 16L;
        if (found != expected)
            throw new ReproInputException(
                $"{path} {(found < expected ? "is truncated" : "has trailing data")}: {count} images of {rows}x{columns} need {expected} bytes after the header, found {found}");
        var pixels = new float[expected];
        DataFiles.ScaleBytes(bytes.AsSpan(16), pixels);
        return (pixels, count, rows, columns);
    }

    public static int[] ReadLabels(string path, int classCount)
    {
        var bytes = DataFiles.ReadMaybeGzipped(path);
        if (bytes.Length < 8)
            throw new ReproInputException($"{path} is truncated: {bytes.Length} bytes, an IDX label file starts with an 8-byte header");
        int magic = DataFiles.ReadBigEndianInt32(bytes, 0);
        if (magic != LabelMagic)
            throw new ReproInputException(
                $"{path} has magic number {magic} (0x{magic:X8}); expected {LabelMagic}, an IDX file of unsigned-byte labels (1 dimension)");
        int count = DataFiles.ReadBigEndianInt32(bytes, 4);
        if (count < 0) throw new ReproInputException($"{path} declares {count} labels; expected a non-negative count");
        long found = bytes.Length - 8L;
        if (found != count)
            throw new ReproInputException(
                $"{path} {(found < count ? "is truncated" : "has trailing data")}: {count} labels need {count} bytes after the header, found {found}");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = bytes[8 + i];
            if (label >= classCount)
                throw new ReproInputException($"{path}: label {label} of item {i} is outside 0..{classCount - 1}");
            labels[i] = label;
        }
        return labels;
    }
}
