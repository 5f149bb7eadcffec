using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

/// <summary><c>repro compare</c> on real smoke runs of configs/baseline.yaml.</summary>
[Collection(SmokeRunsCollection.Name)]
public sealed class CompareTests(SmokeRuns smoke)
{
    private static (int Code, string Out, string Error) Repro(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static RunRecord Run(string results)
    {
        string folder = SmokeRuns.RunFolder(results);
        return RunRecord.Load(folder, Path.GetFileName(folder));
    }

    [Fact]
    public void A_smoke_run_compared_with_itself_and_with_a_second_run_of_the_same_config_exits_0()
    {
        var (first, second) = (Run(smoke.First), Run(smoke.Second));
        Assert.NotEqual(first.Metric("train_seconds"), second.Metric("train_seconds"));

        var itself = Repro("compare", smoke.First, smoke.First);
        Assert.Equal((0, ""), (itself.Code, itself.Error));

        var again = Repro("compare", smoke.First, smoke.Second);
        Assert.Equal((0, ""), (again.Code, again.Error));
        Assert.Matches(@"\| train_seconds +\|[^|]+\|[^|]+\|[^|]+\| not judged \(timing\) +\| reported", again.Out);
        Assert.Matches(@"\| test_loss +\|[^|]+\|[^|]+\|[^|]+\| abs 1E-06 \+ rel 1E-06 +\| ok", again.Out);
        int judged = first.MetricNames.Count - 1;
        Assert.EndsWith($"{judged} metrics within tolerance, 1 timing reported (not judged)\n", again.Out.Replace("\r\n", "\n"));
    }

    [Fact]
    public void A_metric_moved_past_its_tolerance_exits_1_naming_the_metric_both_values_and_the_tolerance()
    {
        string moved = smoke.Folder("moved");
        FakeResultsCopy(smoke.Second, moved);
        var run = Run(smoke.Second);
        double accuracy = run.Metric("test_accuracy")!.Value, loss = run.Metric("test_loss")!.Value;
        // test_accuracy has abs 0.01 in the config; test_loss gets the default, 1e-6 + 1e-6 * |loss|.
        EditSummary(SmokeRuns.RunFolder(moved), ("test_accuracy", accuracy + 0.02), ("test_loss", loss + 1e-4));

        var (code, output, error) = Repro("compare", smoke.First, moved);
        Assert.Equal((1, ""), (code, error));
        string label = $"PAST baseline [{run.RunId}]";
        Assert.Contains($"{label} test_accuracy: baseline {CellFormat.Number(accuracy)}, candidate {CellFormat.Number(accuracy + 0.02)}, " +
                        $"delta {CellFormat.Number(accuracy + 0.02 - accuracy)}, tolerance abs 0.01", output);
        Assert.Contains($"{label} test_loss: baseline {CellFormat.Number(loss)}, candidate {CellFormat.Number(loss + 1e-4)}, " +
                        $"delta {CellFormat.Number(loss + 1e-4 - loss)}, tolerance abs 1E-06 + rel 1E-06", output);
        Assert.Contains("2 of ", output);
        Assert.DoesNotContain("PAST baseline [" + run.RunId + "] train_seconds", output);
    }

    private static void FakeResultsCopy(string from, string to) => Reporting.FakeResults.CopyDirectory(from, to);

    /// <summary>Rewrites values of a run's summary.csv (one header line, one row, no quoted cells).</summary>
    private static void EditSummary(string runFolder, params (string Metric, double Value)[] values)
    {
        string path = ResultPaths.Summary(runFolder);
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        foreach (var (metric, value) in values)
            row[Array.IndexOf(header, metric)] = CellFormat.Number(value);
        File.WriteAllText(path, lines[0] + "\n" + string.Join(",", row) + "\n");
    }
}
