using System.Globalization;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>
/// The detection speed claims rest on CPU seconds per test image. They must not depend on how a run was launched:
/// as a child process of <c>--jobs 2</c>, or in one process after another experiment's two-thread training
/// (as a plain <c>repro run configs/*.yaml --jobs 1</c> does). Before the engine served large blocks from the
/// heap, the second way measured R-CNN 1.7x, Fast R-CNN 4x and Faster R-CNN 3x slower than the first.
/// </summary>
[Collection("processes")]
public sealed class TimingReproducibilityTests : IDisposable
{
    /// <summary>Largest ratio between the two ways' CPU seconds per test image, either way round.</summary>
    public const double Tolerance = 1.5;

    static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-timing-");

    public void Dispose() => root.Delete(recursive: true);

    static Dictionary<string, double> CpuSecondsPerImage(string results)
    {
        var byMethod = new Dictionary<string, double>();
        foreach (var run in Directory.GetDirectories(Path.Combine(results, "detection")))
        {
            var summary = Path.Combine(run, ResultPaths.SummaryFileName);
            if (!File.Exists(summary)) continue;
            var lines = File.ReadAllLines(summary);
            var header = lines[0].Split(',');
            var values = lines[1].Split(',');
            string Cell(string name) => values[Array.IndexOf(header, name)];
            byMethod[Cell("param.options.method")] = double.Parse(Cell("test_cpu_seconds_per_image"), CultureInfo.InvariantCulture);
        }
        return byMethod;
    }

    [Fact]
    public void Detection_cpu_seconds_per_image_agree_between_child_processes_and_one_shared_process()
    {
        string children = Path.Combine(root.FullName, "children"), shared = Path.Combine(root.FullName, "shared");
        var (code, output, error) = ReproProcess.Run(Limit,
            "run", ReproProcess.Config("detection.yaml"), "--profile", "smoke", "--results", children, "--jobs", "2");
        Assert.True(code == 0, output + error);
        (code, output, error) = ReproProcess.Run(Limit,
            "run", ReproProcess.Config("baseline.yaml"), ReproProcess.Config("detection.yaml"), "--profile", "smoke", "--results", shared, "--jobs", "1");
        Assert.True(code == 0, output + error);

        var a = CpuSecondsPerImage(children);
        var b = CpuSecondsPerImage(shared);
        Assert.Equal(["fast-rcnn", "faster-rcnn", "rcnn"], a.Keys.Order());
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var method in a.Keys)
        {
            double ratio = Math.Max(a[method], b[method]) / Math.Min(a[method], b[method]);
            Assert.True(ratio <= Tolerance,
                FormattableString.Invariant($"{method}: {a[method]:F4} CPU s a test image as a child of --jobs 2, {b[method]:F4} in one process after the baseline ({ratio:F2}x, at most {Tolerance}x)"));
        }
    }
}
