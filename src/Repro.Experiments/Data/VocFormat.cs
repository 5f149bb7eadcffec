using System.Text;
using System.Xml;

namespace Repro.Experiments.Data;

/// <summary>
/// One annotated object (VOC &lt;object&gt;): class name, box in VOC pixel coordinates (1-based, inclusive, as
/// written in the XML), the difficult flag and the truncated flag.
/// </summary>
public sealed record VocObject(string ClassName, int X1, int Y1, int X2, int Y2, bool Difficult, bool Truncated = false)
{
    /// <summary>Width in pixels under VOC's inclusive convention.</summary>
    public int Width => X2 - X1 + 1;

    public int Height => Y2 - Y1 + 1;
}

/// <summary>One image of an image set: id (file stem), path of its JPEG/PNG, size, objects.</summary>
public sealed record VocImage(string Id, string ImagePath, int Width, int Height, IReadOnlyList<VocObject> Objects);

/// <summary>
/// The PASCAL VOC devkit layout (VOCdevkit/VOC2007): ImageSets/Main/&lt;set&gt;.txt lists image ids, one per
/// line; Annotations/&lt;id&gt;.xml holds the image's size and its objects; JPEGImages/ holds the images. Every
/// problem in these files is a <see cref="ReproInputException"/> naming the file and, where known, the line.
/// </summary>
public static class VocFormat
{
    public const string AnnotationsFolder = "Annotations";
    public const string ImagesFolder = "JPEGImages";

    /// <summary>The 20 classes of VOC2007 in the devkit's order (VOCinit.m).</summary>
    public static IReadOnlyList<string> Voc2007Classes { get; } = new[]
    {
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    };

    public static string ImageSetPath(string root, string imageSet) => Path.Combine(root, "ImageSets", "Main", imageSet + ".txt");

    public static string AnnotationPath(string root, string id) => Path.Combine(root, AnnotationsFolder, id + ".xml");

    /// <summary>
    /// Reads &lt;root&gt;/ImageSets/Main/&lt;imageSet&gt;.txt and each &lt;root&gt;/Annotations/&lt;id&gt;.xml (root = the
    /// VOC2007 folder), and checks that every image file exists in &lt;root&gt;/JPEGImages.
    /// </summary>
    public static IReadOnlyList<VocImage> Load(string root, string imageSet)
    {
        DataFiles.RequireDirectory(root, "VOC");
        var images = LoadAnnotations(Path.Combine(root, AnnotationsFolder), ImageSetPath(root, imageSet), Path.Combine(root, ImagesFolder));
        foreach (var image in images)
            if (!File.Exists(image.ImagePath))
                throw new ReproInputException($"missing image file {image.ImagePath} of image '{image.Id}' ({AnnotationPath(root, image.Id)})");
        return images;
    }

    /// <summary>
    /// The annotations of the ids an image-set file lists, read from <paramref name="annotationsFolder"/>; image
    /// paths point into <paramref name="imagesFolder"/> (not checked: evaluation needs no pixels).
    /// </summary>
    public static IReadOnlyList<VocImage> LoadAnnotations(string annotationsFolder, string imageSetFile, string? imagesFolder = null)
    {
        DataFiles.RequireDirectory(annotationsFolder, "VOC annotations");
        imagesFolder ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(annotationsFolder))!, ImagesFolder);
        var ids = ReadImageSet(imageSetFile);
        var images = new List<VocImage>(ids.Count);
        foreach (var id in ids)
            images.Add(ReadAnnotation(Path.Combine(annotationsFolder, id + ".xml"), id, imagesFolder));
        return images;
    }

    /// <summary>
    /// The ids of an image-set file: the first field of every non-blank line. Class files such as
    /// aeroplane_trainval.txt ("000005 -1") are accepted too, their flag being ignored.
    /// </summary>
    public static IReadOnlyList<string> ReadImageSet(string path)
    {
        if (!File.Exists(path))
            throw new ReproInputException($"missing VOC image set file {path}");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"cannot read VOC image set file {path}: {e.Message}", e);
        }
        var ids = new List<string>(lines.Length);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
                continue;
            if (fields.Length > 2 || (fields.Length == 2 && fields[1] is not ("-1" or "0" or "1")))
                throw new ReproInputException($"{path}:{i + 1}: expected one image id per line, got '{lines[i].Trim()}'");
            string id = fields[0];
            if (id.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw new ReproInputException($"{path}:{i + 1}: image id '{id}' is not a file name");
            if (seen.TryGetValue(id, out int first))
                throw new ReproInputException($"{path}:{i + 1}: image id '{id}' is listed twice (first on line {first})");
            seen[id] = i + 1;
            ids.Add(id);
        }
        if (ids.Count == 0)
            throw new ReproInputException($"{path}: the image set lists no images");
        return ids;
    }

    /// <summary>Reads one annotation XML; <paramref name="id"/> is the image id (the file stem).</summary>
    public static VocImage ReadAnnotation(string path, string id, string imagesFolder)
    {
        if (!File.Exists(path))
            throw new ReproInputException($"missing VOC annotation file {path} for image '{id}'");
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings
            {
                IgnoreComments = true,
                IgnoreWhitespace = true,
                IgnoreProcessingInstructions = true,
                DtdProcessing = DtdProcessing.Prohibit,
            });
            return ReadAnnotation(reader, path, id, imagesFolder);
        }
        catch (XmlException e)
        {
            throw new ReproInputException($"{path}:{e.LineNumber}: malformed XML: {StripPosition(e.Message)}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"cannot read VOC annotation file {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Class names in first-seen order over the images, or VOC's 20 (in the devkit's order) when every name is
    /// a VOC2007 class, so that a real VOC2007 is scored over its 20 classes even where a subset misses some.
    /// </summary>
    public static IReadOnlyList<string> ClassNames(IReadOnlyList<VocImage> images)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images)
            foreach (var o in image.Objects)
                if (seen.Add(o.ClassName))
                    names.Add(o.ClassName);
        if (names.Count > 0 && names.All(n => Voc2007Classes.Contains(n)))
            return Voc2007Classes;
        return names;
    }

    /// <summary>
    /// Writes one annotation XML in VOC layout (the elements the devkit's files carry, in their order). The bytes
    /// depend only on <paramref name="image"/>: UTF-8 without BOM, "\n" line ends, invariant numbers.
    /// </summary>
    public static void WriteAnnotation(string path, VocImage image)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = true,
            IndentChars = "\t",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
            OmitXmlDeclaration = true,
        };
        Running.AtomicFile.Write(path, stream =>
        {
            using var w = XmlWriter.Create(stream, settings);
            w.WriteStartElement("annotation");
            w.WriteElementString("folder", "VOC2007");
            w.WriteElementString("filename", Path.GetFileName(image.ImagePath));
            w.WriteStartElement("size");
            w.WriteElementString("width", Text(image.Width));
            w.WriteElementString("height", Text(image.Height));
            w.WriteElementString("depth", "3");
            w.WriteEndElement();
            w.WriteElementString("segmented", "0");
            foreach (var o in image.Objects)
            {
                w.WriteStartElement("object");
                w.WriteElementString("name", o.ClassName);
                w.WriteElementString("pose", "Unspecified");
                w.WriteElementString("truncated", o.Truncated ? "1" : "0");
                w.WriteElementString("difficult", o.Difficult ? "1" : "0");
                w.WriteStartElement("bndbox");
                w.WriteElementString("xmin", Text(o.X1));
                w.WriteElementString("ymin", Text(o.Y1));
                w.WriteElementString("xmax", Text(o.X2));
                w.WriteElementString("ymax", Text(o.Y2));
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.Flush();
            stream.WriteByte((byte)'\n');
        });
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static VocImage ReadAnnotation(XmlReader reader, string path, string id, string imagesFolder)
    {
        var lines = (IXmlLineInfo)reader;
        reader.MoveToContent();
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "annotation")
            throw new ReproInputException($"{path}:{lines.LineNumber}: expected the root element <annotation>, got <{reader.LocalName}>");
        string? filename = null;
        int? width = null, height = null;
        int sizeLine = lines.LineNumber;
        var objects = new List<VocObject>();
        foreach (var child in Children(reader))
        {
            switch (child)
            {
                case "filename":
                    filename = reader.ReadElementContentAsString().Trim();
                    break;
                case "size":
                    sizeLine = lines.LineNumber;
                    foreach (var s in Children(reader))
                    {
                        if (s == "width") width = ReadInt(reader, path, "size/width");
                        else if (s == "height") height = ReadInt(reader, path, "size/height");
                        else reader.Skip();
                    }
                    break;
                case "object":
                    objects.Add(ReadObject(reader, path));
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (width is null || height is null)
            throw new ReproInputException($"{path}:{sizeLine}: missing <size> with <width> and <height>");
        if (width <= 0 || height <= 0)
            throw new ReproInputException($"{path}:{sizeLine}: image size {width}x{height} must be positive");
        if (string.IsNullOrEmpty(filename))
            filename = id + ".jpg";
        return new VocImage(id, Path.Combine(imagesFolder, filename), width.Value, height.Value, objects);
    }

    private static VocObject ReadObject(XmlReader reader, string path)
    {
        var lines = (IXmlLineInfo)reader;
        int line = lines.LineNumber;
        string? name = null;
        bool difficult = false, truncated = false;
        int? x1 = null, y1 = null, x2 = null, y2 = null;
        int boxLine = line;
        foreach (var child in Children(reader))
        {
            switch (child)
            {
                case "name":
                    name = reader.ReadElementContentAsString().Trim();
                    break;
                case "difficult":
                    difficult = ReadFlag(reader, path, "difficult");
                    break;
                case "truncated":
                    truncated = ReadFlag(reader, path, "truncated");
                    break;
                case "bndbox":
                    boxLine = lines.LineNumber;
                    foreach (var b in Children(reader))
                    {
                        switch (b)
                        {
                            case "xmin": x1 = ReadCoordinate(reader, path, "bndbox/xmin"); break;
                            case "ymin": y1 = ReadCoordinate(reader, path, "bndbox/ymin"); break;
                            case "xmax": x2 = ReadCoordinate(reader, path, "bndbox/xmax"); break;
                            case "ymax": y2 = ReadCoordinate(reader, path, "bndbox/ymax"); break;
                            default: reader.Skip(); break;
                        }
                    }
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (string.IsNullOrEmpty(name))
            throw new ReproInputException($"{path}:{line}: <object> without a <name>");
        if (x1 is null || y1 is null || x2 is null || y2 is null)
            throw new ReproInputException($"{path}:{boxLine}: object '{name}' needs a <bndbox> with xmin, ymin, xmax and ymax");
        if (x2 < x1 || y2 < y1)
            throw new ReproInputException(
                $"{path}:{boxLine}: object '{name}' has an empty box (xmin {x1}, ymin {y1}, xmax {x2}, ymax {y2}): expected xmin <= xmax and ymin <= ymax");
        return new VocObject(name, x1.Value, y1.Value, x2.Value, y2.Value, difficult, truncated);
    }

    /// <summary>
    /// The element names of the current element's children, leaving the reader on each child's start tag, which
    /// the caller must read or skip. Ends past the parent's end tag.
    /// </summary>
    private static IEnumerable<string> Children(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            yield break;
        }
        int depth = reader.Depth;
        reader.Read();
        while (!reader.EOF && !(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
        {
            if (reader.NodeType == XmlNodeType.Element)
                yield return reader.LocalName; // the caller reads or skips the child, which moves the reader on
            else
                reader.Read();
        }
        reader.Read();
    }

    private static int ReadInt(XmlReader reader, string path, string what)
    {
        int line = ((IXmlLineInfo)reader).LineNumber;
        string text = reader.ReadElementContentAsString().Trim();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new ReproInputException($"{path}:{line}: <{what}> is '{text}', expected an integer");
        return value;
    }

    /// <summary>
    /// A box coordinate: VOC2007 writes integers; some VOC-style files write decimals ("273.5"), which are rounded
    /// to the nearest pixel.
    /// </summary>
    private static int ReadCoordinate(XmlReader reader, string path, string what)
    {
        int line = ((IXmlLineInfo)reader).LineNumber;
        string text = reader.ReadElementContentAsString().Trim();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            return value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
            && Math.Abs(d) < int.MaxValue)
            return (int)Math.Round(d, MidpointRounding.AwayFromZero);
        throw new ReproInputException($"{path}:{line}: <{what}> is '{text}', expected a pixel coordinate");
    }

    private static bool ReadFlag(XmlReader reader, string path, string what)
    {
        int line = ((IXmlLineInfo)reader).LineNumber;
        string text = reader.ReadElementContentAsString().Trim();
        return text switch
        {
            "0" or "" => false,
            "1" => true,
            _ => throw new ReproInputException($"{path}:{line}: <{what}> is '{text}', expected 0 or 1"),
        };
    }

    // XmlException messages end in "Line 3, position 7."; the line is already in front.
    private static string StripPosition(string message)
    {
        int at = message.LastIndexOf(" Line ", StringComparison.Ordinal);
        return at > 0 ? message[..at].TrimEnd() : message;
    }
}
