using System.Globalization;
using Repro.Experiments.Reporting;
using Repro.Experiments.Tests.Cli;
using Repro.Experiments.Tests.Data;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary><c>repro compare A B --html PAGE</c>: the committed baseline run against a copy with two metrics moved.</summary>
public sealed class ComparePageTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void The_comparison_page_colours_each_delta_by_the_share_of_its_tolerance()
    {
        string baseline = folder.File("baseline");
        string candidate = folder.File("candidate");
        CopyTree(Path.Combine(RepositoryRoot.Find(), "results", "baseline"), Path.Combine(baseline, "baseline"));
        CopyTree(Path.Combine(baseline, "baseline"), Path.Combine(candidate, "baseline"));
        string summary = Directory.GetFiles(Path.Combine(candidate, "baseline"), "summary.csv", SearchOption.AllDirectories).Single();
        var lines = File.ReadAllLines(summary);
        var header = lines[0].Split(',');
        var cells = lines[1].Split(',');
        // test accuracy moves by 0.001 of the 0.0015 allowed (two thirds: near), the training loss far past the default.
        Move("test_accuracy", 0.001);
        Move("train_loss", 0.01);
        File.WriteAllLines(summary, [lines[0], string.Join(',', cells)]);

        string page = folder.File("pages", "compare.html");
        var (code, output, error) = CapturedCli.Invoke(["compare", baseline, candidate, "--abs", "test_accuracy=0.0015", "--html", page],
            (o, e) => new Runner.CliEnvironment { Out = o, Error = e });
        Assert.True(code == 1, $"compare exited {code}: {error}\n{output}");
        Assert.Contains($"comparison page written to {page}", output);

        string html = File.ReadAllText(page);
        Assert.Empty(HtmlDocument.ExternalReferences(html));
        var columns = HtmlDocument.Columns(html, "comparison").ToList();
        var rows = HtmlDocument.Rows(html, "comparison");
        string Band(string metric)
        {
            var row = Assert.Single(rows, r => r.Cells[columns.IndexOf("metric")].Text == metric);
            var delta = row.Cells[columns.IndexOf("delta")];
            Assert.Equal(row.Cells[columns.IndexOf("band")].Text, delta.Attributes["class"].Split(' ').Last());
            return row.Cells[columns.IndexOf("band")].Text;
        }
        Assert.Equal("near", Band("test_accuracy"));
        Assert.Equal("past", Band("train_loss"));
        Assert.Equal("within", Band("test_loss"));
        Assert.Equal("within", Band("steps"));
        Assert.Equal("reported", Band("train_seconds"));
        var used = Assert.Single(rows, r => r.Cells[columns.IndexOf("metric")].Text == "test_accuracy").Cells[columns.IndexOf("tolerance_used")];
        Assert.Equal(0.001 / 0.0015, double.Parse(used.Attributes["data-value"], CultureInfo.InvariantCulture), 6);
        var overview = Assert.Single(HtmlDocument.Rows(html, "experiments"));
        Assert.Equal(["baseline", "4", "1", "1", "0", "1"], overview.Cells.Select(c => c.Text));

        void Move(string column, double by)
        {
            int i = Array.IndexOf(header, column);
            cells[i] = (double.Parse(cells[i], CultureInfo.InvariantCulture) + by).ToString("R", CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public void A_folder_as_the_page_is_refused_before_anything_is_compared()
    {
        string results = Path.Combine(RepositoryRoot.Find(), "results", "baseline");
        var (code, output, error) = CapturedCli.Invoke(["compare", results, results, "--html", folder.Path],
            (o, e) => new Runner.CliEnvironment { Out = o, Error = e });
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"--html {folder.Path}: a folder; give the page's file name" + Environment.NewLine, error);
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
