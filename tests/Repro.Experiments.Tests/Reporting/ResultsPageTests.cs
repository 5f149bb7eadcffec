using System.Globalization;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Cli;
using Repro.Experiments.Tests.Data;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>
/// The results page that <c>repro report DIR</c> writes, rebuilt from a copy of two experiments of the committed
/// results/ (baseline: one run, one figure; random labels: 72 runs, three figures, seven claims) and opened in
/// headless Chromium, so the page's own script sorts and filters the run table as it would in a browser.
/// </summary>
public sealed class ResultsPageTests(ReportedResults reported) : IClassFixture<ReportedResults>
{
    private static readonly string[] Experiments = ReportedResults.Experiments;
    private const string RunTable = "runs--random-labels--quick";

    private string Reported() => reported.Results;

    [Fact]
    public void Chromium_shows_every_experiment_claim_and_figure_and_the_pages_script_sorts_and_filters_the_run_table()
    {
        string results = Reported();
        string page = ResultPaths.ResultsPage(results);
        string source = File.ReadAllText(page);
        string dom = HeadlessChromium.DumpDom(
            HeadlessChromium.FileUrl(page, $"sort={RunTable}:test_accuracy:desc&filter={RunTable}:param.seed=1"), TimeSpan.FromSeconds(60));

        // Every experiment has its section and its line in the overview.
        foreach (var experiment in Experiments)
        {
            Assert.Contains($"id=\"experiment--{experiment}--quick\"", dom);
            Assert.Contains(HtmlDocument.Rows(dom, "experiments"), r => r.Cells[0].Text == experiment);
        }

        // Every claim of every claims.csv is a row of the overview's claims table, with its status.
        var claimRows = HtmlDocument.Rows(dom, "claims").Select(r => (r.Cells[0].Text, r.Cells[1].Text, r.Cells[5].Text)).ToList();
        var expected = Experiments.SelectMany(e => ClaimChecker.ReadCsv(Path.Combine(results, e, "report", ResultPaths.ClaimsFileName))
            .Select(c => ($"{e} (quick)", c.Claim, c.Status))).ToList();
        Assert.Equal(8, expected.Count);
        Assert.Equal(expected, claimRows);

        // Every figure the reports hold is on the page, and the browser loaded its SVG.
        var tags = HtmlDocument.Tags(dom);
        foreach (var experiment in Experiments)
        {
            foreach (var svg in Directory.GetFiles(Path.Combine(results, experiment, "report"), "*.svg"))
            {
                string name = Path.GetFileNameWithoutExtension(svg);
                int at = tags.ToList().FindIndex(t => t.Name == "figure" && t["data-figure"] == name
                    && tags.Last(s => s.Name == "section" && s.Position < t.Position)["data-experiment"] == experiment);
                Assert.True(at >= 0, $"figure {experiment}/{name} is not on the page");
                Assert.DoesNotContain("missing-image", tags[at]["class"] ?? "");
                var image = tags.Skip(at).First(t => t.Name == "img");
                Assert.Equal($"{experiment}/report/{name}.svg", image["src"]);
            }
        }

        // The fragment sorted the 72 runs by test accuracy, highest first, and kept only seed 1's.
        var columns = HtmlDocument.Columns(dom, RunTable);
        int accuracy = columns.ToList().IndexOf("test_accuracy"), seed = columns.ToList().IndexOf("param.seed");
        Assert.True(accuracy >= 0 && seed >= 0, string.Join(",", columns));
        var rows = HtmlDocument.Rows(dom, RunTable);
        Assert.Equal(72, rows.Count);
        var sorted = rows.Select(r => double.Parse(r.Cells[accuracy].Attributes["data-value"], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(sorted.OrderByDescending(v => v), sorted);
        var unsorted = HtmlDocument.Rows(source, RunTable).Select(r => double.Parse(r.Cells[accuracy].Attributes["data-value"], CultureInfo.InvariantCulture)).ToList();
        Assert.NotEqual(sorted, unsorted);
        Assert.Equal(unsorted.Order(), sorted.Order());
        Assert.Contains($"data-sorted=\"test_accuracy:desc\"", dom);
        Assert.Contains(tags, t => t.Name == "th" && t["data-column"] == "test_accuracy" && t["aria-sort"] == "descending");
        var shown = rows.Where(r => !r.Hidden).ToList();
        Assert.Equal(24, shown.Count);
        Assert.All(shown, r => Assert.Equal("1", r.Cells[seed].Text));
        Assert.All(rows.Where(r => r.Hidden), r => Assert.NotEqual("1", r.Cells[seed].Text));
    }

    [Fact]
    public void The_page_references_nothing_outside_its_folder_and_every_link_resolves()
    {
        string results = Reported();
        string page = ResultPaths.ResultsPage(results);
        string html = File.ReadAllText(page);
        Assert.Empty(HtmlDocument.ExternalReferences(html));
        var links = HtmlDocument.Tags(html).SelectMany(t => new[] { t["src"], t["href"] }).OfType<string>().Where(l => !l.StartsWith('#')).ToList();
        Assert.Contains("random-labels/report/fig1a.svg", links);
        foreach (var link in links)
            Assert.True(File.Exists(Path.Combine(results, Uri.UnescapeDataString(link))), $"{link} does not resolve");
        // Every section anchor the navigation names exists.
        foreach (var anchor in HtmlDocument.Tags(html).Select(t => t["href"]).OfType<string>().Where(l => l.StartsWith('#')))
            Assert.Contains($"id=\"{anchor[1..]}\"", html);
    }

    [Fact]
    public void The_reference_check_finds_what_would_reach_the_network()
    {
        Assert.Empty(HtmlDocument.ExternalReferences("<a href=\"#x\">x</a><img src=\"a%20b/c.svg\"><a href=\"report/r.md\">r</a>"));
        foreach (var external in new[]
                 {
                     "<img src=\"https://example.org/a.png\">", "<link rel=stylesheet href=\"//cdn.example.org/x.css\">",
                     "<script src=\"page.js\"></script>", "<style>@import \"x.css\";</style>", "<div style=\"background: url(x.png)\"></div>",
                     "<a href='file:///etc/passwd'>x</a>", "<img src=/abs.png>", "<a href=\"../elsewhere.html\">x</a>",
                     "<script>fetch(\"data.json\")</script>", "<form action=\"http://x\"></form>",
                 })
            Assert.NotEmpty(HtmlDocument.ExternalReferences("<p>" + external + "</p>"));
    }
}

/// <summary>Copies of the committed experiments in a results folder, with their reports rebuilt by <c>repro report</c>, once per test class.</summary>
public sealed class ReportedResults : IDisposable
{
    public static readonly string[] Experiments = ["baseline", "random-labels"];

    private readonly TempFolder folder = new();
    private readonly Lazy<string> results;

    public ReportedResults()
    {
        results = new Lazy<string>(() =>
        {
            string results = folder.File("results");
            foreach (var experiment in Experiments)
                Copy(Path.Combine(RepositoryRoot.Find(), "results", experiment), Path.Combine(results, experiment));
            var (code, output, error) = CapturedCli.Invoke(["report", results], (o, e) => new Runner.CliEnvironment { Out = o, Error = e });
            Assert.True(code == 0, $"repro report exited {code}: {error}");
            Assert.Contains($"results page written to {ResultPaths.ResultsPage(results)}", output);
            return results;
        });
    }

    public string Results => results.Value;

    public void Dispose() => folder.Dispose();

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
