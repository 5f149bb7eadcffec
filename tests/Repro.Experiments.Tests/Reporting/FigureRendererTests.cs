using Repro.Experiments.Reporting;
using Xunit;
using static Repro.Experiments.Tests.Reporting.FigurePixels;

namespace Repro.Experiments.Tests.Reporting;

public sealed class FigureRendererTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"repro-figures-{Guid.NewGuid():N}");

    public FigureRendererTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly (byte, byte, byte) White = (255, 255, 255);

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
        Series =
        {
            new FigureSeries("true labels", "step", "loss") { Style = SeriesStyle.Lines, Colour = "#1f77b4" }.Where("labels", "true"),
            new FigureSeries("random labels", "step", "loss") { YError = "loss_std", Style = SeriesStyle.ErrorLines, Colour = "#d62728" }.Where("labels", "random"),
        },
        ReferenceLines = { new ReferenceLine("chance (ln 10)", 2.302585092994046) },
    });

    [Fact]
    public void A_series_draws_its_colour_along_its_line_and_nowhere_near_the_other()
    {
        var figure = new FigureRenderer().Draw(LossFigure());
        var png = Decode(figure.Png);
        Assert.Equal((640, 480), (png.Width, png.Height));
        var panel = Assert.Single(figure.Panels);
        var blue = Rgb("#1f77b4");
        var red = Rgb("#d62728");
        // Halfway between the true-label points at steps 200 (1.2) and 300 (0.4) the line is blue.
        var (x, y) = panel.ToPixel(250, 0.8);
        Assert.True(ColourNear(png, x, y, blue), $"no blue near ({x}, {y})");
        Assert.False(ColourNear(png, x, y, red, radius: 3));
        // The random-label curve through (300, 1.5) and (400, 0.3) is red, with its error bar at step 300.
        (x, y) = panel.ToPixel(350, 0.9);
        Assert.True(ColourNear(png, x, y, red), $"no red near ({x}, {y})");
        // A bar one pixel wide between pixel centres is shared by two pixels, each a paler red.
        (x, y) = panel.ToPixel(300, 1.5 + 0.08);
        Assert.True(ColourNear(png, x, y, red, tolerance: 90), "no error bar above the point at step 300");
        // Away from every curve, grid line and the legend in whichever corner, the data area is white.
        (x, y) = panel.ToPixel(265, 0.3);
        Assert.Equal(White, Rgb(png, x, y));
    }

    [Fact]
    public void Reference_lines_are_dashed_and_named_in_the_legend()
    {
        var figure = new FigureRenderer().Draw(LossFigure());
        var png = Decode(figure.Png);
        var panel = figure.Panels[0];
        var grey = Rgb(FigureStyle.ReferenceColour);
        var (_, y) = panel.ToPixel(100, 2.302585092994046);
        // Dashes: along the line some pixels are the line's grey and some are the white gaps between dashes.
        int inked = 0, gaps = 0;
        for (float x = panel.ToPixel(150, 0).X; x < panel.ToPixel(250, 0).X; x++)
        {
            if (ColourNear(png, x, y, grey, radius: 0, tolerance: 60)) inked++;
            else if (Distance(Rgb(png, x, y), White) < 30 && Distance(Rgb(png, x, y - 1), White) < 30 && Distance(Rgb(png, x, y + 1), White) < 30) gaps++;
        }
        Assert.True(inked > 5 && gaps > 5, $"{inked} inked and {gaps} blank pixels along the reference line");
        Assert.Contains("chance (ln 10)", SvgTexts(figure.Svg));
    }

    [Fact]
    public void Svg_parses_as_xml_and_names_every_series_panel_and_title()
    {
        var panels = Enumerable.Range(0, 4).Select(i => new PlotPanel
        {
            Title = $"panel {i}",
            Series = { new FigureSeries($"curve {i} <it's & fine>", "step", "loss").Where("labels", i % 2 == 0 ? "true" : "random") },
        }).ToList();
        var texts = SvgTexts(new FigureRenderer().Draw(FigureSpec.Grid("grid", "Four panels", LossTable(), 2, 2, panels)).Svg);
        Assert.Contains("Four panels", texts);
        for (int i = 0; i < 4; i++)
        {
            Assert.Contains($"panel {i}", texts);
            Assert.Contains($"curve {i} <it's & fine>", texts);
        }
        texts = SvgTexts(new FigureRenderer().Draw(LossFigure()).Svg);
        foreach (var name in new[] { "Fig. 1a: training loss", "true labels", "random labels", "chance (ln 10)", "step", "training loss" })
            Assert.Contains(name, texts);
    }

    [Fact]
    public void Grid_lays_out_panels_row_by_row_under_one_title_and_one_shared_legend()
    {
        var data = LossTable();
        PlotPanel Panel(int i, string label) => new()
        {
            Title = $"panel {i}",
            Series = { new FigureSeries(label, "step", "loss").Where("labels", "true"), new FigureSeries("random", "step", "loss").Where("labels", "random") },
        };
        var figure = new FigureRenderer().Draw(FigureSpec.Grid("grid", "Invariance", data, 3, 3, Enumerable.Range(0, 9).Select(i => Panel(i, "true")).ToList()));
        Assert.Equal(3 * 420, figure.Width);
        Assert.True(figure.Height > 3 * 320, "the title and the legend strip come on top of the panels");
        for (int i = 0; i < 9; i++)
        {
            var p = figure.Panels[i];
            Assert.InRange(p.Left, (i % 3) * 420, (i % 3 + 1) * 420);
            Assert.InRange(p.Right, (i % 3) * 420, (i % 3 + 1) * 420);
            Assert.InRange(p.Top, figure.Height - (3 - i / 3) * 320, figure.Height - (2 - i / 3) * 320);
            Assert.Equal("shared", p.Legend);
        }
        // The same series in every panel: named once, in the strip, not over each panel's data.
        var texts = SvgTexts(figure.Svg);
        Assert.Single(texts, t => t == "random");
        Assert.Single(texts, t => t == "Invariance");

        // Panels with different series keep their own legends.
        figure = new FigureRenderer().Draw(FigureSpec.Grid("mixed", "Mixed", data, 1, 2, [Panel(0, "true"), Panel(1, "other")]));
        Assert.All(figure.Panels, p => Assert.NotEqual("shared", p.Legend));
        Assert.Equal(2, SvgTexts(figure.Svg).Count(t => t == "random"));
    }

    [Fact]
    public void The_legend_goes_where_it_hides_the_least_data_unless_the_panel_says_where()
    {
        var table = new ResultTable("rise", "rise", ResultColumn.Number("x"), ResultColumn.Number("y"));
        for (int i = 0; i <= 20; i++)
            table.AddRow(i, i * i);
        PlotPanel Panel(string? key) => new() { KeyPosition = key, Series = { new FigureSeries("a rising curve", "x", "y") } };
        // y = x^2 runs from the bottom left to the top right and stays low on the right: the top left is free.
        Assert.Equal("top left", new FigureRenderer().Draw(FigureSpec.Plot("auto", "", table, Panel(null))).Panels[0].Legend);
        Assert.Equal("bottom right", new FigureRenderer().Draw(FigureSpec.Plot("fixed", "", table, Panel("bottom right"))).Panels[0].Legend);
        var below = new FigureRenderer().Draw(FigureSpec.Plot("below", "", table, Panel("below")));
        Assert.Equal("below", below.Panels[0].Legend);
        Assert.Equal((640, 480), (below.Width, below.Height));
        Assert.True(below.Panels[0].Bottom < 480 - 40, "the legend strip sits under the axes");
        Assert.Contains("a rising curve", SvgTexts(below.Svg));
    }

    [Fact]
    public void Log_x_axis_spaces_decades_evenly_and_labels_ticks_with_the_value_itself()
    {
        var table = new ResultTable("k", "k", ResultColumn.Text("series"), ResultColumn.Integer("k"), ResultColumn.Number("accuracy"));
        foreach (int k in new[] { 1, 5, 10, 30, 60 })
            table.AddRow("a", k, 50);
        var panel = new PlotPanel { LogX = true, Series = { new FigureSeries("flat", "k", "accuracy") { Style = SeriesStyle.Points, Colour = "#2ca02c" } } };
        var figure = new FigureRenderer().Draw(FigureSpec.Plot("logk", "", table, panel));
        var layout = figure.Panels[0];
        float one = layout.ToPixel(1, 50).X, ten = layout.ToPixel(10, 50).X, hundredth = layout.ToPixel(0.1, 50).X;
        Assert.Equal(ten - one, one - hundredth, 2);
        var png = Decode(figure.Png);
        foreach (int k in new[] { 1, 5, 10, 30, 60 })
        {
            var (x, y) = layout.ToPixel(k, 50);
            Assert.True(ColourNear(png, x, y, Rgb("#2ca02c")), $"no point at K = {k}");
        }
        // Under three decades: ticks at 1, 2, 5 times each power of ten, the others minor.
        var ticks = LogTicks.Ticks(0, Math.Log10(60));
        Assert.Equal(["1", "2", "5", "10", "20", "50"], ticks.Where(t => t.Label is not null).Select(t => t.Label!));
        Assert.Equal(Math.Log10(3), ticks.Single(t => t.Label is null && Math.Abs(t.Position - Math.Log10(3)) < 1e-12).Position);
        Assert.Equal(15 - 6, ticks.Count(t => t.Label is null));
        var texts = SvgTexts(figure.Svg);
        foreach (var label in new[] { "1", "2", "5", "10", "20", "50" })
            Assert.Contains(label, texts);
        Assert.Equal(["0.01", "0.1", "1", "10", "100", "1000"], LogTicks.Ticks(-2, 3).Where(t => t.Label is not null).Select(t => t.Label!));
    }

    [Fact]
    public void Heat_map_extreme_cells_have_the_palettes_end_colours()
    {
        var values = new double[4, 4];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                values[r, c] = r * 4 + c;
        var spec = FigureSpec.HeatMap("heat", "Heat", 1, 2, [new HeatMapPanel("image", values, grey: true), new HeatMapPanel("map", values) { ColourLabel = "p" }]);
        var figure = new FigureRenderer().Draw(spec);
        var png = Decode(figure.Png);
        var (grey, hot) = (figure.Panels[0], figure.Panels[1]);
        (byte, byte, byte) At(PanelLayout p, int row, int col)
        {
            var (x, y) = p.ToPixel(col, row);
            return Rgb(png, x, y);
        }
        // Row 0 at the top: the smallest value (0) top left is black, the largest (15) bottom right white.
        Assert.Equal((0, 0, 0), At(hot, 0, 0));
        Assert.Equal((255, 255, 255), At(hot, 3, 3));
        // "hot" passes through red at a third (value 5) and yellow at two thirds (value 10).
        Assert.Equal((255, 0, 0), At(hot, 1, 1));
        Assert.Equal((255, 255, 0), At(hot, 2, 2));
        Assert.Equal((0, 0, 0), At(grey, 0, 0));
        Assert.Equal((255, 255, 255), At(grey, 3, 3));
        Assert.Equal((136, 136, 136), At(grey, 2, 0));
        // Square cells that fill the frame exactly: the corners of the map are the corner cells.
        Assert.Equal((hot.Right - hot.Left) / 4, (hot.Bottom - hot.Top) / 4, 1);
        Assert.Equal((0, 0, 0), Rgb(png, hot.Left + 2, hot.Top + 2));
        Assert.Equal((255, 255, 255), Rgb(png, hot.Right - 3, hot.Bottom - 3));
        var texts = SvgTexts(figure.Svg);
        Assert.Contains("Heat", texts);
        Assert.Contains("map", texts);
        Assert.Contains("p", texts);
    }

    [Fact]
    public void A_flat_heat_map_gets_the_middle_of_the_palette()
    {
        var values = new double[2, 2] { { 7, 7 }, { 7, 7 } };
        var figure = new FigureRenderer().Draw(FigureSpec.HeatMap("flat", "", 1, 1, [new HeatMapPanel("class", values)]));
        var (x, y) = figure.Panels[0].ToPixel(0, 0);
        Assert.Equal((255, 128, 0), Rgb(Decode(figure.Png), x, y));
    }

    [Fact]
    public void Hot_palette_runs_black_red_yellow_white()
    {
        var hot = new HotColormap();
        Assert.Equal(new ScottPlot.Color(0, 0, 0), hot.GetColor(0));
        Assert.Equal(new ScottPlot.Color(255, 0, 0), hot.GetColor(1 / 3.0));
        Assert.Equal(new ScottPlot.Color(255, 255, 0), hot.GetColor(2 / 3.0));
        Assert.Equal(new ScottPlot.Color(255, 255, 255), hot.GetColor(1));
        Assert.Equal(new ScottPlot.Color(255, 128, 0), hot.GetColor(0.5));
        Assert.Equal(new ScottPlot.Color(255, 255, 255), hot.GetColor(7));
    }

    [Fact]
    public void Heat_map_data_holds_each_panel_in_turn()
    {
        var image = new double[2, 3] { { 0, 0.5, 1 }, { 1, 0.5, 0 } };
        var occlusion = new double[2, 3] { { 0.9, 0.8, 0.1 }, { 0.7, 0.2, 0.6 } };
        var spec = FigureSpec.HeatMap("occlusion", "Occlusion", 1, 2,
            [new HeatMapPanel("input", image, grey: true), new HeatMapPanel("P(true class)", occlusion) { ColourLabel = "p" }]);
        Assert.Equal(12, spec.Data.Rows.Count);
        Assert.Equal("P(true class)", spec.Data.Text(6, "panel"));
        Assert.Equal(0.6, spec.Data.Number(11, "value"));
        // The second panel is drawn from rows 6..11: its cell (1, 2) holds 0.6 of the hot palette.
        var figure = new FigureRenderer().Draw(spec);
        var (x, y) = figure.Panels[1].ToPixel(2, 1);
        var expected = new HotColormap().GetColor((0.6 - 0.1) / (0.9 - 0.1));
        Assert.Equal((expected.R, expected.G, expected.B), Rgb(Decode(figure.Png), x, y));
    }

    [Fact]
    public void Same_csv_gives_byte_identical_png_and_svg()
    {
        var values = new double[3, 3] { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } };
        var specs = new[]
        {
            LossFigure(),
            FigureSpec.Grid("grid", "Grid", LossTable(), 1, 2, [LossFigure().PlotPanels[0], new PlotPanel { Title = "b", LogX = true, Series = { new FigureSeries("s", "step", "loss") } }]),
            FigureSpec.HeatMap("heat", "Heat", 1, 2, [new HeatMapPanel("a", values, grey: true), new HeatMapPanel("b", values)]),
            ImageFigureTests.Figure(),
        };
        foreach (var spec in specs)
        {
            var first = new FigureRenderer().Render(spec, dir);
            byte[] png = File.ReadAllBytes(Path.Combine(dir, first.Png)), svg = File.ReadAllBytes(Path.Combine(dir, first.Svg));
            new FigureRenderer().DrawFiles(spec, dir);
            Assert.Equal(png, File.ReadAllBytes(Path.Combine(dir, first.Png)));
            Assert.Equal(svg, File.ReadAllBytes(Path.Combine(dir, first.Svg)));
            var inMemory = new FigureRenderer().Draw(spec);
            Assert.Equal(png, inMemory.Png);
            Assert.Equal(svg, inMemory.Svg);
        }
    }

    [Fact]
    public void Rendering_writes_the_data_csv_then_png_and_svg_drawn_from_it_and_nothing_else()
    {
        var files = new FigureRenderer().Render(LossFigure(), dir);
        Assert.Equal(new FigureFiles("fig1a_loss.data.csv", "fig1a_loss.png", "fig1a_loss.svg"), files);
        Assert.Equal(new CsvTableExporter().Export(LossTable()), File.ReadAllText(Path.Combine(dir, files.Data)));
        var png = File.ReadAllBytes(Path.Combine(dir, files.Png));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(["fig1a_loss.data.csv", "fig1a_loss.png", "fig1a_loss.svg"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The numbers come from the file, not from memory: an edited CSV draws the edited curve.
        string csv = File.ReadAllText(Path.Combine(dir, files.Data)).Replace("true,300,0.4,", "true,300,2.2,");
        File.WriteAllText(Path.Combine(dir, files.Data), csv);
        var edited = new FigureRenderer().DrawFiles(LossFigure(), dir);
        var (x, y) = edited.Panels[0].ToPixel(300, 2.2);
        Assert.True(ColourNear(Decode(edited.Png), x, y, Rgb("#1f77b4")), "the edited point is not where the CSV puts it");
    }

    [Fact]
    public void A_cell_that_is_no_number_is_bad_input_naming_file_and_line()
    {
        var files = new FigureRenderer().WriteData(LossFigure(), dir);
        string path = Path.Combine(dir, files.Data);
        File.WriteAllText(path, File.ReadAllText(path).Replace("true,200,1.2,", "true,200,lots,"));
        var e = Assert.Throws<Repro.Experiments.ReproInputException>(() => new FigureRenderer().DrawFiles(LossFigure(), dir));
        Assert.Contains("fig1a_loss.data.csv:4", e.Message);
        Assert.Contains("'lots'", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, files.Png)));
    }

    [Fact]
    public void Series_must_name_columns_of_the_data_table_and_use_known_styles()
    {
        var panel = new PlotPanel { Series = { new FigureSeries("x", "step", "accuracy") } };
        var e = Assert.Throws<ArgumentException>(() => FigureSpec.Plot("f", "f", LossTable(), panel));
        Assert.Contains("accuracy", e.Message);
        var bars = new PlotPanel { Series = { new FigureSeries("x", "step", "loss") { Style = SeriesStyle.ErrorBars } } };
        Assert.Throws<ArgumentException>(() => FigureSpec.Plot("f", "f", LossTable(), bars));
        var misplaced = new PlotPanel { KeyPosition = "middle", Series = { new FigureSeries("x", "step", "loss") } };
        Assert.Throws<ArgumentException>(() => FigureSpec.Plot("misplaced", "", LossTable(), misplaced));
        var bad = new PlotPanel { Series = { new FigureSeries("x", "step", "loss") { Colour = "blue" } } };
        Assert.Contains("#rrggbb", Assert.Throws<ArgumentException>(() => FigureSpec.Plot("bad", "", LossTable(), bad)).Message);
    }

    [Fact]
    public void A_series_without_rows_or_with_points_off_a_log_axis_draws_what_it_has()
    {
        var panel = new PlotPanel
        {
            LogY = true,
            Series =
            {
                new FigureSeries("nothing", "step", "loss").Where("labels", "none"),
                new FigureSeries("true labels", "step", "loss") { Colour = "#9467bd" }.Where("labels", "true"),
            },
        };
        var figure = new FigureRenderer().Draw(FigureSpec.Plot("sparse", "", LossTable(), panel));
        var (x, y) = figure.Panels[0].ToPixel(300, 0.4);
        Assert.True(ColourNear(Decode(figure.Png), x, y, Rgb("#9467bd")));
        Assert.InRange(figure.Panels[0].YMin, Math.Log10(0.1) - 0.2, Math.Log10(0.1));
    }

    [Fact]
    public void Fixed_axis_ends_hold_and_free_ends_fit_the_data_with_a_margin()
    {
        var fixedX = new PlotPanel { XMin = 0, XMax = 1000, YMin = 0, Series = { new FigureSeries("x", "step", "loss") } };
        var layout = new FigureRenderer().Draw(FigureSpec.Plot("fixed", "", LossTable(), fixedX)).Panels[0];
        Assert.Equal((0, 1000, 0), (layout.XMin, layout.XMax, layout.YMin));
        Assert.InRange(layout.YMax, 2.3, 2.3 * 1.06);
        var free = new FigureRenderer().Draw(FigureSpec.Plot("free", "", LossTable(), new PlotPanel { Series = { new FigureSeries("x", "step", "loss") } })).Panels[0];
        Assert.InRange(free.XMin, 100 - 0.03 * 300, 100 - 0.01 * 300);
        Assert.InRange(free.XMax, 400 + 0.01 * 300, 400 + 0.03 * 300);
    }
}
