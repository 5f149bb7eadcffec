using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.RandomLabels;

public sealed class RandomLabelsSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-random-labels-");

    public void Dispose() => results.Delete(recursive: true);

    static string Config => Path.Combine(RepositoryRoot.Find(), "configs", "random-labels.yaml");

    static string[] Lines(string report, string file) => File.ReadAllLines(Path.Combine(report, file));

    [Fact]
    public void Smoke_profile_writes_table_1_figures_1a_1b_1c_and_claim_measures()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "random-labels");
        // Smoke settings: zf true, zf random (dropout + weight decay), mlp true, p=0.5, random, shuffled pixels, Gaussian.
        Assert.Equal(1 + 7, Lines(report, "runs_by_setting.csv").Length);
        // Table 1 takes true and random labels on real images: zf x2, mlp x2.
        var table1 = Lines(report, "table1.csv");
        Assert.Equal(1 + 4, table1.Length);
        Assert.Contains("paper_top1_train", table1[0]);
        // zf with random labels, dropout and weight decay sits beside the paper's 91.18 / 0.09 row.
        Assert.Contains(table1, l => l.StartsWith("zf,random,no,yes,yes,") && l.EndsWith(",91.18,0.09"));
        // 2 epochs cannot fit: every run is listed as not fitted, none is dropped.
        Assert.Equal(7, Lines(report, "runs_by_setting.csv").Count(l => l.Contains("not fitted")));
        // Fig. 1b: unregularised real-image runs (zf p=0, mlp p=0, 0.5, 1); Fig. 1c: the same, clean and corrupted.
        Assert.Equal(1 + 4, Lines(report, "fig1b.data.csv").Length);
        Assert.Equal(1 + 8, Lines(report, "fig1c.data.csv").Length);
        Assert.True(Lines(report, "fig1a.data.csv").Length > 1 + 5);
        foreach (var figure in new[] { "fig1a", "fig1b", "fig1c" })
            foreach (var ext in new[] { ".png", ".svg" })
                Assert.True(File.Exists(Path.Combine(report, figure + ext)), figure + ext);

        var measures = Lines(report, "measures.csv").Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[1]);
        foreach (var name in new[] { "random_labels_train_accuracy_min", "random_labels_test_accuracy_distance_from_chance_max",
                     "random_labels_regularised_train_accuracy_min", "steps_to_fit_rank_correlation_mlp", "steps_to_fit_rank_correlation_min",
                     "test_error_rank_correlation_mlp", "test_error_rank_correlation_min",
                     "true_labels_test_accuracy_zf", "true_labels_test_accuracy_mlp" })
            Assert.Contains(name, measures.Keys);
        Assert.Equal("6", measures["unregularised_runs_not_fitted"]);
        Assert.Equal("claim,paper,measured,threshold,comparison,status", Lines(report, "claims.csv")[0]);
    }

    [Fact]
    public void Quick_and_full_profiles_resolve_to_the_listed_settings()
    {
        var resolver = new Repro.Experiments.Config.ConfigResolver(ExperimentRegistry.CreateDefault());
        var quick = resolver.Resolve(Config, "quick");
        // Three seeds of the 24 settings, two runs at a time sharing the config's two threads.
        Assert.Equal(3 * 24, quick.Count);
        Assert.All(quick, r => Assert.Equal(2, r.Threads));
        Assert.All(quick, r => Assert.Equal(1, new SweepSettings().ThreadsPerRun(r)));
        Assert.All(resolver.Resolve(Config, "smoke"), r => Assert.Equal(1, new SweepSettings().JobsFor(r)));
        Assert.Equal(3, quick.Select(r => r.Seed).Distinct().Count());
        var quickOptions = Assert.IsType<Repro.Experiments.Experiments.RandomLabelsOptions>(quick[0].Options);
        Assert.Equal(500, quickOptions.Dataset.TrainSubset);
        // The paper's optimiser and weight decay, with batch normalisation in the ConvNet.
        Assert.Equal(Repro.Experiments.Training.OptimizerKind.Sgd, quickOptions.Train.Optimizer);
        Assert.Equal(0.9, quickOptions.Train.Momentum);
        Assert.Equal(0.0005, quickOptions.Regularisers.WeightDecay);
        Assert.True(quickOptions.Zf.BatchNorm);
        var full = resolver.Resolve(Config, "full");
        Assert.Equal(3 * 24, full.Count);
        var options = Assert.IsType<Repro.Experiments.Experiments.RandomLabelsOptions>(full[0].Options);
        Assert.Null(options.Dataset.TrainSubset);
        Assert.Equal([32, 64, 96, 96, 64], options.Zf.ConvChannels);
        // The paper's decay: the rate times 0.95 after every epoch.
        Assert.Equal((Repro.Experiments.Training.LearningRateDecay.Step, 1, 0.95), (options.Train.Schedule, options.Train.StepEpochs, options.Train.Gamma));
        Assert.Equal(Array.Empty<int>(), full.Select(r => r.Options).OfType<Repro.Experiments.Experiments.RandomLabelsOptions>()
            .Where(o => o.Dataset.TrainSubset is not null).Select(o => o.Dataset.TrainSubset!.Value).ToArray());
    }

    [Fact]
    public void A_second_dropout_switch_is_rejected_as_bad_input()
    {
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName, "--set", "options.zf.dropout=0.5"],
            new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains("options.zf.dropout", error.ToString());
    }

    [Fact]
    public void Same_seed_gives_identical_metrics_in_a_second_process()
    {
        string config = Path.Combine(results.FullName, "one.yaml");
        File.WriteAllText(config, $"""
            base: {Config}
            profiles:
              smoke:
                sweep:
                  options.setting:
                    - {"{"}model: mlp, inputs: random-pixels, label_corruption: 0.4{"}"}
            """);
        string inProcess = Path.Combine(results.FullName, "a"), child = Path.Combine(results.FullName, "b");
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(0, Runner.Cli.Invoke(["run", config, "--profile", "smoke", "--results", inProcess], output, error));
        // --jobs 2 runs every run in a child repro process.
        int code = Runner.Cli.Invoke(["run", config, "--profile", "smoke", "--results", child, "--jobs", "2"], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string runId = File.ReadAllLines(ResultPaths.Runs(ResultPaths.ReportDirectory(inProcess, "random-labels")))[1];
        string Metrics(string root) => File.ReadAllText(ResultPaths.Metrics(ResultPaths.RunDirectory(root, "random-labels", runId)));
        Assert.Equal(Metrics(inProcess), Metrics(child));
        var a = RunRecord.Load(ResultPaths.RunDirectory(inProcess, "random-labels", runId), runId);
        var b = RunRecord.Load(ResultPaths.RunDirectory(child, "random-labels", runId), runId);
        foreach (var metric in new[] { "labels_changed", "train_accuracy", "train_accuracy_true_labels", "test_accuracy", "test_accuracy_corrupted" })
            Assert.Equal(a.Metric(metric), b.Metric(metric));
        Assert.InRange(a.Metric("labels_changed")!.Value, 0.2, 0.5);
    }
}
