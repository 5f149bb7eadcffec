using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

public sealed class ComparerTests : IDisposable
{
    private readonly FakeResults baseline = new();
    private readonly FakeResults candidate = new();

    public void Dispose()
    {
        baseline.Dispose();
        candidate.Dispose();
    }

    private static readonly (string, string)[] Width8 = [("options.labels", "true"), ("options.width", "8")];

    /// <summary>One run per side with the same config; run ids differ as they would across code versions.</summary>
    private void OnePair(double baseAccuracy, double candAccuracy, string tolerances = "", double baseLoss = 0.5, double candLoss = 0.5)
    {
        baseline.AddRun("toy", "base01", "ok", Width8, [("test_accuracy", baseAccuracy), ("train_loss", baseLoss)],
            configYaml: FakeResults.Config("toy", Width8, tolerances: tolerances));
        candidate.AddRun("toy", "cand01", "ok", Width8, [("test_accuracy", candAccuracy), ("train_loss", candLoss)],
            configYaml: FakeResults.Config("toy", Width8, tolerances: tolerances));
    }

    private int Compare(CompareOptions? options, out string output)
    {
        var writer = new StringWriter();
        int code = Comparer.Compare(baseline.Root, candidate.Root, options, writer);
        output = writer.ToString();
        return code;
    }

    [Fact]
    public void Within_the_configs_absolute_tolerance_exits_0()
    {
        OnePair(0.9, 0.905, "  test_accuracy: {abs: 0.01}\n");
        Assert.Equal(0, Compare(null, out var output));
        Assert.Contains("abs 0.01", output);
        var row = Comparer.Run(baseline.Root, candidate.Root).Metrics.Single(m => m.Metric == "test_accuracy");
        Assert.Equal(0.005, row.Delta!.Value, 12);
        Assert.Equal("options.labels=true, options.width=8", row.Run);
    }

    [Fact]
    public void Past_the_absolute_tolerance_exits_1_in_either_direction()
    {
        OnePair(0.9, 0.88, "  test_accuracy: {abs: 0.01}\n");
        Assert.Equal(1, Compare(null, out var output));
        Assert.Contains("PAST", output);
        Assert.Equal(1, Comparer.Run(baseline.Root, candidate.Root, new CompareOptions { Metrics = { } }).ExitCode);
    }

    [Fact]
    public void Relative_tolerance_scales_with_the_baseline()
    {
        // rel 0.1 of a baseline loss of 0.5 allows 0.05.
        OnePair(0.9, 0.9, "  train_loss: {rel: 0.1}\n", baseLoss: 0.5, candLoss: 0.54);
        Assert.Equal(0, Compare(null, out _));
        Assert.True(Comparer.IsWithin(0.5, 0.45, new ToleranceSpec(null, 0.1)));
        Assert.False(Comparer.IsWithin(0.5, 0.56, new ToleranceSpec(null, 0.1)));
        Assert.False(Comparer.IsWithin(0.5, 0.44, new ToleranceSpec(null, 0.1)));
        // abs and rel together add up: 0.01 + 0.1 * 0.5 = 0.06
        Assert.True(Comparer.IsWithin(0.5, 0.559, new ToleranceSpec(0.01, 0.1)));
    }

    [Fact]
    public void Relative_tolerance_past_exits_1()
    {
        OnePair(0.9, 0.9, "  train_loss: {rel: 0.1}\n", baseLoss: 0.5, candLoss: 0.56);
        Assert.Equal(1, Compare(null, out _));
    }

    [Fact]
    public void Flags_override_the_config_both_ways()
    {
        OnePair(0.9, 0.905, "  test_accuracy: {abs: 0.001}\n");
        Assert.Equal(1, Compare(null, out _));
        var loose = new CompareOptions();
        loose.Metrics["test_accuracy"] = new ToleranceSpec(0.01, null);
        Assert.Equal(0, Compare(loose, out _));
        var tight = new CompareOptions();
        tight.Metrics["test_accuracy"] = new ToleranceSpec(0.0001, null);
        Assert.Equal(1, Comparer.Run(baseline.Root, candidate.Root, tight).ExitCode);
    }

    [Fact]
    public void Metrics_without_a_tolerance_get_the_default_of_abs_1e6_plus_rel_1e6()
    {
        // A loss that moves by 1.5e-7 between thread counts passes; 1e-5 does not (allowed: 1e-6 + 1e-6 * 0.5).
        OnePair(0.9, 0.9, baseLoss: 0.5, candLoss: 0.50000015);
        Assert.Equal(0, Compare(null, out var output));
        Assert.Contains("abs 1E-06 + rel 1E-06", output);
        OnePair(0.9, 0.9, baseLoss: 0.5, candLoss: 0.50001);
        Assert.Equal(1, Compare(null, out output));
        Assert.Contains("PAST toy [options.labels=true, options.width=8] train_loss: baseline 0.5, candidate 0.50001, delta", output);
        Assert.Equal(0, Comparer.Run(baseline.Root, candidate.Root, new CompareOptions { Default = new ToleranceSpec(1e-3, null) }).ExitCode);
    }

    [Fact]
    public void Counts_must_match_exactly_where_the_default_would_let_them_move()
    {
        // rel 1e-6 of two million steps would allow 2; a count is whole on both sides and gets no room.
        baseline.AddRun("toy", "b1", "ok", Width8, [("steps", 2_000_000)], configYaml: FakeResults.Config("toy", Width8));
        candidate.AddRun("toy", "c1", "ok", Width8, [("steps", 2_000_001)], configYaml: FakeResults.Config("toy", Width8));
        var row = Assert.Single(Comparer.Run(baseline.Root, candidate.Root).Metrics);
        Assert.Equal((Comparer.Past, "exact"), (row.Status, Comparer.Describe(row.Tolerance)));
        var loose = new CompareOptions();
        loose.Metrics["steps"] = new ToleranceSpec(null, 1e-6);
        Assert.Equal(0, Comparer.Run(baseline.Root, candidate.Root, loose).ExitCode);
    }

    [Theory]
    [InlineData("train_seconds", true)]
    [InlineData("test_seconds_per_image", true)]
    [InlineData("test_cpu_seconds_per_image", true)]
    [InlineData("train_proposal_seconds", true)]
    [InlineData("steps_per_second", true)]
    [InlineData("ms_per_step", true)]
    [InlineData("test_accuracy", false)]
    [InlineData("test_proposals_per_image", false)]
    [InlineData("epochs_to_fit", false)]
    [InlineData("secondary_accuracy", false)]
    public void Timings_are_named_by_a_word_of_time(string metric, bool timing) => Assert.Equal(timing, Timings.IsTiming(metric));

    [Fact]
    public void Timings_are_reported_not_judged_unless_a_tolerance_names_them()
    {
        (string, double)[] Measured(double seconds) => [("test_accuracy", 0.9), ("train_seconds", seconds), ("test_seconds_per_image", seconds / 100)];
        baseline.AddRun("toy", "b1", "ok", Width8, Measured(10), configYaml: FakeResults.Config("toy", Width8));
        candidate.AddRun("toy", "c1", "ok", Width8, Measured(100), configYaml: FakeResults.Config("toy", Width8));
        Assert.Equal(0, Compare(null, out var output));
        var report = Comparer.Run(baseline.Root, candidate.Root);
        Assert.Equal([("test_seconds_per_image", Comparer.Reported), ("train_seconds", Comparer.Reported)],
            report.Metrics.Where(m => !m.Judged).Select(m => (m.Metric, m.Status)).Order());
        Assert.Contains("1 metric within tolerance, 2 timings reported (not judged)", output);
        Assert.Contains("not judged (timing)", output);

        var flagged = new CompareOptions();
        flagged.Metrics["train_seconds"] = new ToleranceSpec(null, 0.5);
        Assert.Equal(1, Comparer.Run(baseline.Root, candidate.Root, flagged).ExitCode);
    }

    [Fact]
    public void A_timing_with_a_tolerance_in_the_config_is_judged()
    {
        baseline.AddRun("toy", "b1", "ok", Width8, [("train_seconds", 10)],
            configYaml: FakeResults.Config("toy", Width8, tolerances: "  train_seconds: {rel: 0.5}\n"));
        candidate.AddRun("toy", "c1", "ok", Width8, [("train_seconds", 16)], configYaml: FakeResults.Config("toy", Width8));
        Assert.Equal(1, Compare(null, out var output));
        Assert.Contains("PAST toy [options.labels=true, options.width=8] train_seconds: baseline 10, candidate 16, delta 6, tolerance rel 0.5", output);
    }

    [Fact]
    public void Only_the_chosen_experiments_are_compared()
    {
        OnePair(0.9, 0.9);
        baseline.AddRun("other_experiment", "b2", "ok", [], [("test_accuracy", 0.1)]);
        candidate.AddRun("third", "c3", "ok", [], [("test_accuracy", 0.1)]);
        Assert.Equal(1, Comparer.Run(baseline.Root, candidate.Root).ExitCode);
        var report = Comparer.Run(baseline.Root, candidate.Root, new CompareOptions { Experiments = new HashSet<string> { "toy" } });
        Assert.Equal(0, report.ExitCode);
        Assert.All(report.Metrics, m => Assert.Equal("toy", m.Experiment));
        Assert.Empty(report.CandidateOnlyRuns);
    }

    [Fact]
    public void A_baseline_run_missing_in_the_candidate_exits_1()
    {
        OnePair(0.9, 0.9);
        (string, string)[] other = [("options.labels", "random"), ("options.width", "8")];
        baseline.AddRun("toy", "base02", "ok", other, [("test_accuracy", 0.1)], configYaml: FakeResults.Config("toy", other));
        baseline.AddRun("other_experiment", "base03", "ok", [], [("test_accuracy", 0.1)]);
        var report = Comparer.Run(baseline.Root, candidate.Root);
        Assert.Equal(1, report.ExitCode);
        Assert.Equal(["base02", "base03"], report.MissingRuns.Select(p => p.BaselineRunId).Order());
    }

    [Fact]
    public void A_failed_candidate_run_is_a_regression()
    {
        baseline.AddRun("toy", "base01", "ok", Width8, [("test_accuracy", 0.9)], configYaml: FakeResults.Config("toy", Width8));
        candidate.AddRun("toy", "cand01", "failed", Width8, [], reason: "loss became NaN", configYaml: FakeResults.Config("toy", Width8));
        var report = Comparer.Run(baseline.Root, candidate.Root);
        Assert.Equal(1, report.ExitCode);
        Assert.Contains(report.Metrics, m => m.Metric == "test_accuracy" && m.Status == Comparer.MissingStatus);
    }

    [Fact]
    public void Runs_pair_by_config_not_by_order_or_run_id()
    {
        (string, string)[] random = [("options.labels", "random"), ("options.width", "8")];
        baseline.AddRun("toy", "b1", "ok", Width8, [("test_accuracy", 0.9)], configYaml: FakeResults.Config("toy", Width8));
        baseline.AddRun("toy", "b2", "ok", random, [("test_accuracy", 0.1)], configYaml: FakeResults.Config("toy", random));
        // Candidate folders sort the other way round; descriptions differ but do not change what was trained.
        candidate.AddRun("toy", "a1", "ok", random, [("test_accuracy", 0.1)], configYaml: FakeResults.Config("toy", random, description: "new text"));
        candidate.AddRun("toy", "a2", "ok", Width8, [("test_accuracy", 0.9)], configYaml: FakeResults.Config("toy", Width8));
        var report = Comparer.Run(baseline.Root, candidate.Root);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal([("b1", "a2"), ("b2", "a1")], report.Pairings.Select(p => (p.BaselineRunId, p.CandidateRunId!)));
        Assert.All(report.Pairings, p => Assert.Empty(p.Differences));
    }

    [Fact]
    public void Nearest_config_pairing_lists_only_the_parameters_that_differ()
    {
        (string, string)[] b = [("options.labels", "true"), ("options.width", "8"), ("options.lr", "0.1")];
        (string, string)[] c = [("options.labels", "true"), ("options.width", "8"), ("options.lr", "0.2")];
        baseline.AddRun("toy", "b1", "ok", b, [("test_accuracy", 0.9)], configYaml: FakeResults.Config("toy", b, seed: 1));
        candidate.AddRun("toy", "c1", "ok", c, [("test_accuracy", 0.9)], configYaml: FakeResults.Config("toy", c, seed: 1, description: "other"));
        Assert.Equal(0, Compare(null, out var output));
        var pairing = Assert.Single(Comparer.Run(baseline.Root, candidate.Root).Pairings);
        Assert.Equal([("options.lr", "0.1", "0.2")], pairing.Differences.Select(d => (d.Key, d.Baseline!, d.Candidate!)));
        Assert.Contains("options.lr: 0.1 -> 0.2", output);
        Assert.DoesNotContain("options.width:", output);
        Assert.DoesNotContain("description", output);
    }

    [Fact]
    public void Only_the_latest_sweep_in_runs_csv_is_compared()
    {
        OnePair(0.9, 0.9);
        baseline.AddRun("toy", "stale", "ok", [("options.labels", "shuffled")], [("test_accuracy", 0.3)]);
        baseline.WriteRunsCsv("toy", "base01");
        Assert.Equal(0, Comparer.Run(baseline.Root, candidate.Root).ExitCode);
    }

    [Fact]
    public void An_empty_baseline_is_bad_input()
    {
        Assert.Throws<ReproInputException>(() => Comparer.Run(baseline.Root, candidate.Root));
        Assert.Throws<ReproInputException>(() => Comparer.Run(Path.Combine(baseline.Root, "nope"), candidate.Root));
    }
}
