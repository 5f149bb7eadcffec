using System.Globalization;
using Repro.Experiments.Data;
using Repro.Experiments.Metrics;
using Repro.Experiments.Tests.Data;
using Repro.Runner;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

public sealed class VocEvalCliTests : IDisposable
{
    private readonly TempFolder folder = new();

    public VocEvalCliTests()
    {
        // bag: two positives and a difficult one; trouser: one positive; digit-7: only difficult (not VOC class names,
        // so the classes are those seen, in first-seen order)
        VocFixtures.WriteLayout(folder.File("VOC2007"), "test", new[]
        {
            VocFixtures.Image("000001", VocFixtures.Box("bag", 1, 1, 10, 10), VocFixtures.Box("trouser", 30, 30, 50, 50)),
            VocFixtures.Image("000002", VocFixtures.Box("bag", 11, 11, 40, 40), VocFixtures.Box("bag", 60, 60, 70, 70, difficult: true)),
            VocFixtures.Image("000003", VocFixtures.Box("digit-7", 5, 5, 9, 9, difficult: true)),
        }, writeImages: false);
        Directory.CreateDirectory(Detections);
        // bag: TP (.9), FP on 000003 (.8), TP (.7): recall .5 .5 1, precision 1 .5 2/3
        //   11-point: t = 0 .. .5 -> 1 (6), t = .6 .. 1 -> 2/3 (5): (6 + 10/3) / 11 = 28/33
        //   area: .5 * 1 + .5 * 2/3 = 5/6
        // trouser: no file -> AP 0. digit-7: no positives -> left out. mAP = (28/33 + 0) / 2, (5/6 + 0) / 2
        DataFixtures.WriteText(Path.Combine(Detections, "comp4_det_test_bag.txt"),
            "000001 0.9 1 1 10 10\n000003 0.8 1 1 10 10\n000002 0.7 12 11 40 40\n");
        DataFixtures.WriteText(Path.Combine(Detections, "comp4_det_test_digit-7.txt"), "000003 0.9 5 5 9 9\n");
    }

    public void Dispose() => folder.Dispose();

    private string Annotations => folder.File("VOC2007", "Annotations");

    private string ImageSet => folder.File("VOC2007", "ImageSets", "Main", "test.txt");

    private string Detections => folder.File("results");

    private static (int Code, string Out, string Error) Repro(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Prints_per_class_ap_and_map_in_both_variants()
    {
        var (code, output, error) = Repro("voc-eval", "--annotations", Annotations, "--imageset", ImageSet, "--detections", Detections);
        Assert.Equal("", error);
        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Equal("| class   | positives | detections | AP (VOC07 11-point) | AP (area) |", lines[0]);
        Assert.Equal("| bag     |         2 |          3 |            0.848485 |  0.833333 |", lines[2]);
        Assert.Equal("| trouser |         1 |          0 |                   0 |         0 |", lines[3]);
        Assert.Equal("| digit-7 |         0 |          1 |                   - |         - |", lines[4]);
        Assert.Equal("| mAP     |         3 |          4 |            0.424242 |  0.416667 |", lines[5]);
        Assert.Equal("3 images, 2 classes with positives in the mAP; without positives (not in the mAP): digit-7", lines[6]);
    }

    [Fact]
    public void Csv_carries_full_precision()
    {
        var (code, output, _) = Repro("voc-eval", "--annotations", Annotations, "--imageset", ImageSet, "--detections", Detections, "--csv");
        Assert.Equal(0, code);
        var rows = output.TrimEnd('\n').Split('\n').Select(l => l.Split(',')).ToArray();
        Assert.Equal(new[] { "class", "positives", "detections", "ap_voc07", "ap_area" }, rows[0]);
        Assert.Equal(new[] { "bag", "trouser", "digit-7", "mAP" }, rows.Skip(1).Select(r => r[0]));
        Assert.Equal(28.0 / 33, double.Parse(rows[1][3], CultureInfo.InvariantCulture), 14);
        Assert.Equal(5.0 / 6, double.Parse(rows[1][4], CultureInfo.InvariantCulture), 14);
        Assert.Equal("", rows[3][3]);
        Assert.Equal(28.0 / 33 / 2, double.Parse(rows[4][3], CultureInfo.InvariantCulture), 12);
        Assert.Equal(5.0 / 12, double.Parse(rows[4][4], CultureInfo.InvariantCulture), 12);
    }

    [Fact]
    public void A_malformed_detection_line_exits_2_naming_file_and_line()
    {
        string path = Path.Combine(Detections, "comp4_det_test_bag.txt");
        DataFixtures.WriteText(path, "000001 0.9 1 1 10 10\n000002 0.8 1 1 10\n");
        var (code, output, error) = Repro("voc-eval", "--annotations", Annotations, "--imageset", ImageSet, "--detections", Detections);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"{path}:2: expected 'image_id score x1 y1 x2 y2', got 5 field(s): '000002 0.8 1 1 10'{Environment.NewLine}", error);
    }

    [Fact]
    public void A_result_file_of_a_class_not_in_the_annotations_exits_2_naming_file_and_class()
    {
        string path = Path.Combine(Detections, "comp4_det_test_bags.txt");
        DataFixtures.WriteText(path, "000001 0.9 1 1 10 10\n");
        var (code, output, error) = Repro("voc-eval", "--annotations", Annotations, "--imageset", ImageSet, "--detections", Detections);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"{path}: class 'bags' is not in the annotations of {Annotations} for image set 'test' " +
                     $"(classes: bag, trouser, digit-7){Environment.NewLine}", error);
    }

    [Fact]
    public void Missing_inputs_exit_2()
    {
        string missingSet = folder.File("VOC2007", "ImageSets", "Main", "val.txt");
        var (code, _, error) = Repro("voc-eval", "--annotations", Annotations, "--imageset", missingSet, "--detections", Detections);
        Assert.Equal(2, code);
        Assert.Equal($"missing VOC image set file {missingSet}{Environment.NewLine}", error);

        // result files for another image set: nothing to score is an error, not an mAP of 0
        File.Copy(ImageSet, folder.File("VOC2007", "ImageSets", "Main", "val.txt"));
        (code, _, error) = Repro("voc-eval", "--annotations", Annotations, "--imageset", missingSet, "--detections", Detections);
        Assert.Equal(2, code);
        Assert.Contains("no result files comp4_det_val_<class>.txt", error);

        (code, _, error) = Repro("voc-eval", "--annotations", Annotations, "--imageset", ImageSet);
        Assert.Equal(2, code);
        Assert.Contains("--detections", error);
    }
}
