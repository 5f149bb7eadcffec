using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed class DetectionSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-detection-");

    public void Dispose() => results.Delete(recursive: true);

    [Fact]
    public void Smoke_profile_trains_three_detectors_and_writes_table_figures_and_claims()
    {
        string config = Path.Combine(RepositoryRoot.Find(), "configs", "detection.yaml");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "detection");
        var table = File.ReadAllLines(Path.Combine(report, "detection.csv"));
        Assert.Equal(4, table.Length);
        Assert.StartsWith("R-CNN,", table[1]);
        Assert.StartsWith("Fast R-CNN,", table[2]);
        Assert.StartsWith("Faster R-CNN,", table[3]);
        // Beside each measured row, the paper's mAP and seconds per image.
        Assert.Contains(",66.0,50,", table[1]);
        Assert.Contains(",66.9,0.2,", table[3]);

        var classes = File.ReadAllLines(Path.Combine(report, "per_class_ap.csv")).Length - 1;
        Assert.True(classes >= 2, $"{classes} classes in per_class_ap.csv");
        foreach (var figure in new[] { "pr_curves", "detections" })
        {
            Assert.True(File.Exists(Path.Combine(report, figure + ".svg")), figure + ".svg");
            Assert.True(File.Exists(Path.Combine(report, figure + ".data.csv")), figure + ".data.csv");
            Assert.True(new FileInfo(Path.Combine(report, figure + ".png")).Length > 0, figure + ".png");
        }
        // One PR curve per detector, named in the figure.
        var pr = Reporting.FigurePixels.SvgTexts(File.ReadAllBytes(Path.Combine(report, "pr_curves.svg")));
        foreach (var method in new[] { "R-CNN", "Fast R-CNN", "Faster R-CNN" })
            Assert.Contains(method, pr);
        // The grid: two test images of 128x128 pixels, stored once each, then the boxes of 2 x (1 + 3) panels.
        var grid = File.ReadAllLines(Path.Combine(report, "detections.data.csv"));
        Assert.Equal(2 * 128 * 128, grid.Count(l => l.StartsWith("pixel,", StringComparison.Ordinal)));
        Assert.Contains(grid, l => l.StartsWith("box,", StringComparison.Ordinal));

        var measures = File.ReadAllLines(Path.Combine(report, "measures.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet();
        foreach (var name in new[] { "rcnn_map_ap11", "fast_rcnn_map_ap11", "faster_rcnn_map_ap11", "fast_rcnn_map_vs_rcnn_points",
                     "faster_rcnn_map_vs_rcnn_points", "fast_rcnn_cpu_speedup", "faster_rcnn_cpu_speedup", "faster_rcnn_wall_speedup" })
            Assert.Contains(name, measures);
        Assert.True(File.Exists(Path.Combine(report, "claims.csv")));

        // Each run wrote VOC devkit result files a user can score with `repro voc-eval`.
        var runs = Directory.GetDirectories(ResultPaths.ExperimentDirectory(results.FullName, "detection")).Where(d => ResultPaths.IsRunId(Path.GetFileName(d))).ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.NotEmpty(Directory.GetFiles(Path.Combine(r, "detections"), "comp4_det_test_*.txt")));
    }
}
