using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Running;

/// <summary>A forced rerun in process: a failed one keeps the earlier result, a good one replaces it; a run another process holds is left alone.</summary>
public sealed class ForcedRerunTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly SecondRunFails experiment = new();
    private readonly StringWriter console = new();

    public void Dispose() => folder.Dispose();

    private string Results => folder.Combine("results");

    private SweepRunner Runner(bool force = false) =>
        new(new SweepSettings { ResultsDirectory = Results, Device = "cpu", Force = force },
            new CodeVersion("test-version", null, false), new FakeEngine(), ConsoleLog.Create(console, interactive: false))
        {
            ReportBuilder = new RecordedReport().Build,
        };

    private IReadOnlyList<ResolvedRun> Runs() =>
        new ConfigResolver(new ExperimentRegistry([experiment])).Resolve(folder.Write("flaky.yaml", "experiment: flaky\nseed: 3\n"));

    private string RunDirectory => Path.Combine(Results, "flaky", Runs()[0].RunId("test-version"));

    private string Weights => File.ReadAllText(Path.Combine(RunDirectory, SecondRunFails.WeightsFile));

    [Fact]
    public void A_failed_rerun_keeps_the_earlier_result_and_a_good_one_replaces_it()
    {
        Assert.Equal(new SweepOutcome(1, 0, 0, false), Runner().Run(Runs()));
        Assert.Equal("weights of attempt 1", Weights);

        Assert.Equal(new SweepOutcome(1, 0, 1, false), Runner(force: true).Run(Runs()));
        Assert.True(RunSummary.TryRead(ResultPaths.Summary(RunDirectory))!.IsOk);
        Assert.Equal("weights of attempt 1", Weights);
        Assert.Equal("failed", RunSummary.TryRead(ResultPaths.Summary(ResultPaths.Rerun(RunDirectory)))!.Status);
        Assert.Contains("the rerun failed, the earlier result is kept", console.ToString());

        Assert.Equal(new SweepOutcome(1, 0, 0, false), Runner(force: true).Run(Runs()));
        Assert.Equal("weights of attempt 3", Weights);
        Assert.False(RunReplacement.HasLeftovers(RunDirectory));
        Assert.Contains("the new result replaced the earlier one", console.ToString());
    }

    [Fact]
    public void A_run_whose_lock_another_process_holds_is_not_trained_nor_written()
    {
        var holder = LockHolder.OfThisProcess() with { Command = "repro run-one elsewhere" };
        using (FolderLock.TryAcquire(ResultPaths.RunLock(RunDirectory), holder).Lock)
        {
            var outcome = Runner().Run(Runs());
            Assert.Equal(new SweepOutcome(1, 0, 1, false), outcome);
        }
        Assert.Equal(0, experiment.Calls);
        Assert.False(Directory.Exists(RunDirectory));
        Assert.Contains($"is being trained by {holder.Describe()}; not training it twice", console.ToString());
    }

    /// <summary>Writes weights into its run folder each time and fails the second time it is asked.</summary>
    private sealed class SecondRunFails : Experiment<OtherOptions>
    {
        public const string WeightsFile = "model.safetensors";

        public int Calls;

        public override string Name => "flaky";

        public override string Description => "fails on its second run";

        public override RunResult Run(OtherOptions options, RunContext context)
        {
            Calls++;
            File.WriteAllText(Path.Combine(context.RunDirectory, WeightsFile), $"weights of attempt {Calls}");
            if (Calls == 2)
                throw new InvalidOperationException("diverged");
            return RunResult.Of(("accuracy", 0.5));
        }
    }
}
