using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Repro.Experiments.Running;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Experiments.Detection;

/// <summary>The <c>proposals:</c> section: OpenCV's selective search in fast mode (Uijlings et al. 2013).</summary>
public sealed class SelectiveSearchOptions
{
    /// <summary>At most this many boxes per image, in OpenCV's order (R-CNN uses ~2000).</summary>
    public int MaxBoxes { get; set; } = 2000;

    /// <summary>Graph segmentation k of the first strategy and its increment between strategies.</summary>
    public int BaseK { get; set; } = 150;

    public int IncK { get; set; } = 150;

    /// <summary>Gaussian smoothing before segmentation.</summary>
    public double Sigma { get; set; } = 0.8;

    /// <summary>Boxes narrower or lower than this many pixels are dropped.</summary>
    public int MinSize { get; set; } = 4;

    /// <summary>Smallest region of the graph segmentations that seed the grouping (OpenCV's default: 100 px).</summary>
    public int SegmentMinSize { get; set; } = 100;

    public string Key => string.Create(CultureInfo.InvariantCulture, $"ss-fast-max{MaxBoxes}-k{BaseK}+{IncK}-s{Sigma:R}-min{MinSize}-seg{SegmentMinSize}");
}

/// <summary>
/// Selective-search boxes per image, computed once and kept on disk: one text file per image id under a folder
/// named by the search options, holding the SHA-256 of the image file it was computed from (a changed image is
/// searched again) and one "x1 y1 x2 y2" line per box (0-based pixels, inclusive corners).
/// </summary>
public sealed class ProposalCache
{
    readonly SelectiveSearchOptions options;

    public ProposalCache(string directory, SelectiveSearchOptions options)
    {
        this.options = options;
        Directory = Path.Combine(directory, options.Key);
    }

    public string Directory { get; }

    /// <summary>Seconds spent searching (cache misses only).</summary>
    public double SearchSeconds { get; private set; }

    public int Misses { get; private set; }

    /// <summary>Runs selective search on uint8 [3, H, W] RGB pixels: boxes [N, 4] float, small boxes dropped.</summary>
    public static Tensor Search(Tensor pixels, SelectiveSearchOptions options)
    {
        using var scope = torch.NewDisposeScope();
        var boxes = SelectiveSearch.Boxes(pixels, options.MaxBoxes, options.BaseK, options.IncK, options.Sigma, options.SegmentMinSize).@float();
        var w = boxes.select(1, 2) - boxes.select(1, 0) + 1;
        var h = boxes.select(1, 3) - boxes.select(1, 1) + 1;
        var keep = w.ge(options.MinSize).logical_and(h.ge(options.MinSize)).nonzero().view(-1);
        return scope.MoveToOuter(boxes.index_select(0, keep).contiguous());
    }

    /// <summary>The image's boxes [N, 4] from the cache, or searched and stored.</summary>
    public Tensor Get(string imageId, string imagePath, Func<Tensor> pixels)
    {
        string path = Path.Combine(Directory, imageId + ".boxes");
        string hash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(imagePath))).ToLowerInvariant();
        if (File.Exists(path) && TryRead(path, hash) is { } cached)
            return torch.tensor(cached, cached.Length / 4, 4);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var image = pixels();
        var boxes = Search(image, options);
        SearchSeconds += watch.Elapsed.TotalSeconds;
        Misses++;
        var values = boxes.data<float>().ToArray();
        var text = new StringBuilder();
        text.Append("# sha256=").Append(hash).Append('\n');
        for (int i = 0; i < values.Length; i += 4)
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{values[i]} {values[i + 1]} {values[i + 2]} {values[i + 3]}\n"));
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.WriteAllText(path, text.ToString());
        return boxes;
    }

    /// <summary>The cached boxes when the file is complete and made from this image; null to search again.</summary>
    static float[]? TryRead(string path, string hash)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != "# sha256=" + hash) return null;
        var values = new float[(lines.Length - 1) * 4];
        for (int i = 1; i < lines.Length; i++)
        {
            var parts = lines[i].Split(' ');
            if (parts.Length != 4) return null;
            for (int k = 0; k < 4; k++)
                if (!float.TryParse(parts[k], NumberStyles.Float, CultureInfo.InvariantCulture, out values[(i - 1) * 4 + k])) return null;
        }
        return values;
    }
}
