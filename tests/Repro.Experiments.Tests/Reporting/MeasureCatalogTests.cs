using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>Measures declared once per experiment: placeholders, claims refused at resolve time, declarations that hold.</summary>
public sealed class MeasureCatalogTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("bnb_n{n}_accuracy", "bnb_n7_accuracy", true)]
    [InlineData("bnb_n{n}_accuracy", "bnb_n12_accuracy", true)]
    [InlineData("bnb_n{n}_accuracy", "bnb_n_accuracy", false)]
    [InlineData("bnb_n{n}_accuracy", "bnb_nx_accuracy", false)]
    [InlineData("bnb_n{n}_accuracy", "bnb_n7_accuracy_mean", false)]
    [InlineData("error_change_{layers}", "error_change_3_4_6_7", true)]
    [InlineData("error_change_{layers}", "error_change_7", true)]
    [InlineData("error_change_{layers}", "error_change_3_", false)]
    [InlineData("ap11_{name}", "ap11_digit_0", true)]
    [InlineData("ap11_{name}", "ap11_Bag", false)]
    [InlineData("test.accuracy", "test_accuracy", false)]
    [InlineData("test.accuracy", "test.accuracy", true)]
    public void A_declared_name_matches_its_placeholders_and_nothing_else(string pattern, string measure, bool matches) =>
        Assert.Equal(matches, new MeasureCatalog([pattern]).Contains(measure));

    [Fact]
    public void An_unknown_placeholder_is_refused() =>
        Assert.Throws<ArgumentException>(() => new MeasureCatalog(["layer{k}_accuracy"]));

    [Fact]
    public void A_claim_on_a_measure_the_experiment_never_measures_is_refused_at_resolve_time_with_a_did_you_mean()
    {
        string file = folder.Write("x.yaml",
            "experiment: baseline\nclaims:\n  - name: accurate\n    metric: test_acuracy\n    compare: \">=\"\n    threshold: 0.9\n");
        var e = Assert.Throws<ReproInputException>(() => new ConfigResolver(ExperimentRegistry.CreateDefault()).Resolve(file));
        Assert.Equal([$"{file}:4: claims[0].metric 'test_acuracy' is not measured by experiment 'baseline' (did you mean 'test_accuracy'?)"], e.Problems);
    }

    [Fact]
    public void A_claim_on_a_declared_placeholder_name_resolves()
    {
        string file = folder.Write("x.yaml",
            "experiment: transfer\nclaims:\n  - name: deep\n    metric: bnb_n5_accuracy\n    compare: \">=\"\n    threshold: 0.5\n");
        Assert.NotEmpty(new ConfigResolver(ExperimentRegistry.CreateDefault()).Resolve(file));
    }

    [Fact]
    public void A_report_adding_an_undeclared_measure_is_a_programming_error()
    {
        var context = new ReportContext("toy", folder.Path, []) { DeclaredMeasures = new MeasureCatalog(["accuracy"]) };
        context.AddMeasure("accuracy", 0.5);
        var e = Assert.Throws<InvalidOperationException>(() => context.AddMeasure("acuracy", 0.5));
        Assert.Contains("'acuracy'", e.Message);
    }

    /// <summary>The committed results hold every summary metric and measure the shipped experiments produce at quick.</summary>
    [Fact]
    public void Every_summary_metric_and_measure_of_the_committed_results_is_declared_by_its_experiment()
    {
        string results = Path.Combine(RepositoryRoot.Find(), "results");
        var undeclared = new List<string>();
        int checkedNames = 0;
        foreach (var experiment in ExperimentRegistry.CreateDefault().All)
        {
            string dir = Path.Combine(results, experiment.Name);
            if (!Directory.Exists(dir)) continue;
            var declared = Assert.IsType<MeasureCatalog>(experiment.Measures);
            foreach (var summary in Directory.GetFiles(dir, ResultPaths.SummaryFileName, SearchOption.AllDirectories))
            {
                var run = RunRecord.Load(Path.GetDirectoryName(summary)!, Path.GetFileName(Path.GetDirectoryName(summary)!));
                foreach (var metric in run.MetricNames)
                {
                    checkedNames++;
                    if (!declared.Contains(metric)) undeclared.Add($"{experiment.Name}: {metric}");
                }
            }
            foreach (var measures in Directory.GetFiles(dir, ResultPaths.MeasuresFileName, SearchOption.AllDirectories))
                foreach (var name in File.ReadLines(measures).Skip(1).Select(l => l.Split(',')[0]))
                {
                    checkedNames++;
                    if (!declared.Contains(name)) undeclared.Add($"{experiment.Name}: {name}");
                }
        }
        Assert.True(checkedNames > 100, $"only {checkedNames} names found under {results}");
        Assert.True(undeclared.Count == 0, "undeclared: " + string.Join(", ", undeclared.Distinct()));
    }
}
