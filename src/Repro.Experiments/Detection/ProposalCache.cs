using System.Security.Cryptography;
using System.Text;

namespace Repro.Experiments.Detection;

/// <summary>The <c>proposals:</c> section: OpenCV's selective search in fast mode (Uijlings et al. 2013).</summary>
public sealed class SelectiveSearchOptions
{
    /// <summary>At most this many boxes per image, in OpenCV's order (R-CNN uses ~2000).</summary>
    [AtLeast(1)]
    public int MaxBoxes { get; set; } = 2000;

    /// <summary>Graph segmentation k of the first strategy and its increment between strategies.</summary>
    [Positive]
    public int BaseK { get; set; } = 150;

    [AtLeast(0)]
    public int IncK { get; set; } = 150;

    /// <summary>Gaussian smoothing before segmentation.</summary>
    [AtLeast(0)]
    public double Sigma { get; set; } = 0.8;

    /// <summary>Boxes narrower or lower than this many pixels are dropped.</summary>
    [AtLeast(0)]
    public int MinSize { get; set; } = 4;

    /// <summary>Smallest region of the graph segmentations that seed the grouping (OpenCV's default: 100 px).</summary>
    [AtLeast(0)]
    public int SegmentMinSize { get; set; } = 100;

    public string Key => string.Create(CultureInfo.InvariantCulture, $"ss-fast-max{MaxBoxes}-k{BaseK}+{IncK}-s{Sigma:R}-min{MinSize}-seg{SegmentMinSize}");
}

/// <summary>
/// Selective-search boxes per image, computed once and kept on disk: one text file per image id under a folder
/// named by the search options, holding the SHA-256 of the image file it was computed from (a changed image is
/// searched again) and one "x1 y1 x2 y2" line per box (0-based pixels, inclusive corners).
/// Runs that need the same boxes at the same time (R-CNN and Fast R-CNN side by side with --jobs 2) share the
/// work: a process claims an image by creating its ".claim" file (holding its pid) before searching it, skips
/// images another live process has claimed, and then waits for their boxes; a claim whose process is gone is
/// taken over. Boxes do not depend on which process searched them.
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

    /// <summary>Images whose boxes another process was searching when this one came to them.</summary>
    public int SearchedElsewhere { get; private set; }

    /// <summary>One image to look up: its id, its file, and its pixels when it has to be searched.</summary>
    public readonly record struct Entry(string ImageId, string ImagePath, Func<Tensor> Pixels);

    /// <summary>
    /// The boxes of every image, in order: cached ones read, unclaimed ones searched here, those another live
    /// process is searching waited for (and searched here if that process ends without writing them).
    /// </summary>
    public List<Tensor> GetAll(IReadOnlyList<Entry> entries, CancellationToken cancel)
    {
        lock (Searching) Searching.Add(instance);
        try { return GetAllClaiming(entries, cancel); }
        finally { lock (Searching) Searching.Remove(instance); }
    }

    List<Tensor> GetAllClaiming(IReadOnlyList<Entry> entries, CancellationToken cancel)
    {
        var result = new Tensor?[entries.Count];
        var pending = new List<int>();
        System.IO.Directory.CreateDirectory(Directory);
        for (int i = 0; i < entries.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            if (TryCached(entries[i]) is { } cached) result[i] = cached;
            else if (TryClaim(entries[i].ImageId) is { } claim) result[i] = SearchAndStore(entries[i], claim);
            else pending.Add(i);
        }
        SearchedElsewhere = pending.Count;
        while (pending.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var still = new List<int>();
            foreach (int i in pending)
            {
                if (TryCached(entries[i]) is { } cached) result[i] = cached;
                else if (TryClaim(entries[i].ImageId) is { } claim) result[i] = SearchAndStore(entries[i], claim);
                else still.Add(i);
            }
            if (still.Count == pending.Count) Thread.Sleep(50);
            pending = still;
        }
        return result.Select(t => t!).ToList();
    }

    /// <summary>The image's boxes [N, 4] from the cache, or searched and stored.</summary>
    public Tensor Get(string imageId, string imagePath, Func<Tensor> pixels) =>
        GetAll([new Entry(imageId, imagePath, pixels)], CancellationToken.None)[0];

    Tensor? TryCached(Entry entry)
    {
        string path = BoxesPath(entry.ImageId);
        if (!File.Exists(path)) return null;
        return TryRead(path, ImageHash(entry.ImagePath)) is { } cached ? torch.tensor(cached, cached.Length / 4, 4) : null;
    }

    string BoxesPath(string imageId) => Path.Combine(Directory, imageId + ".boxes");

    static string ImageHash(string imagePath) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(imagePath))).ToLowerInvariant();

    /// <summary>This process's claim on searching an image (its file, deleted when done), or null while another live process holds one.</summary>
    string? TryClaim(string imageId)
    {
        string claim = Path.Combine(Directory, imageId + ".claim");
        const int attempts = 5;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using (var stream = new FileStream(claim, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream))
                    writer.Write(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {instance}"));
                return claim;
            }
            catch (IOException e)
            {
                if (File.Exists(claim))
                {
                    if (HolderAlive(claim)) return null;
                    // The process that claimed it ended without writing the boxes: take the claim over.
                    try { File.Delete(claim); } catch (IOException) { }
                }
                // Otherwise its holder released it just now (or the folder refuses new files: said after a few tries).
                if (attempt == attempts)
                    throw new ReproInputException($"{claim}: cannot claim the image for selective search ({e.Message})");
            }
        }
    }

    /// <summary>Whether the claim's holder still runs: its process is alive (and, in this process, its cache object).</summary>
    static bool HolderAlive(string claim)
    {
        string text;
        try { text = File.ReadAllText(claim).Trim(); }
        catch (IOException) { return true; } // being written or just removed: look again later
        if (text.Length == 0) return File.GetLastWriteTimeUtc(claim) > DateTime.UtcNow.AddSeconds(-10); // being written
        var parts = text.Split(' ');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false;
        if (pid == Environment.ProcessId)
            lock (Searching) return Searching.Contains(parts[1]);
        return System.IO.Directory.Exists($"/proc/{pid}") || !System.IO.Directory.Exists("/proc/self");
    }

    /// <summary>The instances of this process inside <see cref="GetAll"/>, by claim token.</summary>
    static readonly HashSet<string> Searching = [];

    readonly string instance = Guid.NewGuid().ToString("N")[..12];

    Tensor SearchAndStore(Entry entry, string claim)
    {
        try
        {
            if (TryCached(entry) is { } cached) return cached; // written while this process looked elsewhere
            return Search(entry.ImageId, entry.ImagePath, entry.Pixels);
        }
        finally
        {
            try { File.Delete(claim); } catch (IOException) { }
        }
    }

    Tensor Search(string imageId, string imagePath, Func<Tensor> pixels)
    {
        string path = BoxesPath(imageId);
        string hash = ImageHash(imagePath);
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
