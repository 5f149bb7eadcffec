namespace Repro.Experiments.Metrics;

/// <summary>
/// Per-class AP and mAP of a VOC evaluation as a <see cref="ResultTable"/>, and the stand-alone evaluation behind
/// <c>repro voc-eval</c>: a devkit layout's annotations and image set against comp4 result files.
/// </summary>
public static class VocEvaluationTable
{
    public const string MeanRow = "mAP";

    /// <summary>
    /// One row per class (class, positives, detections, ap_voc07, ap_area), then the mAP row. AP cells of a class
    /// without non-difficult objects are empty: the class has no recall and is left out of the mean.
    /// </summary>
    public static ResultTable Build(IReadOnlyList<ClassAp> perClass, double mapAp11, double mapArea, string name = "voc_ap")
    {
        var table = new ResultTable(name, "PASCAL VOC average precision at IoU > 0.5",
            ResultColumn.Text("class"), ResultColumn.Integer("positives"), ResultColumn.Integer("detections"),
            ResultColumn.Number("ap_voc07", "AP (VOC07 11-point)"), ResultColumn.Number("ap_area", "AP (area)"));
        foreach (var c in perClass)
            table.AddRow(c.ClassName, c.Positives, c.Detections, Cell(c.Ap11), Cell(c.ApArea));
        table.AddRow(MeanRow, perClass.Sum(c => c.Positives), perClass.Sum(c => c.Detections), Cell(mapAp11), Cell(mapArea));
        return table;
    }

    /// <summary>
    /// Evaluates the result files in <paramref name="detectionsFolder"/> (comp4_det_&lt;set&gt;_&lt;class&gt;.txt, set =
    /// the image-set file's stem) and prints the table as Markdown, or as CSV. The classes are those of the
    /// annotations (VOC's 20 for VOC2007); a result file of any other class is bad input. Returns the exit code.
    /// </summary>
    public static int Run(string annotationsFolder, string imageSetFile, string detectionsFolder, bool csv, TextWriter output)
    {
        var images = VocFormat.LoadAnnotations(annotationsFolder, imageSetFile);
        string imageSet = Path.GetFileNameWithoutExtension(imageSetFile);
        var classes = VocFormat.ClassNames(images).ToList();
        var found = VocDetectionFiles.ClassesInDirectory(detectionsFolder, imageSet);
        if (found.Count == 0)
            throw new ReproInputException(
                $"{detectionsFolder}: no result files {VocDetectionFiles.FileName(imageSet, "<class>")} for image set '{imageSet}'");
        // A result file of a class the annotations never name would score 0 positives and quietly stay out of the
        // mAP: a misspelt class name or the wrong annotations, so it is bad input.
        if (found.FirstOrDefault(c => !classes.Contains(c)) is { } unknown)
            throw new ReproInputException(
                $"{Path.Combine(detectionsFolder, VocDetectionFiles.FileName(imageSet, unknown))}: class '{unknown}' is not in the annotations " +
                $"of {annotationsFolder} for image set '{imageSet}' (classes: {string.Join(", ", classes)})");
        var ids = images.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var detections = VocDetectionFiles.Read(detectionsFolder, imageSet, classes, ids);
        var (perClass, map11, mapArea) = VocEvaluation.Evaluate(images, classes, detections);
        var table = Build(perClass, map11, mapArea);
        if (csv)
        {
            output.Write(new CsvTableExporter().Export(table));
            return 0;
        }
        output.Write(new MarkdownTableExporter().Export(table));
        int scored = perClass.Count(c => c.Positives > 0);
        var excluded = perClass.Where(c => c.Positives == 0).Select(c => c.ClassName).ToArray();
        output.WriteLine($"{images.Count} images, {scored} classes with positives in the mAP" +
            (excluded.Length > 0 ? $"; without positives (not in the mAP): {string.Join(", ", excluded)}" : ""));
        return 0;
    }

    private static ResultCell Cell(double value) => double.IsNaN(value) ? ResultCell.Empty : ResultCell.Of(value);
}
