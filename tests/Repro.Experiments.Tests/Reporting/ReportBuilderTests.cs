using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>An experiment with nothing to train whose report adds one table, one figure and one measure.</summary>
internal sealed class ReportingToyExperiment : IExperiment
{
    public string Name => "toy";

    public string Description => "Toy runs for the report tests.";

    public Type OptionsType => typeof(object);

    public RunResult Run(object options, RunContext context) => throw new NotSupportedException("reports only");

    public void Report(ReportContext context)
    {
        var accuracy = new ResultTable("accuracy", "Test accuracy by labels",
            ResultColumn.Text("labels"), ResultColumn.Percent("test_accuracy", "test accuracy", decimals: 2), ResultColumn.Integer("runs"));
        foreach (var group in context.OkRuns.GroupBy(r => r.Parameters["options.labels"]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var values = group.Select(r => r.Summary["test_accuracy"]).ToList();
            double mean = values.Average();
            double std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
            accuracy.AddRow(group.Key, ResultCell.Of(mean, std), values.Count);
        }
        context.AddTable(accuracy);

        var loss = new ResultTable("loss_data", "Training loss",
            ResultColumn.Text("run_id"), ResultColumn.Text("labels"), ResultColumn.Integer("step"), ResultColumn.Number("loss"));
        foreach (var run in context.OkRuns)
            foreach (var row in run.ReadMetrics().Where(m => m is { Split: "train", Metric: "loss" }))
                loss.AddRow(run.RunId, run.Parameters["options.labels"], row.Step, row.Value);
        context.AddFigure(FigureSpec.Plot("loss", "Training loss", loss, new PlotPanel
        {
            XLabel = "step",
            YLabel = "loss",
            Series =
            {
                new FigureSeries("true labels", "step", "loss").Where("labels", "true"),
                new FigureSeries("random labels", "step", "loss").Where("labels", "random"),
            },
        }));

        context.AddMeasure("mean_test_accuracy", context.OkRuns.Average(r => r.Summary["test_accuracy"]));
    }
}

public sealed class ReportBuilderTests : IDisposable
{
    private readonly FakeResults results = new();
    private readonly List<string> extraDirectories = new();

    public void Dispose()
    {
        results.Dispose();
        foreach (var dir in extraDirectories)
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
    }

    private const string Claims = """
          - name: true labels reach 0.85
            metric: test_accuracy
            where: {options.labels: true}
            aggregate: min
            compare: ">="
            threshold: 0.85
            paper: "89.05%"
          - name: random labels stay near chance
            metric: test_accuracy
            where: {options.labels: random}
            compare: "<="
            threshold: 0.2
            paper: "10%"
          - name: mean accuracy above one half
            metric: mean_test_accuracy
            compare: ">="
            threshold: 0.5
          - name: depth five max above 0.8
            metric: test_accuracy
            where: {options.depth: 5}
            aggregate: max
            compare: ">"
            threshold: 0.8
          - name: top-5 accuracy
            metric: top5_accuracy
            compare: ">="
            threshold: 0.9

        """;

    private void Sweep()
    {
        void Add(string id, string status, string labels, string width, double? accuracy, double[] loss, string reason = "")
        {
            (string, string)[] parameters = [("options.labels", labels), ("options.width", width)];
            var metrics = string.Concat(loss.Select((l, i) => $"{i + 1},train,loss,{l.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n"));
            results.AddRun("toy", id, status, parameters, accuracy is { } a ? [("test_accuracy", a)] : [], reason,
                FakeResults.Config("toy", [.. parameters, ("options.depth", "5")], Claims),
                "step,split,metric,value\n" + metrics);
        }
        Add("aaa", "ok", "true", "8", 0.875, [2.0, 1.0]);
        Add("bbb", "ok", "true", "16", 0.75, [2.5, 1.5]);
        Add("ccc", "ok", "random", "8", 0.125, [2.3, 2.2]);
        Add("ddd", "failed", "random", "16", null, [2.3], "loss became NaN at step 3");
        results.WriteRunsCsv("toy", "aaa", "bbb", "ccc", "ddd", "eee");
    }

    private static Dictionary<string, byte[]> Snapshot(string reportDirectory) =>
        Directory.EnumerateFiles(reportDirectory).ToDictionary(Path.GetFileName, File.ReadAllBytes)!;

    [Fact]
    public void Writes_tables_figures_measures_claims_and_report()
    {
        Sweep();
        var outcome = ReportBuilder.Build(results.Root, "toy", new ReportingToyExperiment());
        string dir = Path.Combine(results.Root, "toy", "report");
        Assert.Equal(dir, outcome.ReportDirectory);

        string[] expected =
        [
            "accuracy.csv", "accuracy.md", "accuracy.tex", "all_runs.csv", "all_runs.md", "all_runs.tex",
            "claims.csv", "loss.data.csv", "loss.png", "loss.svg", "measures.csv", "report.md", "runs.csv",
        ];
        Assert.Equal(expected, Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        Assert.Equal("labels,test_accuracy,test_accuracy_std,runs\nrandom,0.1250,0.0000,1\ntrue,0.8125,0.0625,2\n",
            File.ReadAllText(Path.Combine(dir, "accuracy.csv")));
        Assert.Contains("| true   | 81.25% ± 6.25 |    2 |", File.ReadAllText(Path.Combine(dir, "accuracy.md")));
        Assert.Equal("name,value\nmean_test_accuracy,0.5833333333333334\n", File.ReadAllText(Path.Combine(dir, "measures.csv")));
        Assert.Equal(
            "run_id,status,reason,param.options.labels,param.options.width,test_accuracy\n" +
            "aaa,ok,,true,8,0.875\n" +
            "bbb,ok,,true,16,0.75\n" +
            "ccc,ok,,random,8,0.125\n" +
            "ddd,failed,loss became NaN at step 3,random,16,\n" +
            "eee,missing,no summary.csv,,,\n",
            File.ReadAllText(Path.Combine(dir, "all_runs.csv")));
        Assert.Equal(
            "claim,paper,measured,threshold,comparison,status\n" +
            "true labels reach 0.85,89.05%,0.75,0.85,>=,fail\n" +
            "random labels stay near chance,10%,0.125,0.2,<=,pass\n" +
            "mean accuracy above one half,,0.5833333333333334,0.5,>=,pass\n" +
            "depth five max above 0.8,,0.875,0.8,>,pass\n" +
            "top-5 accuracy,,,0.9,>=,missing\n",
            File.ReadAllText(Path.Combine(dir, "claims.csv")));
        Assert.False(outcome.ClaimsHold);

        string report = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.StartsWith("# toy\n\nToy runs for the report tests.\n\nRuns: 5 (3 ok, 1 failed, 1 missing).", report);
        Assert.Contains("## Claims", report);
        Assert.Contains("3 of 5 claims hold.", report);
        Assert.Contains("| FAIL    |", report);
        Assert.Contains("### Test accuracy by labels", report);
        Assert.Contains("![Training loss](loss.png)", report);
        Assert.Contains("Files: [loss.svg](loss.svg), [loss.data.csv](loss.data.csv)", report);
        Assert.Contains("| mean_test_accuracy | 0.583333 |", report);
        Assert.DoesNotContain(results.Root, report);

        Assert.Contains("true labels", File.ReadAllText(Path.Combine(dir, "loss.svg")));
        Assert.Equal(1, ClaimChecker.Verify(results.Root, new StringWriter()));
    }

    [Fact]
    public void Rebuilding_from_files_gives_the_same_bytes_here_and_in_a_copy()
    {
        Sweep();
        string dir = Path.Combine(results.Root, "toy", "report");
        ReportBuilder.Build(results.Root, "toy", new ReportingToyExperiment());
        var first = Snapshot(dir);

        ReportBuilder.Build(results.Root, "toy", new ReportingToyExperiment());
        AssertSameFiles(first, Snapshot(dir));

        string copy = Path.Combine(Path.GetTempPath(), $"repro-results-copy-{Guid.NewGuid():N}");
        extraDirectories.Add(copy);
        FakeResults.CopyDirectory(results.Root, copy);
        // Only the inputs travel: the copy's report is rebuilt from the run folders and runs.csv alone.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(copy, "toy", "report")))
            if (Path.GetFileName(file) != "runs.csv")
                File.Delete(file);
        var outcomes = ReportBuilder.BuildAll(copy, name => name == "toy" ? new ReportingToyExperiment() : null);
        Assert.Single(outcomes);
        AssertSameFiles(first, Snapshot(Path.Combine(copy, "toy", "report")));
    }

    private static void AssertSameFiles(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        // Every file, figures included: the same CSV draws the same PNG and SVG bytes.
        foreach (var (name, bytes) in expected)
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs after a rebuild");
    }

    [Fact]
    public void Build_all_finds_experiments_by_folder_and_rejects_unknown_ones()
    {
        Sweep();
        var e = Assert.Throws<ReproInputException>(() => ReportBuilder.BuildAll(results.Root, _ => null, renderFigures: false));
        Assert.Contains("'toy'", e.Message);
        var outcome = Assert.Single(ReportBuilder.BuildAll(Path.Combine(results.Root, "toy"), _ => new ReportingToyExperiment(), renderFigures: false));
        Assert.Equal("toy", outcome.Experiment);
        Assert.True(File.Exists(Path.Combine(results.Root, "toy", "report", "loss.data.csv")));
        Assert.False(File.Exists(Path.Combine(results.Root, "toy", "report", "loss.png")));
        Assert.Throws<ReproInputException>(() => ReportBuilder.BuildAll(Path.Combine(results.Root, "nope"), _ => null));
    }

    [Fact]
    public void Claims_given_by_the_caller_replace_those_in_the_run_configs()
    {
        Sweep();
        var claim = new Repro.Experiments.Config.ClaimSpec("any run above 0.1", "test_accuracy",
            new Dictionary<string, string>(), "max", ">", 0.1, "yes");
        var outcome = ReportBuilder.Build(results.Root, "toy", new ReportingToyExperiment(), [claim], renderFigures: false);
        var result = Assert.Single(outcome.Claims);
        Assert.Equal(0.875, result.Measured);
        Assert.True(outcome.ClaimsHold);
    }
}
