using Repro.Experiments.Running;
using Repro.Runner;
using Repro.Experiments.Tests.Cli;
using Xunit;

namespace Repro.Experiments.Tests.Running;

/// <summary><c>repro run</c>'s process options through the CLI in process: --jobs values, the core cap, a config named twice, a held folder.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ToyExperiment toy = new();

    public void Dispose() => folder.Dispose();

    private string Results => folder.Combine("results");

    private (int Code, string Out, string Error) Repro(params string[] args) =>
        CapturedCli.Invoke(args, (output, error) => new Runner.CliEnvironment
        {
            Out = output,
            Error = error,
            Registry = new ExperimentRegistry([toy]),
            Engine = () => new FakeEngine(),
            ReportBuilder = new RecordedReport().Build,
        });

    private string TwoSeeds => folder.Write("toy.yaml", "experiment: toy\nsweep: {seed: [1, 2]}\n");

    [Theory]
    [InlineData("many", "--jobs many: expects a whole number of runs at once (1 or more)")]
    [InlineData("1.5", "--jobs 1.5: expects a whole number of runs at once (1 or more)")]
    [InlineData("99999999999", "--jobs 99999999999: too many runs at once")]
    [InlineData("0", "--jobs 0: must be at least 1")]
    [InlineData("-1", "--jobs -1: must be at least 1")]
    public void Bad_jobs_exit_2_with_one_line_naming_the_value(string value, string message)
    {
        var (code, output, error) = Repro("run", TwoSeeds, "--results", Results, "--jobs", value);
        Assert.Equal(2, code);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("repro run: " + message, line);
        Assert.Equal("", output);
        Assert.Equal(0, toy.RunCount);
    }

    [Fact]
    public void Jobs_above_the_core_count_are_capped_with_one_line()
    {
        Assert.Equal(0, Repro("run", TwoSeeds, "--results", Results).Code);
        int asked = Environment.ProcessorCount * 100;
        var (code, output, _) = Repro("run", TwoSeeds, "--results", Results, "--jobs", asked.ToString());
        Assert.Equal(0, code);
        var warnings = output.Split('\n').Where(l => l.Contains("[WRN]")).ToList();
        Assert.Equal($"--jobs {asked} is more than this machine's {Environment.ProcessorCount} cores: running {Environment.ProcessorCount} runs at a time",
            Assert.Single(warnings)[(warnings[0].IndexOf("] ", StringComparison.Ordinal) + 2)..].TrimEnd());
    }

    [Fact]
    public void A_config_given_twice_counts_its_runs_once()
    {
        string config = TwoSeeds;
        string spelledOtherwise = Path.Combine(Path.GetDirectoryName(config)!, ".", Path.GetFileName(config));
        var (code, output, _) = Repro("run", config, config, spelledOtherwise, "--results", Results);
        Assert.Equal(0, code);
        Assert.Equal(2, toy.RunCount);
        Assert.Contains("2 runs: 2 ran (0 failed), 0 already done", output);
        Assert.Contains("run 2/2 ", output);
    }

    [Fact]
    public void A_held_results_folder_stops_the_sweep_before_any_run_with_the_holders_details()
    {
        var holder = LockHolder.OfThisProcess() with { Command = "repro run other.yaml" };
        var attempt = FolderLock.TryAcquire(ResultPaths.ResultsLock(Results), holder);
        using (Assert.IsType<FolderLock>(attempt.Lock))
        {
            var (code, _, error) = Repro("run", TwoSeeds, "--results", Results);
            Assert.Equal(2, code);
            Assert.Equal($"{Results}: in use by {holder.Describe()}; wait for it with --wait-lock, or use another --results folder",
                error.TrimEnd('\n', '\r'));
            Assert.Equal(0, toy.RunCount);
        }
        Assert.Equal(0, Repro("run", TwoSeeds, "--results", Results).Code);
        Assert.Equal(2, toy.RunCount);
    }
}
