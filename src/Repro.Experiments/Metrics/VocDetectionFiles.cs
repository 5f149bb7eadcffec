using System.Text;

namespace Repro.Experiments.Metrics;

/// <summary>
/// The devkit's result files for the detection competition with outside training data (comp4):
/// comp4_det_&lt;set&gt;_&lt;class&gt;.txt, one detection a line, "image_id score x1 y1 x2 y2" in VOC pixel
/// coordinates, fields separated by white space.
/// </summary>
public static class VocDetectionFiles
{
    private const string Prefix = "comp4_det_";

    public static string FileName(string imageSet, string className) => $"{Prefix}{imageSet}_{className}.txt";

    /// <summary>
    /// Reads the files of <paramref name="classes"/>; a missing class file means no detections for that class.
    /// Malformed lines (wrong field count, a number that does not parse or is not finite, x2 &lt; x1 or y2 &lt; y1,
    /// an image id outside <paramref name="imageIds"/> when given) are <see cref="ReproInputException"/>s naming
    /// file and line.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<Detection>> Read(string directory, string imageSet,
        IReadOnlyList<string> classes, IReadOnlySet<string>? imageIds = null)
    {
        if (!Directory.Exists(directory))
            throw new ReproInputException($"detections folder {directory} does not exist");
        var result = new Dictionary<string, IReadOnlyList<Detection>>(StringComparer.Ordinal);
        foreach (var className in classes)
        {
            string path = Path.Combine(directory, FileName(imageSet, className));
            result[className] = File.Exists(path) ? ReadFile(path, imageIds) : Array.Empty<Detection>();
        }
        return result;
    }

    /// <summary>The class names that have a result file for <paramref name="imageSet"/> in the folder, sorted by ordinal name.</summary>
    public static IReadOnlyList<string> ClassesInDirectory(string directory, string imageSet)
    {
        if (!Directory.Exists(directory))
            throw new ReproInputException($"detections folder {directory} does not exist");
        string prefix = $"{Prefix}{imageSet}_";
        return Directory.EnumerateFiles(directory, prefix + "*.txt")
            .Select(f => Path.GetFileNameWithoutExtension(f)[prefix.Length..])
            .Where(c => c.Length > 0)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>One result file; see <see cref="Read"/> for what is checked.</summary>
    public static IReadOnlyList<Detection> ReadFile(string path, IReadOnlySet<string>? imageIds = null)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"cannot read detection file {path}: {e.Message}", e);
        }
        var detections = new List<Detection>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
                continue;
            string where = $"{path}:{i + 1}";
            if (fields.Length != 6)
                throw new ReproInputException($"{where}: expected 'image_id score x1 y1 x2 y2', got {fields.Length} field(s): '{lines[i].Trim()}'");
            var values = new double[5];
            string[] names = { "score", "x1", "y1", "x2", "y2" };
            for (int k = 0; k < 5; k++)
            {
                if (!double.TryParse(fields[k + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[k]) || !double.IsFinite(values[k]))
                    throw new ReproInputException($"{where}: {names[k]} '{fields[k + 1]}' is not a finite number");
            }
            if (values[3] < values[1] || values[4] < values[2])
                throw new ReproInputException(
                    $"{where}: box {fields[2]} {fields[3]} {fields[4]} {fields[5]} has x2 < x1 or y2 < y1 (expected corners x1 y1 x2 y2, not x y width height)");
            if (imageIds is not null && !imageIds.Contains(fields[0]))
                throw new ReproInputException($"{where}: image '{fields[0]}' is not in the image set");
            detections.Add(new Detection(fields[0], values[0], values[1], values[2], values[3], values[4]));
        }
        return detections;
    }

    /// <summary>
    /// Writes one file per class (classes with no detections get an empty file, so a reader sees the class was
    /// run). Numbers are written in the shortest text that reads back to the same double.
    /// </summary>
    public static void Write(string directory, string imageSet, IReadOnlyDictionary<string, IReadOnlyList<Detection>> detectionsByClass)
    {
        Directory.CreateDirectory(directory);
        foreach (var (className, detections) in detectionsByClass)
        {
            var text = new StringBuilder();
            foreach (var d in detections)
            {
                if (d.ImageId.Any(char.IsWhiteSpace))
                    throw new ArgumentException($"image id '{d.ImageId}' contains white space");
                text.Append(d.ImageId).Append(' ').Append(Number(d.Score)).Append(' ').Append(Number(d.X1)).Append(' ')
                    .Append(Number(d.Y1)).Append(' ').Append(Number(d.X2)).Append(' ').Append(Number(d.Y2)).Append('\n');
            }
            AtomicFile.WriteAllText(Path.Combine(directory, FileName(imageSet, className)), text.ToString());
        }
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
