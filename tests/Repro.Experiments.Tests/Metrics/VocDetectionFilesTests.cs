using Repro.Experiments.Metrics;
using Repro.Experiments.Tests.Data;
using Xunit;

namespace Repro.Experiments.Tests.Metrics;

// Inside Repro.Experiments the name Detection is first the namespace of the detectors.
using Detection = Repro.Experiments.Metrics.Detection;

public sealed class VocDetectionFilesTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Written_detections_read_back_exactly()
    {
        var written = new Dictionary<string, IReadOnlyList<Detection>>
        {
            ["dog"] = new[] { new Detection("000001", 0.1 + 0.2, 1.5, 2, 30.25, 40), new Detection("000002", 1e-7, 0, 0, 0, 0) },
            ["cat"] = Array.Empty<Detection>(),
        };
        VocDetectionFiles.Write(folder.Path, "test", written);
        Assert.Equal("000001 0.30000000000000004 1.5 2 30.25 40\n000002 1E-07 0 0 0 0\n",
            File.ReadAllText(folder.File("comp4_det_test_dog.txt")));
        Assert.Equal("", File.ReadAllText(folder.File("comp4_det_test_cat.txt")));
        var read = VocDetectionFiles.Read(folder.Path, "test", new[] { "dog", "cat", "bird" });
        Assert.Equal(written["dog"], read["dog"]);
        Assert.Empty(read["cat"]);
        Assert.Empty(read["bird"]); // no file: no detections
        Assert.Equal(new[] { "cat", "dog" }, VocDetectionFiles.ClassesInDirectory(folder.Path, "test"));
        Assert.Empty(VocDetectionFiles.ClassesInDirectory(folder.Path, "trainval"));
    }

    [Fact]
    public void Devkit_formatted_lines_with_extra_spaces_and_blank_lines_parse()
    {
        DataFixtures.WriteText(folder.File("comp4_det_test_dog.txt"), "000004 0.702732 89.350 77.050 341.000 207.680\r\n\n  000004\t0.5 1 2 3 4  \n");
        var d = VocDetectionFiles.Read(folder.Path, "test", new[] { "dog" })["dog"];
        Assert.Equal(new[] { new Detection("000004", 0.702732, 89.35, 77.05, 341, 207.68), new Detection("000004", 0.5, 1, 2, 3, 4) }, d);
    }

    [Theory]
    [InlineData("000001 0.5 1 2 3", "expected 'image_id score x1 y1 x2 y2', got 5 field(s): '000001 0.5 1 2 3'")]
    [InlineData("000001 high 1 2 3 4", "score 'high' is not a finite number")]
    [InlineData("000001 0.5 1 2 3,5 4", "x2 '3,5' is not a finite number")]
    [InlineData("000001 0.5 1 2 NaN 4", "x2 'NaN' is not a finite number")]
    [InlineData("000001 0.5 10 20 5 8", "box 10 20 5 8 has x2 < x1 or y2 < y1 (expected corners x1 y1 x2 y2, not x y width height)")]
    [InlineData("000009 0.5 1 2 3 4", "image '000009' is not in the image set")]
    public void Malformed_lines_name_file_and_line(string line, string message)
    {
        string path = folder.File("comp4_det_test_dog.txt");
        DataFixtures.WriteText(path, "000001 0.9 1 1 10 10\n\n" + line + "\n");
        var e = Assert.Throws<ReproInputException>(() =>
            VocDetectionFiles.Read(folder.Path, "test", new[] { "dog" }, new HashSet<string> { "000001" }));
        Assert.Equal($"{path}:3: {message}", e.Message);
    }

    [Fact]
    public void A_missing_folder_is_an_error()
    {
        string missing = folder.File("absent");
        Assert.Equal($"detections folder {missing} does not exist",
            Assert.Throws<ReproInputException>(() => VocDetectionFiles.Read(missing, "test", new[] { "dog" })).Message);
    }
}
