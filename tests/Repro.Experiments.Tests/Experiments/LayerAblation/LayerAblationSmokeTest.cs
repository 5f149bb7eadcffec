using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.LayerAblation;

public sealed class LayerAblationSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-layer-ablation-");

    public void Dispose() => results.Delete(recursive: true);

    static string Config => Path.Combine(RepositoryRoot.Find(), "configs", "layer-ablation.yaml");

    static string[] Lines(string report, string file) => File.ReadAllLines(Path.Combine(report, file));

    [Fact]
    public void Smoke_profile_writes_the_ablation_table_the_layer_feature_table_and_figure_and_measures()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "layer-ablation");
        // Smoke sweep: the full net and the net without layer 7, one seed each.
        var ablation = Lines(report, "ablation.csv");
        Assert.Equal(1 + 2, ablation.Length);
        Assert.Contains("paper_error_change", ablation[0]);
        Assert.StartsWith("none,1,429194,0,", ablation[1]);
        // Without layer 7: 65,792 parameters removed, 15.3% of 429,194; the paper's row says 16 (M) and 1.1 points.
        Assert.StartsWith("7,1,363402,65792,15.3", ablation[2]);
        Assert.EndsWith(",16,1.1", ablation[2]);

        // Pixels and layers 1..7, each with both classifiers; the paper's SVM column sits beside layers 1..7.
        var features = Lines(report, "layer_features.csv");
        Assert.Equal(1 + 8, features.Length);
        Assert.StartsWith("pixels,784,", features[1]);
        Assert.StartsWith("1,288,", features[2]);
        Assert.Contains(",44.8", features[2]);
        Assert.True(File.Exists(Path.Combine(report, "accuracy_vs_layer.svg")));

        var measures = Lines(report, "measures.csv").Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[1]);
        foreach (var name in new[] { "error_change_7", "test_error_full", "svm_rise_1_to_5", "softmax_rise_1_to_5", "svm_drops_1_to_5",
                     "svm_layer5_accuracy", "softmax_layer7_accuracy" })
            Assert.Contains(name, measures.Keys);
        // Two splits for the one full network: two measurements behind every layer's mean.
        Assert.Equal("2", measures["feature_measurements_per_layer"]);
        Assert.Equal("claim,paper,measured,threshold,comparison,status", Lines(report, "claims.csv")[0]);
    }
}

public sealed class ProbePoolTests
{
    static Repro.Experiments.Data.ImageSet Set(params int[] labels) =>
        new(labels.Select(l => (float)l).ToArray(), labels, ["a", "b", "c"], 1, 1, 1);

    [Fact]
    public void Test_images_only_leave_out_every_training_image_and_all_takes_both_splits_in_order()
    {
        var parts = new Repro.Experiments.Data.DataSplits(Set(0, 1, 2, 0), Set(2, 1));
        var test = Repro.Experiments.Experiments.LayerAblationExperiment.ProbePool(parts, Repro.Experiments.Experiments.ProbeImages.Test);
        Assert.Equal([2, 1], test.Labels);
        var all = Repro.Experiments.Experiments.LayerAblationExperiment.ProbePool(parts, Repro.Experiments.Experiments.ProbeImages.All);
        Assert.Equal([0, 1, 2, 0, 2, 1], all.Labels);
    }

    [Fact]
    public void An_unknown_image_pool_is_rejected_naming_the_key()
    {
        using var results = new TempResults();
        var error = new StringWriter();
        string config = Path.Combine(RepositoryRoot.Find(), "configs", "layer-ablation.yaml");
        int code = Runner.Cli.Invoke(["run", config, "--profile", "smoke", "--results", results.Path, "--set", "options.features.images=train"],
            new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains("features.images", error.ToString());
    }

    sealed class TempResults : IDisposable
    {
        private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("repro-probe-pool-");
        public string Path => directory.FullName;
        public void Dispose() => directory.Delete(recursive: true);
    }
}
