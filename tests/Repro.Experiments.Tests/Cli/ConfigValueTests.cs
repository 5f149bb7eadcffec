using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Repro.Runner;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

/// <summary>
/// Bad option values are refused by <c>repro run</c> before any run starts (exit code 2, no results folder), each
/// with file, line and key, and all of them at once; the experiments are the real ones, whose options declare their
/// ranges and choices.
/// </summary>
public sealed class ConfigValueTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ToyExperiment toy = new();

    public void Dispose() => folder.Dispose();

    private string Results => folder.Combine("results");

    private (int Code, string Out, string[] Errors) Repro(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, new CliEnvironment
        {
            Out = output,
            Error = error,
            Registry = new ExperimentRegistry([.. ExperimentRegistry.CreateDefault().All, toy]),
            Engine = () => new FakeEngine(),
            ReportBuilder = (_, _, _, _, _) => { },
        });
        return (code, output.ToString(), error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A baseline config whose line 6 is <paramref name="line"/>, in section <paramref name="section"/> of its options.</summary>
    private string Baseline(string section, string line) => folder.Write("bad.yaml", $"""
        experiment: baseline
        description: one bad value
        options:
          dataset: {"{"}train_subset: 64, test_subset: 32{"}"}
          {section}:
            {line}
        """);

    private void AssertRefused(string[] expected, (int Code, string Out, string[] Errors) result)
    {
        Assert.Equal(2, result.Code);
        Assert.Equal(expected, result.Errors);
        Assert.False(Directory.Exists(Results), "nothing may run, so no results folder is made");
        Assert.Equal(0, toy.RunCount);
    }

    [Theory]
    [InlineData("train", "epochs: 0", "'options.train.epochs' must be at least 1, got 0")]
    [InlineData("train", "epochs: -3", "'options.train.epochs' must be at least 1, got -3")]
    [InlineData("train", "learning_rate: -1", "'options.train.learning_rate' must be positive, got -1")]
    [InlineData("train", "momentum: -5", "'options.train.momentum' must be in [0, 1), got -5")]
    [InlineData("train", "weight_decay: -1", "'options.train.weight_decay' must be at least 0, got -1")]
    [InlineData("train", "batch_size: 0", "'options.train.batch_size' must be at least 1, got 0")]
    [InlineData("train", "optimizer: adamw2", "'options.train.optimizer' expects one of sgd, adam, adamw, got 'adamw2' (did you mean 'adamw'?)")]
    [InlineData("train", "schedule: 7", "'options.train.schedule' expects one of constant, step, cosine, got '7'")]
    [InlineData("model", "dropout: 1.5", "'options.model.dropout' must be in [0, 1), got 1.5")]
    [InlineData("model", "conv_channels: [32, 64, -96, 96, 64]", "'options.model.conv_channels[2]' must be at least 1, got -96")]
    [InlineData("model", "init: Kaiming2", "'options.model.init' expects one of kaiming, pytorch, got 'Kaiming2' (did you mean 'kaiming'?)")]
    public void A_bad_value_is_refused_before_any_run_naming_file_line_and_key(string section, string line, string message)
    {
        string config = Baseline(section, line);
        AssertRefused([$"{config}:6: {message}"], Repro("run", config, "--results", Results));
    }

    [Fact]
    public void Enum_choices_bind_whatever_their_case()
    {
        string config = folder.Write("case.yaml", """
            experiment: detection
            options:
              method: Fast-RCNN
              dataset: {train_images: 0}
            """);
        // The method binds; the one problem left is the image count.
        AssertRefused([$"{config}:4: 'options.dataset.train_images' must be at least 1, got 0"], Repro("run", config, "--results", Results));
    }

    [Fact]
    public void Three_bad_values_are_reported_at_once_one_a_line()
    {
        string config = folder.Write("three.yaml", """
            experiment: baseline
            options:
              model: {conv_channels: [32, -64, 96, 96, 64], dropout: 1.5}
              train:
                epochs: 0
            """);
        AssertRefused(
            [
                $"{config}:3: 'options.model.conv_channels[1]' must be at least 1, got -64",
                $"{config}:3: 'options.model.dropout' must be in [0, 1), got 1.5",
                $"{config}:5: 'options.train.epochs' must be at least 1, got 0",
            ],
            Repro("run", config, "--results", Results));
    }

    [Fact]
    public void A_bad_main_section_value_that_the_profile_overrides_is_still_reported()
    {
        string config = folder.Write("hidden.yaml", """
            experiment: baseline
            options:
              train:
                epochs: -3
            profiles:
              smoke:
                options:
                  train: {epochs: 1}
            """);
        AssertRefused(
            [$"{config}:4: 'options.train.epochs' must be at least 1, got -3 (the main section's value: profile 'smoke' overrides it, other profiles get it)"],
            Repro("run", config, "--profile", "smoke", "--results", Results));
    }

    [Fact]
    public void A_bad_value_in_one_run_of_a_sweep_stops_the_sweep_before_its_first_run()
    {
        string config = folder.Write("sweep.yaml", """
            experiment: toy
            sweep:
              options.train.epochs: [1, 2]
            """);
        string baseline = folder.Write("baseline.yaml", """
            experiment: baseline
            sweep:
              options.train.batch_size: [64, 0]
            """);
        AssertRefused(
            [$"{baseline}:3: 'options.train.batch_size' must be at least 1, got 0"],
            Repro("run", config, baseline, "--results", Results));
    }

    [Fact]
    public void The_problems_of_every_config_on_the_command_line_are_reported_together()
    {
        string first = folder.Write("first.yaml", "experiment: baseline\noptions:\n  train: {epochs: 0}\n");
        string second = folder.Write("second.yaml", "experiment: random-labels\noptions:\n  setting: {model: cnn}\n");
        AssertRefused(
            [
                $"{first}:3: 'options.train.epochs' must be at least 1, got 0",
                $"{second}:3: 'options.setting.model' expects one of zf, mlp, got 'cnn'",
            ],
            Repro("run", first, second, "--results", Results));
    }

    [Fact]
    public void A_value_that_depends_on_another_names_its_own_line()
    {
        string config = folder.Write("depends.yaml", """
            experiment: transfer
            options:
              model:
                removed_layers: [6, 7]
              depths: [1, 5, 6]
            """);
        AssertRefused(
            [$"{config}:5: 'options.depths' copies depth 6, outside 1..5 (the network has 6 layers)"],
            Repro("run", config, "--results", Results));
    }

    [Fact]
    public void A_run_that_fails_at_run_time_is_recorded_as_failed_and_the_sweep_goes_on()
    {
        // A learning rate above 10 passes the checks and makes the toy experiment's loss non-finite mid-run.
        string config = folder.Write("nan.yaml", "experiment: toy\nsweep: {options.train.learning_rate: [0.01, 1000, 0.02]}\n");
        var (code, output, _) = Repro("run", config, "--results", Results);
        Assert.Equal(1, code);
        Assert.Equal(3, toy.RunCount);
        var statuses = Directory.GetDirectories(Path.Combine(Results, "toy")).Where(d => ResultPaths.IsRunId(Path.GetFileName(d)))
            .Select(d => RunSummary.TryRead(ResultPaths.Summary(d))!.Status).Order().ToList();
        Assert.Equal(["failed", "ok", "ok"], statuses);
        Assert.Contains("3 runs: 3 ran (1 failed)", output);
    }

    [Fact]
    public void A_tab_in_the_indentation_names_its_line()
    {
        string config = folder.Write("tab.yaml", "experiment: baseline\noptions:\n  train:\n\tepochs: 2\n");
        AssertRefused([$"{config}:4:1: malformed YAML: a tab in the indentation (YAML indents with spaces only)"], Repro("run", config, "--results", Results));
    }

    [Fact]
    public void An_empty_config_says_it_is_empty()
    {
        string config = folder.Write("empty.yaml", "# nothing yet\n");
        var result = Repro("run", config, "--profile", "smoke", "--results", Results);
        AssertRefused([$"{config}: the config is empty; it needs at least 'experiment:' (one of: {string.Join(", ", ExperimentRegistry.CreateDefault().All.Select(e => e.Name))}, toy)"], result);
    }

    [Fact]
    public void A_folder_given_as_a_config_says_it_is_a_folder()
    {
        string configs = folder.Combine("configs");
        Directory.CreateDirectory(configs);
        AssertRefused([$"{configs}: is a folder, not a config file (give its files: {Path.Combine(configs, "*.yaml")})"], Repro("run", configs, "--results", Results));
    }
}
