using Repro.Experiments.Config;
using Repro.Experiments.Models;
using Repro.Experiments.Training;
using Repro.Experiments.Experiments;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Architectures;

public sealed class ArchitecturesSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-architectures-");

    public void Dispose() => results.Delete(recursive: true);

    static string Config => Path.Combine(RepositoryRoot.Find(), "configs", "architectures.yaml");

    static string[] Lines(string report, string file) => File.ReadAllLines(Path.Combine(report, file));

    static (int Code, string Out, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Smoke_profile_reports_depth_table_curves_class_ranking_and_data_scale_and_compare_lists_only_what_differs()
    {
        string first = Path.Combine(results.FullName, "first");
        var run = Cli("run", Config, "--profile", "smoke", "--results", first);
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}\n{run.Out}");

        string report = ResultPaths.ReportDirectory(first, "architectures");
        // Depth table: plain nets first, then residual nets, each by depth; parameters as counted by hand.
        var depth = Lines(report, "depth.csv");
        Assert.Equal(1 + 4, depth.Length);
        Assert.StartsWith("network,layers,runs,train_error,test_error,parameters,multiply_adds_millions,ms_per_step,paper_parameters_millions,paper_test_error", depth[0]);
        Assert.StartsWith("plain-8,8,1,", depth[1]);
        Assert.StartsWith("plain-14,14,1,", depth[2]);
        Assert.StartsWith("ResNet-8,8,1,", depth[3]);
        Assert.StartsWith("ResNet-14,14,1,", depth[4]);
        Assert.Contains(",75002,", depth[1]);
        Assert.Contains(",172218,", depth[4]);

        // Ten classes with their Fashion-MNIST names, easiest first.
        var ranking = Lines(report, "class_ranking.csv").Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(10, ranking.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i.ToString()), ranking.Select(r => r[0]));
        Assert.Contains(ranking, r => r[1] == "Ankle boot");
        var accuracies = ranking.Select(r => double.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(accuracies.OrderByDescending(a => a), accuracies);

        // Data scale: 64 and 128 images, smallest first; the small set trains the minimum steps.
        var scale = Lines(report, "data_scale.csv");
        Assert.Equal(1 + 2, scale.Length);
        Assert.StartsWith("64,1,4,", scale[1]);
        Assert.StartsWith("128,1,4,", scale[2]);

        foreach (var figure in new[] { "error_curves", "test_error_vs_data" })
            Assert.True(File.Exists(Path.Combine(report, figure + ".png")), figure);
        var curves = Lines(report, "error_curves.data.csv");
        Assert.Contains(curves, l => l.StartsWith("train:plain-14,"));
        Assert.Contains(curves, l => l.StartsWith("test:ResNet-8,"));

        var measures = Lines(report, "measures.csv").Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[1]);
        foreach (var name in new[] { ArchitecturesExperiment.PlainDegradation, ArchitecturesExperiment.ResidualGain,
                     ArchitecturesExperiment.ResidualOverPlain, ArchitecturesExperiment.DataScaleRises, ArchitecturesExperiment.DataScaleSlope })
            Assert.Contains(name, measures.Keys);

        // A second sweep of two of the arms at another learning rate, compared with the first: each of its runs is
        // paired with the same network, and the only parameter listed as differing is the learning rate.
        string second = Path.Combine(results.FullName, "second");
        var again = Cli("run", Config, "--profile", "smoke", "--results", second, "--set", "options.train.learning_rate=0.05",
            "--set", "sweep.options.arm=[{study: depth, model: {name: plain, cifar: {depth: 8}}}, {study: data-scale, model: {name: resnet, cifar: {depth: 8}}, train_images: 64}]");
        Assert.True(again.Code == 0, $"exit {again.Code}: {again.Error}\n{again.Out}");
        var compare = Cli("compare", second, first);
        var notes = compare.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(2, notes.Count(l => l.Contains("differs in:")));
        var differing = notes.Where(l => l.StartsWith("  options.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["  options.train.learning_rate: 0.05 -> 0.1", "  options.train.learning_rate: 0.05 -> 0.1"], differing);
        Assert.Equal(4, notes.Count(l => l.Contains("only in the candidate")));
    }

    [Fact]
    public void An_unknown_model_name_in_a_sweep_is_refused_before_any_run_with_a_did_you_mean()
    {
        var (code, output, error) = Cli("run", Config, "--profile", "smoke", "--results", results.FullName,
            "--set", "sweep.options.arm=[{study: depth, model: {name: resnte, cifar: {depth: 8}}}]");
        Assert.Equal(2, code);
        Assert.Contains("'options.arm.model.name' names no model: 'resnte' (did you mean 'resnet'?)", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(Path.Combine(results.FullName, "architectures")), output);
    }

    [Fact]
    public void Quick_profile_sweeps_four_depths_of_plain_and_residual_nets_and_three_training_set_sizes()
    {
        var resolver = new ConfigResolver(ExperimentRegistry.CreateDefault());
        var quick = resolver.Resolve(Config, "quick");
        Assert.Equal(11, quick.Count);
        Assert.All(quick, r => Assert.Equal(1, new SweepSettings().ThreadsPerRun(r)));
        var arms = quick.Select(r => Assert.IsType<ArchitecturesOptions>(r.Options).Arm).ToList();
        var depthArms = arms.Where(a => a.Study == ArchitectureStudy.Depth).ToList();
        Assert.Equal(new HashSet<string> { "plain-8", "plain-14", "plain-20", "plain-32", "ResNet-8", "ResNet-14", "ResNet-20", "ResNet-32" },
            depthArms.Select(a => ModelRegistry.Default.Label(a.Model)).ToHashSet());
        Assert.Equal(8, depthArms.Count);
        Assert.Equal([1000, 2000, 4000], arms.Where(a => a.Study == ArchitectureStudy.DataScale).Select(a => a.TrainImages!.Value).Order().ToList());
        var options = Assert.IsType<ArchitecturesOptions>(quick[0].Options);
        Assert.Equal((OptimizerKind.Sgd, 0.1, 0.9, 0.0001, 128),
            (options.Train.Optimizer, options.Train.LearningRate, options.Train.Momentum, options.Train.WeightDecay, options.Train.BatchSize));
        var full = resolver.Resolve(Config, "full");
        Assert.Equal(3 * 17, full.Count);
        Assert.Contains(full, r => ((ArchitecturesOptions)r.Options).Arm.TrainImages == 60000);
    }

    [Fact]
    public void A_data_scale_run_needs_its_training_set_size_and_a_depth_run_takes_none()
    {
        var problems = new ArchitectureArm { Study = ArchitectureStudy.DataScale }.Problems().ToList();
        Assert.Equal("TrainImages", Assert.Single(problems).Key);
        problems = new ArchitectureArm { Study = ArchitectureStudy.Depth, TrainImages = 1000 }.Problems().ToList();
        Assert.Equal("TrainImages", Assert.Single(problems).Key);
    }
}
