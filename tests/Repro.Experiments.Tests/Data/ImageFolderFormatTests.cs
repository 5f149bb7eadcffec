using System.Text;
using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class ImageFolderFormatTests
{
    /// <summary>Classes "Faces" (one grey 2x2 PGM) and "airplanes" (one RGB 2x2 PPM, one 4x4 PGM).</summary>
    private static void WriteTree(TempFolder folder)
    {
        Directory.CreateDirectory(folder.File("airplanes"));
        Directory.CreateDirectory(folder.File("Faces"));
        PnmFormat.Write(folder.File("Faces", "image_0001.pgm"), new byte[] { 0, 51, 102, 255 }, 2, 2, 1);
        PnmFormat.Write(folder.File("airplanes", "b.ppm"),
            new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 }, 2, 2, 3);
        PnmFormat.Write(folder.File("airplanes", "a.pgm"), Enumerable.Range(0, 16).Select(i => (byte)(i * 10)).ToArray(), 4, 4, 1);
        File.WriteAllText(folder.File("airplanes", "notes.txt"), "not an image");
    }

    [Fact]
    public void Load_SortsClassesAndFiles_AndConvertsToChw()
    {
        using var folder = new TempFolder();
        WriteTree(folder);
        var set = ImageFolderFormat.Load(folder.Path, 2, 2, 3);
        // ordinal order: "Faces" < "airplanes" (upper case first); a.pgm < b.ppm
        Assert.Equal(new[] { "Faces", "airplanes" }, set.ClassNames);
        Assert.Equal(new[] { 0, 1, 1 }, set.Labels);
        Assert.Equal((3, 3, 2, 2), (set.Count, set.Channels, set.Height, set.Width));

        // grey repeated into three planes
        var face = set.Image(0).ToArray();
        Assert.Equal(new[] { 0f, 0.2f, 0.4f, 1f, 0f, 0.2f, 0.4f, 1f, 0f, 0.2f, 0.4f, 1f }, face);

        // 4x4 shrunk to 2x2 by 2x2 block means: (0+10+40+50)/4 = 25 grey levels, ...
        var shrunk = set.Image(1).ToArray();
        Assert.Equal(25 / 255f, shrunk[0], 6);
        Assert.Equal(45 / 255f, shrunk[1], 6);
        Assert.Equal(105 / 255f, shrunk[2], 6);
        Assert.Equal(125 / 255f, shrunk[3], 6);

        // interleaved RGB to planes: R plane is (255, 0, 0, 10)
        var rgb = set.Image(2).ToArray();
        Assert.Equal(new[] { 1f, 0f, 0f, 10 / 255f }, rgb[..4]);
        Assert.Equal(new[] { 0f, 1f, 0f, 20 / 255f }, rgb[4..8]);
        Assert.Equal(new[] { 0f, 0f, 1f, 30 / 255f }, rgb[8..]);
    }

    [Fact]
    public void Load_WithOneChannel_UsesLuma()
    {
        using var folder = new TempFolder();
        WriteTree(folder);
        var set = ImageFolderFormat.Load(folder.Path, 2, 2, 1);
        Assert.Equal(0.299f, set.Image(2)[0], 6);
        Assert.Equal(0.587f, set.Image(2)[1], 6);
    }

    [Fact]
    public void ExcludedClasses_AreLeftOut()
    {
        using var folder = new TempFolder();
        WriteTree(folder);
        var set = ImageFolderFormat.Load(folder.Path, 2, 2, 1, excludeClasses: new[] { "Faces" });
        Assert.Equal(new[] { "airplanes" }, set.ClassNames);
        Assert.Equal(2, set.Count);
    }

    [Fact]
    public void InjectedDecoder_ReadsOtherFormats()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("cats"));
        File.WriteAllBytes(folder.File("cats", "x.jpg"), new byte[] { 1 });
        var set = ImageFolderFormat.Load(folder.Path, 1, 2, 3,
            path => (new byte[] { 255, 0, 0, 255, 0, 0, 255, 0 }, 1, 2, 4)); // RGBA red then blue, alpha dropped
        Assert.Equal(new[] { 1f, 0f, 0f, 0f, 0f, 1f }, set.Pixels);
    }

    [Fact]
    public void JpegWithoutDecoder_IsAnInputError()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("cats"));
        File.WriteAllBytes(folder.File("cats", "x.jpg"), new byte[] { 1 });
        var e = Assert.Throws<ReproInputException>(() => ImageFolderFormat.Load(folder.Path, 2, 2, 3));
        Assert.StartsWith($"{folder.File("cats", "x.jpg")}: no decoder for .jpg images", e.Message);
    }

    [Fact]
    public void TruncatedPgm_IsReported()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("cats"));
        File.WriteAllBytes(folder.File("cats", "x.pgm"), Encoding.ASCII.GetBytes("P5\n# comment\n3 2\n255\n").Concat(new byte[5]).ToArray());
        var e = Assert.Throws<ReproInputException>(() => ImageFolderFormat.Load(folder.Path, 2, 2, 1));
        Assert.Equal($"{folder.File("cats", "x.pgm")} is truncated: 3x2x1 samples need 6 bytes of pixels, found 5", e.Message);
    }

    [Fact]
    public void PnmWithBadHeader_IsReported()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("cats"));
        File.WriteAllText(folder.File("cats", "x.pgm"), "P2\n2 2\n255\n0 0 0 0\n");
        var e = Assert.Throws<ReproInputException>(() => ImageFolderFormat.Load(folder.Path, 2, 2, 1));
        Assert.Contains("expected the header to start with P5 or P6", e.Message);
    }

    [Fact]
    public void PnmWithComments_And16BitSamples_IsRead()
    {
        using var folder = new TempFolder();
        var path = folder.File("x.pgm");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("P5 # grey\n2 1 65535\n").Concat(new byte[] { 0xFF, 0xFF, 0x80, 0x00 }).ToArray());
        var image = PnmFormat.Read(path);
        Assert.Equal((1, 2, 1), (image.Height, image.Width, image.Channels));
        Assert.Equal(new byte[] { 255, 128 }, image.Pixels);
    }

    [Fact]
    public void EmptyClassFolder_AndMissingRoot_AreReported()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("empty"));
        var e = Assert.Throws<ReproInputException>(() => ImageFolderFormat.Load(folder.Path, 2, 2, 1));
        Assert.StartsWith($"class folder {folder.File("empty")} holds no image files", e.Message);

        var missing = folder.File("nowhere");
        e = Assert.Throws<ReproInputException>(() => ImageFolderFormat.Load(missing, 2, 2, 1));
        Assert.Equal($"image folder {missing} does not exist", e.Message);
    }
}
