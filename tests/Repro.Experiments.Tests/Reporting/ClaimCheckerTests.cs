using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

public sealed class ClaimCheckerTests : IDisposable
{
    private readonly FakeResults results = new();

    public void Dispose() => results.Dispose();

    private static RunRecord Run(string id, string status, string labels, double accuracy) =>
        new(id, status, "", [new("options.labels", labels)], [new("test_accuracy", accuracy)], "/nonexistent/" + id);

    private static readonly RunRecord[] Runs =
    [
        Run("a", "ok", "true", 0.92),
        Run("b", "ok", "true", 0.86),
        Run("c", "ok", "random", 0.11),
        Run("d", "failed", "true", 0.10),
    ];

    private static ClaimSpec Claim(string metric, string compare, double threshold, string aggregate = "mean", params (string, string)[] where) =>
        new("claim", metric, where.ToDictionary(w => w.Item1, w => w.Item2), aggregate, compare, threshold, "paper says so");

    [Fact]
    public void Mean_min_and_max_over_the_ok_runs_that_match_where()
    {
        // true labels, ok runs only: 0.92 and 0.86 (the failed run's 0.10 must not count).
        Assert.Equal(0.89, ClaimChecker.Measure(Claim("test_accuracy", ">=", 0, "mean", ("options.labels", "true")), [], Runs)!.Value, 12);
        Assert.Equal(0.86, ClaimChecker.Measure(Claim("test_accuracy", ">=", 0, "min", ("options.labels", "true")), [], Runs));
        Assert.Equal(0.92, ClaimChecker.Measure(Claim("test_accuracy", ">=", 0, "max"), [], Runs));
        // No where: every ok run. (0.92 + 0.86 + 0.11) / 3 = 0.63
        Assert.Equal(0.63, ClaimChecker.Measure(Claim("test_accuracy", ">=", 0), [], Runs)!.Value, 12);
    }

    [Theory]
    [InlineData(">=", 0.86, "pass")]
    [InlineData(">=", 0.87, "fail")]
    [InlineData(">", 0.86, "fail")]
    [InlineData("<=", 0.86, "pass")]
    [InlineData("<", 0.86, "fail")]
    [InlineData("<", 0.861, "pass")]
    public void Comparison_against_the_threshold(string compare, double threshold, string status)
    {
        var result = ClaimChecker.Evaluate(Claim("test_accuracy", compare, threshold, "min", ("options.labels", "true")), [], Runs);
        Assert.Equal(status, result.Status);
        Assert.Equal(0.86, result.Measured);
        Assert.Equal("paper says so", result.Paper);
    }

    [Fact]
    public void A_measure_wins_over_run_metrics_when_there_is_no_where()
    {
        var measures = new List<KeyValuePair<string, double>> { new("test_accuracy", 0.5) };
        Assert.Equal(0.5, ClaimChecker.Measure(Claim("test_accuracy", ">=", 0), measures, Runs));
        Assert.Equal(0.11, ClaimChecker.Measure(Claim("test_accuracy", ">=", 0, "mean", ("options.labels", "random")), measures, Runs));
    }

    [Fact]
    public void Nothing_measured_is_missing_and_counts_as_failure()
    {
        var result = ClaimChecker.Evaluate(Claim("top5_accuracy", ">=", 0.5), [], Runs);
        Assert.Equal("missing", result.Status);
        Assert.Null(result.Measured);
        Assert.False(result.Passed);
        Assert.Equal("missing", ClaimChecker.Evaluate(Claim("test_accuracy", ">=", 0, "mean", ("options.labels", "shuffled")), [], Runs).Status);
    }

    [Fact]
    public void Where_values_compare_as_yaml_reads_them()
    {
        Assert.True(ClaimChecker.SameValue("0.5", "0.50"));
        Assert.True(ClaimChecker.SameValue("True", "true"));
        Assert.False(ClaimChecker.SameValue("0.5", "0.55"));
        Assert.False(ClaimChecker.SameValue("random", "Random"));
    }

    [Fact]
    public void Claims_csv_round_trips()
    {
        var claims = new[]
        {
            new ClaimResult("test accuracy >= 0.90, at the quick profile", "89.7% (\"Table 2\")", 0.9123, 0.9, ">=", "pass"),
            new ClaimResult("steps to fit", "", null, 1000, "<=", "missing"),
        };
        string csv = ClaimChecker.ToCsv(claims);
        Assert.Equal(
            "claim,paper,measured,threshold,comparison,status\n" +
            "\"test accuracy >= 0.90, at the quick profile\",\"89.7% (\"\"Table 2\"\")\",0.9123,0.9,>=,pass\n" +
            "steps to fit,,,1000,<=,missing\n", csv);
        string path = Path.Combine(results.Root, "claims.csv");
        File.WriteAllText(path, csv);
        Assert.Equal(claims, ClaimChecker.ReadCsv(path));
    }

    private void WriteClaims(string experiment, params ClaimResult[] claims)
    {
        string dir = Path.Combine(results.Root, experiment, "report");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "claims.csv"), ClaimChecker.ToCsv(claims));
    }

    [Fact]
    public void Verify_exits_0_when_every_claim_holds_and_1_when_one_fails_or_is_missing()
    {
        WriteClaims("baseline", new ClaimResult("test accuracy >= 0.90", "~0.90", 0.91, 0.9, ">=", "pass"));
        var output = new StringWriter();
        Assert.Equal(0, ClaimChecker.Verify(results.Root, output));
        Assert.Contains("test accuracy >= 0.90", output.ToString());
        Assert.Contains("1 of 1 claims hold", output.ToString());

        WriteClaims("random_labels", new ClaimResult("random labels fit", "100% train", null, 0.99, ">=", "missing"));
        output = new StringWriter();
        Assert.Equal(1, ClaimChecker.Verify(results.Root, output));
        Assert.Contains("MISSING", output.ToString());
        Assert.Contains("random_labels", output.ToString());

        // One experiment folder on its own.
        Assert.Equal(0, ClaimChecker.Verify(Path.Combine(results.Root, "baseline"), new StringWriter()));
    }

    [Fact]
    public void Verify_without_any_claims_file_is_bad_input()
    {
        Assert.Equal(2, ClaimChecker.Verify(results.Root, new StringWriter()));
        Assert.Equal(2, ClaimChecker.Verify(Path.Combine(results.Root, "nope"), new StringWriter()));
    }
}
