using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Repro.Experiments.Training;
using Xunit;

namespace Repro.Experiments.Tests.Config;

public sealed class OptionRulesTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> ShippedConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot.Find(), "configs"), "*.yaml").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public void Every_profile_of_every_shipped_config_passes_the_checks(string name)
    {
        string file = Path.Combine(RepositoryRoot.Find(), "configs", name);
        var resolver = new ConfigResolver(ExperimentRegistry.CreateDefault());
        var profiles = ((ConfigMap)YamlConfigReader.ReadFile(file).Get("profiles")!).Keys.ToList();
        Assert.Equal(["smoke", "quick", "full"], profiles);
        foreach (var profile in profiles)
            Assert.NotEmpty(resolver.Resolve(file, profile));
    }

    [Fact]
    public void The_default_options_of_every_experiment_keep_their_own_rules()
    {
        foreach (var experiment in ExperimentRegistry.CreateDefault().All)
            OptionChecks.ThrowIfInvalid(Activator.CreateInstance(experiment.OptionsType)!, "options");
    }

    [Fact]
    public void Options_built_in_code_are_refused_by_the_same_rules_with_every_problem()
    {
        var options = new TrainOptions { Epochs = 0, Momentum = 1, Nesterov = true, MaxSteps = 0 };
        var e = Assert.Throws<ReproInputException>(() => OptionChecks.ThrowIfInvalid(options, "train"));
        Assert.Equal(
            [
                "'train.epochs' must be at least 1, got 0",
                "'train.momentum' must be in [0, 1), got 1",
                "'train.max_steps' must be at least 1, got 0",
            ],
            e.Problems);
        options = new TrainOptions { Momentum = 0, Nesterov = true };
        Assert.Equal("'train.nesterov' needs a momentum above 0", Assert.Throws<ReproInputException>(() => OptionChecks.ThrowIfInvalid(options, "train")).Message);
    }

    [Fact]
    public void A_bad_value_outside_the_swept_keys_is_reported_once_not_once_per_run()
    {
        string file = folder.Write("x.yaml", "experiment: baseline\noptions:\n  train: {epochs: 0}\nsweep:\n  seed: [1, 2, 3]\n");
        var e = Assert.Throws<ReproInputException>(() => new ConfigResolver(ExperimentRegistry.CreateDefault()).Resolve(file));
        Assert.Equal([$"{file}:3: 'options.train.epochs' must be at least 1, got 0"], e.Problems);
    }

    [Fact]
    public void Enum_values_are_written_as_configs_spell_them()
    {
        string file = folder.Write("x.yaml", "experiment: detection\noptions:\n  method: FAST-RCNN\n  backbone: {channels: [8]}\n");
        var run = new ConfigResolver(ExperimentRegistry.CreateDefault()).Resolve(file).Single();
        Assert.Contains("\n  method: fast-rcnn\n", run.ConfigYaml);
    }
}
