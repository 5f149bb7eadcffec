using OpenCvSharp;
using Repro.Experiments.Data;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public sealed class ImageFilesTests
{
    /// <summary>Pixels [C, H, W] with distinct values: (c, y, x) holds 70c + 9y + x + 1.</summary>
    static byte[] Pattern(int channels, int height, int width)
    {
        var v = new byte[channels * height * width];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    v[(c * height + y) * width + x] = (byte)(70 * c + 9 * y + x + 1);
        return v;
    }

    [Fact]
    public void An_rgb_png_round_trips_pixel_for_pixel_as_3_by_h_by_w()
    {
        using var folder = new TempFolder();
        string path = folder.File("rgb.png");
        var pixels = Pattern(3, 5, 7);
        using (var image = torch.tensor(pixels, new long[] { 3, 5, 7 })) ImageFiles.Write(image, path);
        using var back = ImageFiles.Read(path);
        Assert.Equal(ScalarType.Byte, back.dtype);
        Assert.Equal(new long[] { 3, 5, 7 }, back.shape);
        Assert.Equal(pixels, back.data<byte>().ToArray());
    }

    [Fact]
    public void A_grey_png_round_trips_as_1_by_h_by_w_and_reads_as_three_equal_channels_in_colour()
    {
        using var folder = new TempFolder();
        string path = folder.File("grey.png");
        var pixels = Pattern(1, 6, 4);
        using (var image = torch.tensor(pixels, new long[] { 1, 6, 4 })) ImageFiles.Write(image, path);
        using var grey = ImageFiles.Read(path, grey: true);
        Assert.Equal(new long[] { 1, 6, 4 }, grey.shape);
        Assert.Equal(pixels, grey.data<byte>().ToArray());
        using var colour = ImageFiles.Read(path);
        Assert.Equal(new long[] { 3, 6, 4 }, colour.shape);
        Assert.Equal(pixels.Concat(pixels).Concat(pixels).ToArray(), colour.data<byte>().ToArray());
    }

    [Fact]
    public void Red_is_channel_0_when_reading_a_file_opencv_wrote_and_when_writing_one_opencv_reads()
    {
        using var folder = new TempFolder();
        // OpenCV's own file: BGR (0, 0, 255) is pure red.
        string theirs = folder.File("theirs.png");
        using (var bgr = new Mat(3, 4, MatType.CV_8UC3, new OpenCvSharp.Scalar(0, 0, 255))) Assert.True(Cv2.ImWrite(theirs, bgr));
        using (var read = ImageFiles.Read(theirs))
        {
            var v = read.data<byte>().ToArray();
            Assert.All(v.Take(12), b => Assert.Equal(255, b));
            Assert.All(v.Skip(12), b => Assert.Equal(0, b));
        }
        // Ours, read back by OpenCV: red lands in the file's R sample (index 2 of BGR).
        string ours = folder.File("ours.png");
        var red = new byte[3 * 3 * 4];
        Array.Fill(red, (byte)255, 0, 12);
        using (var image = torch.tensor(red, new long[] { 3, 3, 4 })) ImageFiles.Write(image, ours);
        using var decoded = Cv2.ImRead(ours, ImreadModes.Color);
        Assert.Equal(new Vec3b(0, 0, 255), decoded.At<Vec3b>(2, 3));
    }

    [Fact]
    public void Reading_and_writing_leave_no_tensor_alive_but_the_one_returned()
    {
        using var folder = new TempFolder();
        string path = folder.File("live.png");
        using var image = torch.tensor(Pattern(3, 4, 4), new long[] { 3, 4, 4 });
        var stats = DisposeScopeManager.Statistics;
        long live = stats.ThreadTotalLiveCount;
        ImageFiles.Write(image, path);
        Assert.Equal(live, stats.ThreadTotalLiveCount);
        ImageFiles.Read(path).Dispose();
        ImageFiles.Read(path, grey: true).Dispose();
        Assert.Equal(live, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_naming_it()
    {
        using var folder = new TempFolder();
        string path = folder.File("absent.png");
        var e = Assert.Throws<FileNotFoundException>(() => ImageFiles.Read(path));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("garbage.png", false)]
    [InlineData("truncated.png", true)]
    public void A_corrupt_file_is_invalid_data_naming_it(string name, bool truncatedPng)
    {
        using var folder = new TempFolder();
        string path = folder.File(name);
        if (truncatedPng)
        {
            // A real PNG cut after its signature and the start of the header chunk.
            string whole = folder.File("whole.png");
            using (var image = torch.tensor(Pattern(3, 8, 8), new long[] { 3, 8, 8 })) ImageFiles.Write(image, whole);
            File.WriteAllBytes(path, File.ReadAllBytes(whole)[..20]);
        }
        else
        {
            File.WriteAllText(path, "not an image at all");
        }
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Bad_shapes_and_dtypes_are_argument_errors_naming_the_file_and_write_nothing()
    {
        using var folder = new TempFolder();
        string path = folder.File("bad.png");
        using var twoChannels = torch.zeros(new long[] { 2, 4, 4 }, ScalarType.Byte);
        using var flat = torch.zeros(new long[] { 4, 4 }, ScalarType.Byte);
        using var empty = torch.zeros(new long[] { 3, 0, 4 }, ScalarType.Byte);
        using var floats = torch.zeros(new long[] { 3, 4, 4 });
        foreach (var bad in new[] { twoChannels, flat, empty, floats })
        {
            var e = Assert.Throws<ArgumentException>(() => ImageFiles.Write(bad, path));
            Assert.Contains(path, e.Message);
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void An_unwritable_path_is_an_io_error_naming_it()
    {
        using var folder = new TempFolder();
        using var image = torch.zeros(new long[] { 3, 4, 4 }, ScalarType.Byte);
        string noFolder = folder.File("missing", "x.png");
        Assert.Contains(noFolder, Assert.Throws<DirectoryNotFoundException>(() => ImageFiles.Write(image, noFolder)).Message);
        string noFormat = folder.File("x.unknown-format");
        Assert.Contains(noFormat, Assert.ThrowsAny<IOException>(() => ImageFiles.Write(image, noFormat)).Message);
    }
}
