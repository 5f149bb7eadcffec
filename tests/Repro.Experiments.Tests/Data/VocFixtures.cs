using Repro.Experiments.Data;

namespace Repro.Experiments.Tests.Data;

/// <summary>Small VOC2007 layouts written by the tests: annotations through the writer under test, placeholder images.</summary>
public static class VocFixtures
{
    /// <summary>Writes root/{Annotations,JPEGImages,ImageSets/Main/&lt;set&gt;.txt} for the images (paths relative to JPEGImages).</summary>
    public static string WriteLayout(string root, string imageSet, IEnumerable<VocImage> images, bool writeImages = true)
    {
        Directory.CreateDirectory(Path.Combine(root, "Annotations"));
        Directory.CreateDirectory(Path.Combine(root, "JPEGImages"));
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "Main"));
        var ids = new List<string>();
        foreach (var image in images)
        {
            var placed = image with { ImagePath = Path.Combine(root, "JPEGImages", Path.GetFileName(image.ImagePath)) };
            VocFormat.WriteAnnotation(VocFormat.AnnotationPath(root, image.Id), placed);
            if (writeImages)
                File.WriteAllBytes(placed.ImagePath, new byte[] { 0xFF, 0xD8, 0xFF });
            ids.Add(image.Id);
        }
        DataFixtures.WriteText(VocFormat.ImageSetPath(root, imageSet), string.Join("\n", ids) + "\n");
        return root;
    }

    public static VocImage Image(string id, params VocObject[] objects) => new(id, id + ".jpg", 100, 80, objects);

    public static VocObject Box(string name, int x1, int y1, int x2, int y2, bool difficult = false) =>
        new(name, x1, y1, x2, y2, difficult);
}
