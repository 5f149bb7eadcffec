using Repro.Experiments.Experiments;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Attribution;

public sealed class AttributionSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-attribution-");

    public void Dispose() => results.Delete(recursive: true);

    [Fact]
    public void Smoke_profile_writes_grids_maps_tables_measures_and_rebuilds_the_figures_from_csv()
    {
        string config = Path.Combine(RepositoryRoot.Find(), "configs", "attribution.yaml");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "attribution");
        // Smoke: purity layers 1, 5, 7 and the mean; five map methods and the centre point; five methods' deletion areas.
        Assert.Equal(1 + 4, File.ReadAllLines(Path.Combine(report, "purity.csv")).Length);
        var pointing = File.ReadAllLines(Path.Combine(report, "pointing_game.csv"));
        Assert.Equal(1 + 6, pointing.Length);
        Assert.Contains(pointing, l => l.StartsWith("gradient (Simonyan et al. 2014),", StringComparison.Ordinal) && l.EndsWith(",76.3,56.9", StringComparison.Ordinal));
        Assert.Contains(pointing, l => l.StartsWith("centre point,", StringComparison.Ordinal) && l.EndsWith(",69.6,42.4", StringComparison.Ordinal));
        Assert.Equal(1 + 5, File.ReadAllLines(Path.Combine(report, "deletion.csv")).Length);
        Assert.Equal(1 + 10, File.ReadAllLines(Path.Combine(report, "class_model_scores.csv")).Length);

        // Grids of layers 1 and 5 (two units each: images and projections), directions of layer 5, class models, maps.
        foreach (var figure in new[] { "top9_layer1", "top9_layer5", "top9_directions_layer5", "class_models", "maps", "canvas_maps", "deletion_curves" })
        {
            Assert.True(new FileInfo(Path.Combine(report, figure + ".png")).Length > 0, figure + ".png");
            Assert.True(File.Exists(Path.Combine(report, figure + ".svg")), figure + ".svg");
            Assert.True(File.Exists(Path.Combine(report, figure + ".data.csv")), figure + ".data.csv");
        }
        // Layer 1: receptive field 6 px, nine tiles 3 x 3 with 1 px between them: 20 x 20 pixels, four pictures.
        var layer1 = File.ReadAllLines(Path.Combine(report, "top9_layer1.data.csv"));
        Assert.Equal(4 * 20 * 20, layer1.Count(l => l.StartsWith("pixel,", StringComparison.Ordinal)));
        // Layer 5 sees the whole 28 x 28 image: 3 x 29 - 1 = 86 pixels a side.
        Assert.Equal(4 * 86 * 86, File.ReadLines(Path.Combine(report, "top9_layer5.data.csv")).Count(l => l.StartsWith("pixel,", StringComparison.Ordinal)));
        // One canvas of 64 x 64: the input and five maps, each with the object's box, the maps with their maximum.
        var canvas = File.ReadAllLines(Path.Combine(report, "canvas_maps.data.csv"));
        Assert.Equal(6 * 64 * 64, canvas.Count(l => l.StartsWith("pixel,", StringComparison.Ordinal)));
        Assert.Equal(6 + 5, canvas.Count(l => l.StartsWith("box,", StringComparison.Ordinal)));

        var measures = File.ReadAllLines(Path.Combine(report, "measures.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet();
        foreach (var name in new[] { "pointing_gradient_minus_random", "pointing_gradient_minus_centre", "pointing_guided_backprop_minus_random",
                     "pointing_guided_backprop_minus_centre", "deletion_random_minus_guided_backprop", "occlusion_vs_gradient_cost",
                     "purity_units_minus_directions", "class_model_score_gain_min", "test_accuracy", "canvas_test_accuracy" })
            Assert.Contains(name, measures);

        // The report rebuilds every figure from the run's files alone: the same bytes again.
        var before = File.ReadAllBytes(Path.Combine(report, "top9_layer5.png"));
        File.Delete(Path.Combine(report, "top9_layer5.png"));
        Assert.Equal(0, Runner.Cli.Invoke(["report", results.FullName], new StringWriter(), new StringWriter()));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(report, "top9_layer5.png")));

        // A picture row cut short is bad input naming the file and line, not a crash.
        string run = Directory.GetDirectories(ResultPaths.ExperimentDirectory(results.FullName, "attribution")).Single(d => ResultPaths.IsRunId(Path.GetFileName(d)));
        string pictures = Path.Combine(run, AttributionExperiment.PicturesFile);
        var lines = File.ReadAllLines(pictures);
        lines[2] = lines[2][..^3];
        File.WriteAllLines(pictures, lines);
        var bad = new StringWriter();
        Assert.Equal(2, Runner.Cli.Invoke(["report", results.FullName], new StringWriter(), bad));
        Assert.Contains($"{AttributionExperiment.PicturesFile}:3", bad.ToString());
    }
}
