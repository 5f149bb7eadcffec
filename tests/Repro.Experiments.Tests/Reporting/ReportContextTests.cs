using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

public sealed class ReportContextTests : IDisposable
{
    private readonly FakeResults results = new();

    public void Dispose() => results.Dispose();

    [Fact]
    public void Runs_come_from_runs_csv_and_each_summary()
    {
        results.AddRun("toy", "aaa", "ok", [("options.labels", "true"), ("options.width", "8")],
            [("test_accuracy", 0.9), ("train_loss", 0.125)],
            metricsCsv: "step,split,metric,value\n1,train,loss,2.5\n2,train,loss,1.25\n2,test,accuracy,0.9\n");
        results.AddRun("toy", "bbb", "failed", [("options.labels", "random"), ("options.width", "8")], [],
            reason: "loss became NaN at step 3");
        results.AddRun("toy", "old", "ok", [("options.labels", "true"), ("options.width", "4")], [("test_accuracy", 0.5)]);
        results.WriteRunsCsv("toy", "aaa", "bbb", "ccc");

        var context = ReportContext.Load(results.Root, "toy");

        Assert.Equal(["aaa", "bbb", "ccc"], context.Runs.Select(r => r.RunId));
        var a = context.Runs[0];
        Assert.Equal("ok", a.Status);
        Assert.Equal("true", a.Parameters["options.labels"]);
        Assert.Equal(["options.labels", "options.width"], a.ParameterNames);
        Assert.Equal(0.125, a.Summary["train_loss"]);
        Assert.False(a.Summary.ContainsKey("reason"));
        Assert.Equal(3, a.ReadMetrics().Count);
        Assert.Equal(new Repro.Experiments.Running.MetricRow(2, "train", "loss", 1.25), a.ReadMetrics()[1]);

        Assert.Equal("failed", context.Runs[1].Status);
        Assert.Equal("loss became NaN at step 3", context.Runs[1].Reason);
        Assert.Empty(context.Runs[1].ReadMetrics());
        Assert.Equal(RunRecord.Missing, context.Runs[2].Status);
        Assert.Equal(["aaa"], context.OkRuns.Select(r => r.RunId));
        Assert.Equal(Path.Combine(results.Root, "toy", "report"), context.ReportDirectory);
    }

    [Fact]
    public void A_missing_runs_csv_is_bad_input_naming_the_file()
    {
        Directory.CreateDirectory(Path.Combine(results.Root, "toy"));
        var e = Assert.Throws<ReproInputException>(() => ReportContext.Load(results.Root, "toy"));
        Assert.Contains(Path.Combine("toy", "report", "runs.csv"), e.Message);
    }

    [Fact]
    public void A_malformed_metrics_value_names_file_and_line()
    {
        results.AddRun("toy", "aaa", "ok", [], [("test_accuracy", 0.9)],
            metricsCsv: "step,split,metric,value\n1,train,loss,2.5\n2,train,loss,abc\n");
        results.WriteRunsCsv("toy", "aaa");
        var run = ReportContext.Load(results.Root, "toy").Runs[0];
        var e = Assert.Throws<ReproInputException>(() => run.ReadMetrics());
        Assert.Contains("metrics.csv:3", e.Message);
        Assert.Contains("abc", e.Message);
    }

    [Fact]
    public void A_summary_of_another_run_is_rejected()
    {
        results.AddRun("toy", "aaa", "ok", [], [("test_accuracy", 0.9)]);
        File.Copy(Path.Combine(results.RunDirectory("toy", "aaa"), "summary.csv"), Path.Combine(results.Root, "x.csv"));
        Directory.CreateDirectory(results.RunDirectory("toy", "bbb"));
        File.Copy(Path.Combine(results.Root, "x.csv"), Path.Combine(results.RunDirectory("toy", "bbb"), "summary.csv"));
        results.WriteRunsCsv("toy", "bbb");
        var e = Assert.Throws<ReproInputException>(() => ReportContext.Load(results.Root, "toy"));
        Assert.Contains("'aaa'", e.Message);
    }

    [Fact]
    public void Reference_tables_are_read_from_the_repository()
    {
        var context = new ReportContext("toy", results.Root, []);
        var zhang = context.ReferenceTable("zhang2017_imagenet.csv");
        Assert.Equal("labels", zhang.Columns[0].Name);
        Assert.Equal("77.84", zhang.Text(0, "top1_test"));
        Assert.Equal(77.84, zhang.Number(0, "top1_test"));
        Assert.Equal(zhang.Rows.Count, context.ReferenceTable("zhang2017_imagenet").Rows.Count);
        Assert.Throws<ReproInputException>(() => context.ReferenceTable("no_such_table.csv"));
    }

    [Fact]
    public void Names_of_the_reports_own_files_cannot_be_taken()
    {
        var context = new ReportContext("toy", results.Root, []);
        Assert.Throws<InvalidOperationException>(() => context.AddTable(new ResultTable("claims", "c", ResultColumn.Text("a"))));
        context.AddTable(new ResultTable("accuracy", "a", ResultColumn.Text("a")));
        Assert.Throws<InvalidOperationException>(() => context.AddTable(new ResultTable("accuracy", "b", ResultColumn.Text("a"))));
        context.AddMeasure("m", 1);
        Assert.Throws<InvalidOperationException>(() => context.AddMeasure("m", 2));
    }
}
