using Repro.Experiments.Reporting;
using Xunit;
using static Repro.Experiments.Tests.Reporting.FigurePixels;

namespace Repro.Experiments.Tests.Reporting;

public sealed class ImageFigureTests
{
    /// <summary>The picture's background, and one bright pixel to find again.</summary>
    const int Background = 0x404040, Marked = 0x00ff00;

    internal static FigureSpec Figure()
    {
        var picture = new int[20, 30];
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 30; x++)
                picture[y, x] = Background;
        picture[17, 2] = Marked;
        var images = new Dictionary<string, int[,]> { ["img1"] = picture };
        var panels = new List<ImagePanel>
        {
            new("truth", "img1", [new ImageBox(5, 6, 12, 15, "cat", 0xff0000)]),
            new("found", "img1", [new ImageBox(4, 6, 12, 14, "cat 0.90", 0xff0000), new ImageBox(18, 0, 27, 9, "dog 0.40", 0x0000ff)]),
            new("none", "img1", []),
        };
        return FigureSpec.Images("grid", "Detections", 1, 3, images, panels);
    }

    [Fact]
    public void Pictures_are_stored_once_and_boxes_follow_panel_by_panel()
    {
        var spec = Figure();
        var kinds = spec.Data.Rows.Select(r => r[0].ToString()).ToList();
        Assert.Equal(600, kinds.Count(k => k == "pixel"));    // one 30x20 picture shared by three panels
        Assert.Equal(3, kinds.Count(k => k == "box"));
        Assert.Equal((0, 20, 30), spec.ImageRows["img1"]);
        Assert.Equal([(600, 1), (601, 2), (603, 0)], spec.BoxRows);
        // Row 17 * 30 + 2 is pixel (x 2, y 17), the marked one.
        Assert.Equal(("2", "17", Marked.ToString()), (spec.Data.Rows[17 * 30 + 2][2].ToString(), spec.Data.Rows[17 * 30 + 2][3].ToString(), spec.Data.Rows[17 * 30 + 2][4].ToString()));
        Assert.Throws<ArgumentException>(() => FigureSpec.Images("g", "t", 1, 1, new Dictionary<string, int[,]>(), [new ImagePanel("p", "missing", [])]));
    }

    [Fact]
    public void Pixels_sit_at_their_row_and_column_and_box_edges_on_the_outer_pixel_borders()
    {
        var figure = new FigureRenderer().Draw(Figure());
        var png = Decode(figure.Png);
        Assert.Equal(3, figure.Panels.Count);
        foreach (var panel in figure.Panels)
        {
            // Square pixels; the picture fills the frame, row 0 at the top.
            Assert.Equal((panel.Right - panel.Left) / 30, (panel.Bottom - panel.Top) / 20, 1);
            var (x, y) = panel.ToPixel(2, 17);
            Assert.Equal(Rgb(Marked), Rgb(png, x, y));
            (x, y) = panel.ToPixel(25, 15);
            Assert.Equal(Rgb(Background), Rgb(png, x, y));
        }

        // "cat" in the first panel covers pixels x 5..12, y 6..15: its outline runs along x 4.5 and 12.5, y 5.5 and 15.5.
        var truth = figure.Panels[0];
        var red = Rgb(0xff0000);
        foreach (var (ex, ey) in new[] { (4.5, 11.0), (12.5, 11.0), (8.5, 15.5), (11.5, 5.5) })
        {
            var (x, y) = truth.ToPixel(ex, ey);
            Assert.True(ColourNear(png, x, y, red, radius: 1, tolerance: 70), $"no red box edge at ({ex}, {ey}) -> ({x}, {y})");
        }
        // One picture pixel inside and outside the box: the picture, not the box.
        foreach (var (ex, ey) in new[] { (6.0, 11.0), (3.0, 11.0), (13.5, 11.0), (8.5, 17.0) })
        {
            var (x, y) = truth.ToPixel(ex, ey);
            Assert.Equal(Rgb(Background), Rgb(png, x, y));
        }
        // The dog box touches the top of the picture: its right edge still sits at x 27.5.
        var (dx, dy) = figure.Panels[1].ToPixel(27.5, 5);
        Assert.True(ColourNear(png, dx, dy, Rgb(0x0000ff), radius: 1, tolerance: 70), "no blue box edge at x 27.5");
    }

    [Fact]
    public void Captions_and_titles_are_svg_text()
    {
        var texts = SvgTexts(new FigureRenderer().Draw(Figure()).Svg);
        foreach (var text in new[] { "Detections", "truth", "found", "none", "cat", "cat 0.90", "dog 0.40" })
            Assert.Contains(text, texts);
    }
}
