using Repro.Experiments.Experiments;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>Reports read a run's options as the experiment's own type, re-bound from the run's config.yaml.</summary>
public sealed class RunRecordOptionsTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private RunRecord RunWithConfig(string yaml)
    {
        File.WriteAllText(Path.Combine(folder.Path, ResultPaths.ConfigFileName), yaml);
        return new RunRecord("0123456789ab", "ok", "", [], [], folder.Path);
    }

    [Fact]
    public void Options_come_back_typed_with_the_codes_defaults_for_what_the_file_leaves_out()
    {
        var run = RunWithConfig("experiment: layer-ablation\nseed: 3\noptions:\n  model:\n    removed_layers: [7, 6]\n  features:\n    per_class: 12\n");
        var options = run.Options<LayerAblationOptions>();
        Assert.Equal([7, 6], options.Model.RemovedLayers);
        Assert.Equal(12, options.Features.PerClass);
        Assert.Equal(new LayerAblationOptions().Features.Dataset.Name, options.Features.Dataset.Name);
        Assert.Equal(3, run.Seed);
        Assert.Same(options, run.Options<LayerAblationOptions>());
    }

    [Fact]
    public void A_seedless_config_has_seed_0_as_the_config_layer_reads_it() =>
        Assert.Equal(0, RunWithConfig("experiment: baseline\noptions: {}\n").Seed);

    [Fact]
    public void A_config_yaml_the_options_type_does_not_bind_names_its_file_line_and_key()
    {
        var run = RunWithConfig("experiment: baseline\noptions:\n  train:\n    epochs: ten\n");
        var e = Assert.Throws<ReproInputException>(() => run.Options<BaselineOptions>());
        Assert.Contains(ResultPaths.ConfigFileName + ":4", e.Message);
        Assert.Contains("options.train.epochs", e.Message);
    }

    [Fact]
    public void A_run_without_config_yaml_says_so()
    {
        var run = new RunRecord("0123456789ab", "ok", "", [], [], folder.Path);
        var e = Assert.Throws<ReproInputException>(() => run.Options<BaselineOptions>());
        Assert.Contains("config.yaml: missing", e.Message);
    }
}
