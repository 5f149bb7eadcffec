using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

public sealed class GnuplotTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"repro-gnuplot-{Guid.NewGuid():N}");

    public GnuplotTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    internal static ResultTable LossTable()
    {
        var table = new ResultTable("loss_curves", "Training loss",
            ResultColumn.Text("labels"), ResultColumn.Integer("step"), ResultColumn.Number("loss"), ResultColumn.Number("loss_std"));
        // Interleaved conditions: each curve must still be drawn as one connected line.
        double[] trueLoss = [2.3, 1.2, 0.4, 0.1];
        double[] randomLoss = [2.3, 2.2, 1.5, 0.3];
        for (int i = 0; i < 4; i++)
        {
            table.AddRow("true", (i + 1) * 100, trueLoss[i], 0.05);
            table.AddRow("random", (i + 1) * 100, randomLoss[i], 0.1);
        }
        return table;
    }

    internal static FigureSpec LossFigure() => FigureSpec.Plot("fig1a_loss", "Fig. 1a: training loss", LossTable(), new PlotPanel
    {
        XLabel = "step",
        YLabel = "training loss",
        LogX = true,
        Series =
        {
            new FigureSeries("true labels", "step", "loss") { Style = SeriesStyle.Lines }.Where("labels", "true"),
            new FigureSeries("random labels", "step", "loss") { YError = "loss_std", Style = SeriesStyle.ErrorBars }.Where("labels", "random"),
        },
        ReferenceLines = { new ReferenceLine("chance (ln 10)", 2.302585092994046) },
    });

    private const string ExpectedLossScript = """
        # Fig. 1a: training loss
        # Reads only fig1a_loss.data.csv; run `gnuplot fig1a_loss.gp` in this folder to redraw fig1a_loss.png and fig1a_loss.svg.
        set datafile separator ','
        set datafile columnheaders
        set datafile missing NaN
        set encoding utf8
        do for [format in "png svg"] {
          if (format eq "png") {
            set terminal pngcairo size 640,480 noenhanced font 'sans,10'
          } else {
            set terminal svg size 640,480 noenhanced font 'sans,10' background '#ffffff'
          }
          set output 'fig1a_loss.'.format
          set title 'Fig. 1a: training loss'
          set xlabel 'step'
          set ylabel 'training loss'
          set size noratio
          set xtics
          set ytics
          set key noenhanced
          set logscale x
          unset logscale y
          set autoscale xfix
          set xrange [*:*] noreverse
          set yrange [*:*] noreverse
          set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
          plot 'fig1a_loss.data.csv' using (column('step')):(strcol('labels') eq 'true' ? column('loss') : NaN) with lines title 'true labels', \
               'fig1a_loss.data.csv' using (column('step')):(strcol('labels') eq 'random' ? column('loss') : NaN):(column('loss_std')) with yerrorbars title 'random labels', \
               2.302585092994046 with lines dashtype 2 linecolor rgb '#555555' title 'chance (ln 10)'
          unset output
        }

        """;

    [Fact]
    public void Plot_script_matches_golden() => Assert.Equal(ExpectedLossScript, GnuplotScript.Write(LossFigure()));

    [Fact]
    public void Script_reads_only_its_own_data_file()
    {
        var files = new GnuplotRenderer().WriteScript(LossFigure(), dir);
        Assert.Equal("fig1a_loss.data.csv", files.Data);
        string script = File.ReadAllText(Path.Combine(dir, files.Script));
        var quotedFiles = System.Text.RegularExpressions.Regex.Matches(script, @"'([^']+\.csv)'").Select(m => m.Groups[1].Value).Distinct();
        Assert.Equal(["fig1a_loss.data.csv"], quotedFiles);
        Assert.DoesNotContain(dir, script);
        Assert.Equal(new CsvTableExporter().Export(LossTable()), File.ReadAllText(Path.Combine(dir, files.Data)));
    }

    [Fact]
    public void Grid_lays_out_panels_row_by_row_with_one_shared_data_file()
    {
        var data = LossTable();
        var panels = Enumerable.Range(0, 9).Select(i => new PlotPanel
        {
            Title = $"panel {i}",
            Series = { new FigureSeries($"curve {i}", "step", "loss").Where("labels", i % 2 == 0 ? "true" : "random") },
        }).ToList();
        var spec = FigureSpec.Grid("grid", "Invariance", data, 3, 3, panels);
        var script = GnuplotScript.Write(spec);
        Assert.Contains("set terminal pngcairo size 1260,960 ", script);
        Assert.Contains("  set multiplot layout 3,3 title 'Invariance'\n", script);
        Assert.Equal(9, script.Split("\n  plot 'grid.data.csv'").Length - 1);
        Assert.True(script.IndexOf("'panel 0'", StringComparison.Ordinal) < script.IndexOf("'panel 8'", StringComparison.Ordinal));
        Assert.Contains("  unset multiplot\n", script);

        new GnuplotRenderer().Render(spec, dir);
        string svg = File.ReadAllText(Path.Combine(dir, "grid.svg"));
        Assert.Contains("panel 8", svg);
        Assert.Contains("curve 8", svg);
    }

    [Fact]
    public void A_series_colour_goes_into_its_plot_item_and_must_be_rrggbb()
    {
        var panel = new PlotPanel
        {
            Series =
            {
                new FigureSeries("runs", "step", "loss") { Style = SeriesStyle.Points, Colour = "#1f77b4" }.Where("labels", "true"),
                new FigureSeries("", "step", "loss") { Style = SeriesStyle.Lines }.Where("labels", "random"),
            },
        };
        string script = GnuplotScript.Write(FigureSpec.Plot("coloured", "", LossTable(), panel));
        Assert.DoesNotContain("set key bottom", script);
        var keyed = new PlotPanel { KeyPosition = "bottom left", Series = { new FigureSeries("x", "step", "loss") } };
        Assert.Contains("  set key bottom left\n", GnuplotScript.Write(FigureSpec.Plot("keyed", "", LossTable(), keyed)));
        var fixedX = new PlotPanel { XMin = 0, XMax = 1, Series = { new FigureSeries("x", "step", "loss") } };
        Assert.Contains("  set xrange [0:1] noreverse\n", GnuplotScript.Write(FigureSpec.Plot("fixed-x", "", LossTable(), fixedX)));
        Assert.Contains("  set xrange [*:*] noreverse\n", script);
        var misplaced = new PlotPanel { KeyPosition = "middle", Series = { new FigureSeries("x", "step", "loss") } };
        Assert.Throws<ArgumentException>(() => FigureSpec.Plot("misplaced", "", LossTable(), misplaced));
        Assert.Contains("with points linecolor rgb '#1f77b4' title 'runs'", script);
        Assert.Contains("with lines title ''", script);
        var bad = new PlotPanel { Series = { new FigureSeries("x", "step", "loss") { Colour = "blue" } } };
        Assert.Contains("#rrggbb", Assert.Throws<ArgumentException>(() => FigureSpec.Plot("bad", "", LossTable(), bad)).Message);
    }

    [Fact]
    public void Heat_map_selects_each_panel_by_its_rows_of_the_data_file()
    {
        var image = new double[2, 3] { { 0, 0.5, 1 }, { 1, 0.5, 0 } };
        var occlusion = new double[2, 3] { { 0.9, 0.8, 0.1 }, { 0.7, 0.2, 0.6 } };
        var spec = FigureSpec.HeatMap("occlusion", "Occlusion", 1, 2,
            [new HeatMapPanel("input", image, grey: true), new HeatMapPanel("P(true class)", occlusion) { ColourLabel = "p" }]);
        Assert.Equal(12, spec.Data.Rows.Count);
        Assert.Equal("P(true class)", spec.Data.Text(6, "panel"));
        Assert.Equal(0.6, spec.Data.Number(11, "value"));
        string script = GnuplotScript.Write(spec);
        Assert.Contains("every ::0::5 using (column('col')):(column('row')):(column('value')) with image", script);
        Assert.Contains("every ::6::11 using (column('col')):(column('row')):(column('value')) with image", script);
        Assert.Contains("set palette gray", script);
        Assert.Contains("set yrange [1.5:-0.5]", script);
    }

    [Fact]
    public void Quotes_in_labels_cannot_end_the_string()
    {
        Assert.Equal("'it''s'", GnuplotScript.Quote("it's"));
    }

    [Fact]
    public void Series_must_name_columns_of_the_data_table()
    {
        var panel = new PlotPanel { Series = { new FigureSeries("x", "step", "accuracy") } };
        var e = Assert.Throws<ArgumentException>(() => FigureSpec.Plot("f", "f", LossTable(), panel));
        Assert.Contains("accuracy", e.Message);
        var bars = new PlotPanel { Series = { new FigureSeries("x", "step", "loss") { Style = SeriesStyle.ErrorBars } } };
        Assert.Throws<ArgumentException>(() => FigureSpec.Plot("f", "f", LossTable(), bars));
    }

    [Fact]
    public void Rendering_draws_a_png_and_an_svg_with_the_series_labels()
    {
        new GnuplotRenderer().Render(LossFigure(), dir);
        var png = File.ReadAllBytes(Path.Combine(dir, "fig1a_loss.png"));
        Assert.True(png.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        string svg = File.ReadAllText(Path.Combine(dir, "fig1a_loss.svg"));
        Assert.Contains("<svg", svg);
        Assert.Contains("true labels", svg);
        Assert.Contains("random labels", svg);
        Assert.Contains("chance (ln 10)", svg);
        // Only the figure's files remain: the scratch folder gnuplot ran in is gone.
        Assert.Equal(["fig1a_loss.data.csv", "fig1a_loss.gp", "fig1a_loss.png", "fig1a_loss.svg"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Heat_map_renders()
    {
        var values = new double[4, 4];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                values[r, c] = r * 4 + c;
        new GnuplotRenderer().Render(
            FigureSpec.HeatMap("heat", "Heat", 1, 2, [new HeatMapPanel("image", values, grey: true), new HeatMapPanel("map", values)]), dir);
        Assert.True(new FileInfo(Path.Combine(dir, "heat.png")).Length > 1000);
        Assert.Contains("map", File.ReadAllText(Path.Combine(dir, "heat.svg")));
    }

    [Fact]
    public void Missing_gnuplot_is_a_clear_error_and_the_script_is_still_written()
    {
        var renderer = new GnuplotRenderer(executable: "gnuplot-that-is-not-installed");
        var e = Assert.Throws<GnuplotException>(() => renderer.Render(LossFigure(), dir));
        Assert.Contains("gnuplot-nox", e.Message);
        Assert.Contains("not found", e.Message);
        Assert.True(File.Exists(Path.Combine(dir, "fig1a_loss.gp")));
        Assert.False(File.Exists(Path.Combine(dir, "fig1a_loss.png")));
    }

    [Fact]
    public void A_broken_script_reports_gnuplots_message()
    {
        new GnuplotRenderer().WriteScript(LossFigure(), dir);
        File.WriteAllText(Path.Combine(dir, "fig1a_loss.gp"), "plot 'fig1a_loss.data.csv' using (column('nope')):2\n");
        var e = Assert.Throws<GnuplotException>(() => new GnuplotRenderer().RenderScript(dir, "fig1a_loss"));
        Assert.Contains("fig1a_loss.gp", e.Message);
    }
}
