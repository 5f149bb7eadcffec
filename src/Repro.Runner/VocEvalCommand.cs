using System.CommandLine;
using Repro.Experiments.Metrics;

namespace Repro.Runner;

/// <summary><c>repro voc-eval --annotations DIR --imageset FILE --detections DIR [--csv]</c>: VOC AP of any detector's result files.</summary>
public static class VocEvalCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var annotations = new Option<string>("--annotations")
        {
            Description = "The Annotations folder of a VOC layout (<id>.xml per image).",
            HelpName = "DIR",
            Required = true,
        };
        var imageSet = new Option<string>("--imageset")
        {
            Description = "The image-set file listing the evaluated ids, e.g. VOC2007/ImageSets/Main/test.txt.",
            HelpName = "FILE",
            Required = true,
        };
        var detections = new Option<string>("--detections")
        {
            Description = "Folder of comp4_det_<set>_<class>.txt result files (set = the image-set file's stem), lines 'image_id score x1 y1 x2 y2'.",
            HelpName = "DIR",
            Required = true,
        };
        var csv = new Option<bool>("--csv") { Description = "Print CSV instead of a table." };
        var command = new Command("voc-eval",
            "Score detections against PASCAL VOC annotations: per-class AP and mAP at IoU > 0.5, difficult objects " +
            "ignored, in both variants (VOC2007 11-point and area under the precision envelope).")
        {
            annotations, imageSet, detections, csv,
        };
        command.SetAction(parsed => Cli.Guard(environment, () => VocEvaluationTable.Run(
            parsed.GetValue(annotations)!, parsed.GetValue(imageSet)!, parsed.GetValue(detections)!, parsed.GetValue(csv), environment.Out)));
        return command;
    }
}
