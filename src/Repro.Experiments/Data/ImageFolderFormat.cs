namespace Repro.Experiments.Data;

/// <summary>
/// An image-folder tree in the Caltech-101/256 layout: root/&lt;class name&gt;/&lt;image files&gt;. Classes are the
/// sub-folders sorted by ordinal name (label = position), images within a class are sorted by file name, and every
/// image is resized to one size (aspect ratio not kept) and converted to the asked number of channels.
/// </summary>
public static class ImageFolderFormat
{
    public static readonly string[] ImageExtensions =
    {
        ".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm",
    };

    public static bool IsImageFile(string path) =>
        !Path.GetFileName(path).StartsWith('.') && ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Class folder names, sorted ordinally, without the excluded ones (e.g. Caltech-101's BACKGROUND_Google).</summary>
    public static string[] ClassFolders(string root, IEnumerable<string>? excludeClasses = null)
    {
        DataFiles.RequireDirectory(root, "image");
        var excluded = new HashSet<string>(excludeClasses ?? Array.Empty<string>(), StringComparer.Ordinal);
        var names = Directory.GetDirectories(root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.StartsWith('.') && !excluded.Contains(n))
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();
        if (names.Length == 0)
            throw new ReproInputException($"image folder {root} has no class folders; expected root/<class name>/<image files>");
        return names;
    }

    /// <summary>Image files of one class folder, sorted ordinally.</summary>
    public static string[] ImageFiles(string classFolder)
    {
        var files = Directory.GetFiles(classFolder).Where(IsImageFile).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new ReproInputException($"class folder {classFolder} holds no image files ({string.Join(", ", ImageExtensions)})");
        return files;
    }

    /// <param name="decoder">
    /// Decodes one file to bytes in height x width x channels order, RGB for colour (the engine plugs in OpenCV for
    /// JPEG and PNG). Without one, only binary PGM/PPM files can be read.
    /// </param>
    public static ImageSet Load(
        string root,
        int height,
        int width,
        int channels,
        Func<string, (byte[] pixels, int height, int width, int channels)>? decoder = null,
        IEnumerable<string>? excludeClasses = null)
    {
        if (height <= 0 || width <= 0) throw new ReproInputException($"image size {height}x{width} must be positive");
        if (channels != 1 && channels != 3) throw new ReproInputException($"images can be loaded with 1 or 3 channels, not {channels}");
        var classNames = ClassFolders(root, excludeClasses);
        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < classNames.Length; c++)
            foreach (var file in ImageFiles(Path.Combine(root, classNames[c])))
                files.Add((file, c));

        int length = channels * height * width;
        var pixels = new float[(long)files.Count * length];
        var labels = new int[files.Count];
        var resizers = new Dictionary<(int, int), ImageResizer>();
        for (int i = 0; i < files.Count; i++)
        {
            var (path, label) = files[i];
            var (bytes, h, w, c) = Decode(path, decoder);
            var planes = ToPlanes(bytes, h, w, c, channels);
            var target = pixels.AsSpan(i * length, length);
            if (h == height && w == width)
            {
                planes.CopyTo(target);
            }
            else
            {
                if (!resizers.TryGetValue((h, w), out var resizer))
                    resizers[(h, w)] = resizer = new ImageResizer(h, w, height, width);
                for (int k = 0; k < channels; k++)
                    resizer.Resize(planes.AsSpan(k * h * w, h * w), target.Slice(k * height * width, height * width));
            }
            labels[i] = label;
        }
        return new ImageSet(pixels, labels, classNames, channels, height, width);
    }

    private static (byte[] pixels, int height, int width, int channels) Decode(
        string path, Func<string, (byte[] pixels, int height, int width, int channels)>? decoder)
    {
        (byte[] pixels, int height, int width, int channels) image;
        if (decoder is null)
        {
            if (!PnmFormat.IsPnm(path))
                throw new ReproInputException(
                    $"{path}: no decoder for {Path.GetExtension(path)} images is loaded; without the engine only binary PGM/PPM files are read");
            image = PnmFormat.Decode(path);
        }
        else
        {
            try
            {
                image = decoder(path);
            }
            catch (ReproInputException)
            {
                throw;
            }
            catch (Exception e)
            {
                throw new ReproInputException($"{path}: cannot decode the image: {e.Message}", e);
            }
        }
        if (image.pixels is null || image.height <= 0 || image.width <= 0 || image.channels is not (1 or 3 or 4)
            || image.pixels.Length != image.height * image.width * image.channels)
            throw new ReproInputException(
                $"{path}: decoded to {image.pixels?.Length ?? 0} bytes for {image.height}x{image.width}x{image.channels}; expected height*width*channels bytes with 1, 3 or 4 channels");
        return image;
    }

    /// <summary>Interleaved HWC bytes to CHW floats in [0, 1] with the wanted channel count (alpha dropped).</summary>
    private static float[] ToPlanes(byte[] bytes, int height, int width, int channels, int wanted)
    {
        int plane = height * width;
        int colour = Math.Min(channels, 3);
        var planes = new float[colour * plane];
        var table = DataFiles.UnitScale;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < colour; c++)
                planes[c * plane + p] = table[bytes[p * channels + c]];
        if (colour == wanted) return planes;
        var converted = new float[wanted * plane];
        ChannelConversion.Convert(planes, colour, converted, wanted, plane);
        return converted;
    }
}
