using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Repro.Runner;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ToyExperiment toy = new();
    private readonly RecordedReport report = new();

    public void Dispose() => folder.Dispose();

    private (int Code, string Out, string Error) Repro(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, new CliEnvironment
        {
            Out = output,
            Error = error,
            Registry = new ExperimentRegistry([toy, new OtherExperiment()]),
            Engine = () => new FakeEngine(),
            ReportBuilder = report.Build,
        });
        return (code, output.ToString(), error.ToString());
    }

    private string Results => folder.Combine("results");

    private static void AssertOneLine(string error, string expected)
    {
        Assert.Equal(expected + Environment.NewLine, error);
    }

    [Fact]
    public void Typo_in_a_key_exits_2_with_one_line_naming_file_line_and_key()
    {
        string config = folder.Write("typo.yaml", "experiment: toy\noptions:\n  train:\n    lerning_rate: 0.1\n");
        var (code, _, error) = Repro("run", config, "--results", Results);
        Assert.Equal(2, code);
        AssertOneLine(error, $"{config}:4: unknown key 'lerning_rate' in options.train (did you mean 'learning_rate'?)");
        Assert.False(Directory.Exists(Results));
    }

    [Fact]
    public void Wrong_type_exits_2()
    {
        string config = folder.Write("type.yaml", "experiment: toy\noptions:\n  augment: maybe\n");
        var (code, _, error) = Repro("run", config, "--results", Results);
        Assert.Equal(2, code);
        AssertOneLine(error, $"{config}:3: 'options.augment' expects true or false, got 'maybe'");
    }

    [Fact]
    public void Malformed_yaml_exits_2()
    {
        string config = folder.Write("bad.yaml", "experiment: toy\noptions: {train: [\n");
        var (code, _, error) = Repro("run", config, "--results", Results);
        Assert.Equal(2, code);
        Assert.StartsWith($"{config}:", error);
        Assert.Contains("malformed YAML", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_bad_config_anywhere_on_the_command_line_stops_before_any_run()
    {
        string good = folder.Write("good.yaml", "experiment: toy\n");
        string bad = folder.Write("bad.yaml", "experiment: toy\nsweep:\n  seed: [1, x]\n");
        var (code, _, error) = Repro("run", good, bad, "--results", Results);
        Assert.Equal(2, code);
        Assert.Equal(0, toy.RunCount);
        AssertOneLine(error, $"{bad}:3: 'seed' expects an integer, got 'x'");
    }

    [Fact]
    public void Missing_config_file_and_bad_arguments_exit_2()
    {
        Assert.Equal(2, Repro("run", folder.Combine("absent.yaml")).Code);
        Assert.Equal(2, Repro("run").Code);
        Assert.Equal(2, Repro("run", "x.yaml", "--jobs", "0").Code);
        Assert.Equal(2, Repro("run", "x.yaml", "--device", "tpu").Code);
        Assert.Equal(2, Repro("frobnicate").Code);
        Assert.Equal(2, Repro("report", folder.Combine("nothing-here")).Code);
        Assert.Equal(2, Repro("compare", folder.Path, folder.Path, "--abs", "accuracy").Code);
    }

    [Fact]
    public void Run_then_rerun_reports_already_done_and_exit_0()
    {
        string config = folder.Write("toy.yaml", "experiment: toy\nsweep: {seed: [1, 2]}\n");
        var first = Repro("run", config, "--results", Results, "--device", "cpu");
        Assert.Equal((0, ""), (first.Code, first.Error));
        Assert.Equal(2, toy.RunCount);

        var second = Repro("run", config, "--results", Results);
        Assert.Equal(0, second.Code);
        Assert.Equal(2, toy.RunCount);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(second.Out, "toy [0-9a-f]{12} already done").Count);
        Assert.Contains("2 runs: 0 ran (0 failed), 2 already done", second.Out);
        Assert.Equal(2, report.Calls.Count);

        var forced = Repro("run", config, "--results", Results, "--force");
        Assert.Equal(0, forced.Code);
        Assert.Equal(4, toy.RunCount);
    }

    [Fact]
    public void Failed_run_exits_1_after_the_rest_of_the_sweep()
    {
        string config = folder.Write("nan.yaml", "experiment: toy\nsweep: {options.train.learning_rate: [1000, 0.01]}\n");
        var (code, output, _) = Repro("run", config, "--results", Results, "--set", "options.train.epochs=1");
        Assert.Equal(1, code);
        Assert.Equal(2, toy.RunCount);
        Assert.Contains("failed: non-finite loss NaN at step 1", output);
    }

    [Fact]
    public void Set_with_an_unknown_path_exits_2()
    {
        string config = folder.Write("toy.yaml", "experiment: toy\n");
        var (code, _, error) = Repro("run", config, "--set", "options.train.epoch=3");
        Assert.Equal(2, code);
        AssertOneLine(error, "--set options.train.epoch=3: unknown key 'epoch' in options.train (did you mean 'epochs'?)");
    }

    [Fact]
    public void Report_rebuilds_each_experiment_folder_with_the_claims_of_its_config()
    {
        string config = folder.Write("toy.yaml",
            "experiment: toy\nclaims: [{name: works, metric: test_accuracy, compare: \">\", threshold: 0.5}]\n");
        Assert.Equal(0, Repro("run", config, "--results", Results).Code);
        report.Calls.Clear();

        var (code, output, _) = Repro("report", Results);
        Assert.Equal(0, code);
        var call = Assert.Single(report.Calls);
        Assert.Equal("toy", call.Experiment);
        Assert.Equal("works", Assert.Single(call.Claims).Name);
        Assert.Contains("toy: report written", output);

        report.Calls.Clear();
        Assert.Equal(0, Repro("report", Path.Combine(Results, "toy")).Code);
        Assert.Equal("toy", Assert.Single(report.Calls).Experiment);
    }

    [Fact]
    public void List_shows_experiments_and_configs()
    {
        folder.Write("configs/toy.yaml", "experiment: toy\ndescription: a toy sweep\n");
        var (code, output, _) = Repro("list", "--configs", folder.Combine("configs"));
        Assert.Equal(0, code);
        Assert.Contains("toy       test experiment with typed options", output);
        Assert.Contains("transfer  second test experiment", output);
        Assert.Contains("toy.yaml  toy: a toy sweep", output);
    }

    [Fact]
    public void Help_for_each_verb_exits_0_and_states_the_exit_codes()
    {
        var (code, output, _) = Repro("--help");
        Assert.Equal(0, code);
        Assert.Contains("2 bad input", output);
        foreach (var verb in new[] { "run", "list", "report", "verify", "compare" })
        {
            var help = Repro(verb, "--help");
            Assert.Equal(0, help.Code);
            Assert.Matches($@"Usage:\s+\S+ {verb}", help.Out);
        }
        Assert.Contains("--jobs", Repro("run", "--help").Out);
    }

    [Fact]
    public void Tolerance_flags_parse_metric_and_value()
    {
        Assert.Equal([("test_accuracy", 0.01), ("loss", 2.0)],
            CompareCommand.ParseTolerances(["test_accuracy=0.01", "loss=2"], "--abs"));
        var e = Assert.Throws<ReproInputException>(() => CompareCommand.ParseTolerances(["loss=-1"], "--rel").ToList());
        Assert.Equal("--rel loss=-1: expected metric=non-negative number", e.Message);
    }
}
