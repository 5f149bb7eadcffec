using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Invariance;

public sealed class InvarianceSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-invariance-");

    public void Dispose() => results.Delete(recursive: true);

    [Fact]
    public void Smoke_profile_writes_curves_maps_tables_and_measures()
    {
        string config = Path.Combine(RepositoryRoot.Find(), "configs", "invariance.yaml");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "invariance");
        // Three transformations, one row each.
        Assert.Equal(4, File.ReadAllLines(Path.Combine(report, "invariance.csv")).Length);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(report, "occlusion.csv")).Length);
        foreach (var figure in new[] { "invariance_curves", "occlusion_maps" })
        {
            Assert.True(File.Exists(Path.Combine(report, figure + ".svg")), figure + ".svg");
            Assert.True(File.Exists(Path.Combine(report, figure + ".data.csv")), figure + ".data.csv");
        }
        // Curves: smoke has 2 images + the mean, 5 + 3 + 5 amounts -> 3 * (5 + 3 + 5) rows.
        Assert.Equal(1 + 3 * 13, File.ReadAllLines(Path.Combine(report, "invariance_curves.data.csv")).Length);
        // One occluded image, four panels of 28x28 (input) and 6x6 (stride 4, size 8) cells.
        Assert.Equal(1 + 28 * 28 + 3 * 36, File.ReadAllLines(Path.Combine(report, "occlusion_maps.data.csv")).Length);

        var measures = File.ReadAllLines(Path.Combine(report, "measures.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet();
        foreach (var name in new[] { "translation_growth_ratio", "scale_growth_ratio", "rotation_growth_ratio", "translation_p_true_min_2px",
                     "occlusion_drop_object", "occlusion_drop_background", "occlusion_drop_ratio", "occlusion_drop_difference", "test_accuracy" })
            Assert.Contains(name, measures);
        Assert.True(File.Exists(Path.Combine(report, "claims.csv")));
    }
}
