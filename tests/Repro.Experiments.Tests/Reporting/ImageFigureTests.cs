using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

public sealed class ImageFigureTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"repro-images-{Guid.NewGuid():N}");

    public ImageFigureTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static FigureSpec Figure()
    {
        var picture = new int[20, 30];
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 30; x++)
                picture[y, x] = (y * 30 + x) % 16 * 0x101010;
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
        // Row 31 is pixel (x 1, y 1): (31 % 16) * 0x101010.
        Assert.Equal(("1", "1", (15 * 0x101010).ToString()), (spec.Data.Rows[31][2].ToString(), spec.Data.Rows[31][3].ToString(), spec.Data.Rows[31][4].ToString()));
    }

    [Fact]
    public void Script_draws_pixels_as_rgb_and_boxes_on_pixel_edges()
    {
        string script = GnuplotScript.Write(Figure());
        Assert.Contains("every ::0::599 using (column('x')):(column('y')):(int(column('rgb'))/65536):(int(column('rgb'))/256%256):(int(column('rgb'))%256) with rgbimage", script);
        Assert.Contains("every ::601::602 using", script);
        Assert.Contains("(column('x')-0.5):(column('x2')+0.5)", script);
        Assert.Contains("set yrange [19.5:-0.5]", script);
        Assert.Throws<ArgumentException>(() => FigureSpec.Images("g", "t", 1, 1, new Dictionary<string, int[,]>(), [new ImagePanel("p", "missing", [])]));
    }

    [Fact]
    public void Gnuplot_renders_the_image_grid()
    {
        var files = new GnuplotRenderer().Render(Figure(), dir);
        Assert.True(new FileInfo(Path.Combine(dir, files.Png)).Length > 0);
        Assert.Contains("dog 0.40", File.ReadAllText(Path.Combine(dir, files.Svg)));
    }
}
