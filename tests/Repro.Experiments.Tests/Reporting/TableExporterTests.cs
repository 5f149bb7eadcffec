using System.Globalization;
using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

public class TableExporterTests
{
    private static ResultTable Ablation()
    {
        var table = new ResultTable("ablation", "Layer ablation (top-1 %)",
            ResultColumn.Text("removed", "removed layers"),
            ResultColumn.Integer("params", "parameters"),
            ResultColumn.Number("error", "test error", decimals: 3),
            ResultColumn.Percent("accuracy", "accuracy", decimals: 1),
            ResultColumn.Number("loss"));
        table.AddRow("none", 1234567, ResultCell.Of(0.1234, 0.0056), 0.8766, 0.1 + 0.2);
        table.AddRow("6_7 & #3", 0, -0.0004, ResultCell.Empty, 2.5);
        table.AddRow("50%, top", 42, 0.5, 0.5, -1.25);
        return table;
    }

    private const string ExpectedCsv = """
        removed,params,error,error_std,accuracy,loss
        none,1234567,0.123,0.006,0.877,0.30000000000000004
        6_7 & #3,0,0.000,,,2.5
        "50%, top",42,0.500,,0.500,-1.25

        """;

    private const string ExpectedMarkdown = """
        | removed layers | parameters | test error    | accuracy | loss  |
        | :------------- | ---------: | ------------: | -------: | ----: |
        | none           |    1234567 | 0.123 ± 0.006 |    87.7% |   0.3 |
        | 6_7 & #3       |          0 |         0.000 |        - |   2.5 |
        | 50%, top       |         42 |         0.500 |    50.0% | -1.25 |

        """;

    private const string ExpectedLatex = """
        % requires \usepackage{booktabs}
        \begin{table}[ht]
        \centering
        \caption{Layer ablation (top-1 \%)}
        \label{tab:ablation}
        \begin{tabular}{lrrrr}
        \toprule
        removed layers & parameters & test error & accuracy & loss \\
        \midrule
        none & 1234567 & 0.123 $\pm$ 0.006 & 87.7\% & 0.3 \\
        6\_7 \& \#3 & 0 & 0.000 & -- & 2.5 \\
        50\%, top & 42 & 0.500 & 50.0\% & -1.25 \\
        \bottomrule
        \end{tabular}
        \end{table}

        """;

    [Fact]
    public void Csv_matches_golden() => Assert.Equal(ExpectedCsv, new CsvTableExporter().Export(Ablation()));

    [Fact]
    public void Markdown_matches_golden() => Assert.Equal(ExpectedMarkdown, new MarkdownTableExporter().Export(Ablation()));

    [Fact]
    public void Latex_matches_golden() => Assert.Equal(ExpectedLatex, new LatexTableExporter().Export(Ablation()));

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    [InlineData("tr-TR")]
    public void Every_exporter_writes_the_same_bytes_under_another_culture(string culture)
    {
        using (var scope = new CultureScope(culture))
        {
            // The scope must really change number formatting, or this test proves nothing.
            Assert.Equal("0,5", 0.5.ToString(CultureInfo.CurrentCulture));
            Assert.Equal(ExpectedCsv, new CsvTableExporter().Export(Ablation()));
            Assert.Equal(ExpectedMarkdown, new MarkdownTableExporter().Export(Ablation()));
            Assert.Equal(ExpectedLatex, new LatexTableExporter().Export(Ablation()));
        }
    }

    [Fact]
    public void Csv_round_trips_doubles_exactly_without_declared_decimals()
    {
        double[] values = [1.0 / 3.0, 1e-300, 123456789.123456789, -0.0];
        var table = new ResultTable("t", "t", ResultColumn.Number("x"));
        foreach (var v in values)
            table.AddRow(v);
        string path = Path.Combine(Path.GetTempPath(), $"repro-table-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, new CsvTableExporter().Export(table));
        ResultTable read;
        try
        {
            read = CsvTableExporter.Read(path, "t");
        }
        finally
        {
            File.Delete(path);
        }
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(values[i], read.Number(i, "x"));
        Assert.Equal("0", read.Text(3, "x"));
    }

    [Fact]
    public void Special_values_are_written_so_readers_take_them_back()
    {
        var table = new ResultTable("t", "t", ResultColumn.Number("x", decimals: 2));
        table.AddRow(double.NaN).AddRow(double.PositiveInfinity).AddRow(double.NegativeInfinity);
        Assert.Equal("x\nNaN\nInf\n-Inf\n", new CsvTableExporter().Export(table));
        Assert.True(CellFormat.TryParse("-Inf", out double v) && double.IsNegativeInfinity(v));
    }

    [Fact]
    public void Rows_must_fit_the_columns()
    {
        var table = new ResultTable("t", "t", ResultColumn.Text("a"), ResultColumn.Integer("n"));
        Assert.Throws<ArgumentException>(() => table.AddRow("x"));
        Assert.Throws<ArgumentException>(() => table.AddRow("x", "text in a number column"));
        Assert.Throws<ArgumentException>(() => table.AddRow("x", 1.5));
        Assert.Throws<ArgumentException>(() => new ResultTable("Bad Name", "t", ResultColumn.Text("a")));
        Assert.Throws<ArgumentException>(() => new ResultTable("t", "t", ResultColumn.Text("a"), ResultColumn.Text("a")));
    }

    [Fact]
    public void Markdown_escapes_pipes_so_the_columns_stay_put()
    {
        var table = new ResultTable("t", "t", ResultColumn.Text("a"));
        table.AddRow("x|y");
        Assert.Equal("| a    |\n| :--- |\n| x\\|y |\n", new MarkdownTableExporter().Export(table));
    }

    [Fact]
    public void Latex_escapes_every_special_character()
    {
        Assert.Equal(@"a\_b \% c\&d \#1 \$x\$ \{y\} \textbackslash{} \textasciitilde{}\textasciicircum{}",
            LatexTableExporter.Escape(@"a_b % c&d #1 $x$ {y} \ ~^"));
    }
}
