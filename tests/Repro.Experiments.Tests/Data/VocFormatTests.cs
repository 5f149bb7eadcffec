using Repro.Experiments.Data;
using Xunit;

namespace Repro.Experiments.Tests.Data;

public sealed class VocFormatTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Root => folder.File("VOC2007");

    // An annotation as the VOC2007 devkit ships it (000005.xml, shortened), with the source/owner noise it carries.
    private const string DevkitAnnotation = """
        <annotation>
        	<folder>VOC2007</folder>
        	<filename>000005.jpg</filename>
        	<source>
        		<database>The VOC2007 Database</database>
        		<annotation>PASCAL VOC2007</annotation>
        		<image>flickr</image>
        		<flickrid>325991873</flickrid>
        	</source>
        	<size>
        		<width>500</width>
        		<height>375</height>
        		<depth>3</depth>
        	</size>
        	<segmented>0</segmented>
        	<object>
        		<name>chair</name>
        		<pose>Rear</pose>
        		<truncated>0</truncated>
        		<difficult>0</difficult>
        		<bndbox>
        			<xmin>263</xmin>
        			<ymin>211</ymin>
        			<xmax>324</xmax>
        			<ymax>339</ymax>
        		</bndbox>
        	</object>
        	<object>
        		<name>chair</name>
        		<pose>Unspecified</pose>
        		<truncated>1</truncated>
        		<difficult>1</difficult>
        		<bndbox>
        			<xmin>277</xmin>
        			<ymin>186</ymin>
        			<xmax>312</xmax>
        			<ymax>220</ymax>
        		</bndbox>
        	</object>
        	<object>
        		<name>pottedplant</name>
        		<bndbox>
        			<xmax>50.4</xmax>
        			<xmin>10</xmin>
        			<ymin>20</ymin>
        			<ymax>40</ymax>
        		</bndbox>
        	</object>
        </annotation>
        """;

    private string WriteDevkitLayout(string annotation = DevkitAnnotation, string imageSet = "000005\n")
    {
        Directory.CreateDirectory(Path.Combine(Root, "Annotations"));
        Directory.CreateDirectory(Path.Combine(Root, "JPEGImages"));
        Directory.CreateDirectory(Path.Combine(Root, "ImageSets", "Main"));
        DataFixtures.WriteText(Path.Combine(Root, "Annotations", "000005.xml"), annotation);
        File.WriteAllBytes(Path.Combine(Root, "JPEGImages", "000005.jpg"), new byte[] { 1 });
        DataFixtures.WriteText(Path.Combine(Root, "ImageSets", "Main", "test.txt"), imageSet);
        return Path.Combine(Root, "Annotations", "000005.xml");
    }

    [Fact]
    public void Reads_a_devkit_annotation_with_difficult_and_truncated_flags()
    {
        WriteDevkitLayout();
        var image = Assert.Single(VocFormat.Load(Root, "test"));
        Assert.Equal("000005", image.Id);
        Assert.Equal(Path.Combine(Root, "JPEGImages", "000005.jpg"), image.ImagePath);
        Assert.Equal((500, 375), (image.Width, image.Height));
        Assert.Equal(3, image.Objects.Count);
        Assert.Equal(new VocObject("chair", 263, 211, 324, 339, Difficult: false, Truncated: false), image.Objects[0]);
        Assert.Equal(new VocObject("chair", 277, 186, 312, 220, Difficult: true, Truncated: true), image.Objects[1]);
        // missing flags are 0; elements in any order; a decimal coordinate rounds to the nearest pixel
        Assert.Equal(new VocObject("pottedplant", 10, 20, 50, 40, Difficult: false, Truncated: false), image.Objects[2]);
        Assert.Equal(62, image.Objects[0].Width);
        Assert.Equal(129, image.Objects[0].Height);
    }

    [Fact]
    public void Class_names_are_voc_s_twenty_for_voc_classes_else_first_seen()
    {
        WriteDevkitLayout();
        var voc = VocFormat.ClassNames(VocFormat.Load(Root, "test"));
        Assert.Equal(20, voc.Count);
        Assert.Equal("aeroplane", voc[0]);
        Assert.Equal("tvmonitor", voc[19]);

        var generated = new[]
        {
            VocFixtures.Image("a", VocFixtures.Box("digit-7", 1, 1, 5, 5), VocFixtures.Box("bag", 1, 1, 5, 5)),
            VocFixtures.Image("b", VocFixtures.Box("bag", 1, 1, 5, 5), VocFixtures.Box("trouser", 1, 1, 5, 5)),
        };
        Assert.Equal(new[] { "digit-7", "bag", "trouser" }, VocFormat.ClassNames(generated));
    }

    [Fact]
    public void Written_annotations_read_back_identically_and_have_the_devkit_shape()
    {
        var image = new VocImage("img-3", "img-3.png", 128, 96, new[]
        {
            new VocObject("bag", 3, 4, 40, 50, Difficult: false),
            new VocObject("digit-7", 60, 10, 77, 31, Difficult: true, Truncated: true),
        });
        VocFixtures.WriteLayout(Root, "trainval", new[] { image });
        var back = Assert.Single(VocFormat.Load(Root, "trainval"));
        Assert.Equal(Path.Combine(Root, "JPEGImages", "img-3.png"), back.ImagePath);
        Assert.Equal((128, 96), (back.Width, back.Height));
        Assert.Equal(image.Objects, back.Objects);

        string xml = File.ReadAllText(VocFormat.AnnotationPath(Root, "img-3"));
        Assert.StartsWith("<annotation>\n\t<folder>VOC2007</folder>\n\t<filename>img-3.png</filename>\n\t<size>\n\t\t<width>128</width>", xml);
        Assert.Contains("\t<object>\n\t\t<name>digit-7</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>1</truncated>\n\t\t<difficult>1</difficult>\n" +
            "\t\t<bndbox>\n\t\t\t<xmin>60</xmin>\n\t\t\t<ymin>10</ymin>\n\t\t\t<xmax>77</xmax>\n\t\t\t<ymax>31</ymax>\n\t\t</bndbox>\n\t</object>", xml);
        Assert.EndsWith("</annotation>\n", xml);
        Assert.DoesNotContain("\r", xml);
    }

    [Fact]
    public void Malformed_xml_names_file_and_line()
    {
        // <ymax> is never closed: the parser fails at the </bndbox> on line 9
        string path = WriteDevkitLayout("<annotation>\n<size><width>10</width><height>10</height></size>\n<object>\n<name>dog</name>\n<bndbox>\n<xmin>1</xmin>\n<ymin>1</ymin>\n<xmax>5</xmax><ymax>5\n</bndbox>\n</object>\n</annotation>\n");
        var e = Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test"));
        Assert.StartsWith($"{path}:9: malformed XML: ", e.Message);
        Assert.DoesNotContain("Line 9", e.Message);
    }

    [Theory]
    [InlineData("<xmin>abc</xmin>", 6, "<bndbox/xmin> is 'abc', expected a pixel coordinate")]
    [InlineData("<xmin>9</xmin>", 5, "object 'dog' has an empty box (xmin 9, ymin 1, xmax 5, ymax 5): expected xmin <= xmax and ymin <= ymax")]
    public void Bad_values_name_file_line_and_element(string xmin, int line, string message)
    {
        string path = WriteDevkitLayout($"<annotation>\n<size><width>10</width><height>10</height></size>\n<object>\n<name>dog</name>\n<bndbox>\n{xmin}\n<ymin>1</ymin>\n<xmax>5</xmax><ymax>5</ymax>\n</bndbox>\n</object>\n</annotation>\n");
        var e = Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test"));
        Assert.Equal($"{path}:{line}: {message}", e.Message);
    }

    [Fact]
    public void A_difficult_flag_other_than_0_or_1_is_an_error()
    {
        string path = WriteDevkitLayout("<annotation>\n<size><width>10</width><height>10</height></size>\n<object>\n<name>dog</name>\n<difficult>yes</difficult>\n</object>\n</annotation>\n");
        Assert.Equal($"{path}:5: <difficult> is 'yes', expected 0 or 1",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);
    }

    [Fact]
    public void Missing_size_and_wrong_root_element_are_errors_with_lines()
    {
        string path = WriteDevkitLayout("<annotation>\n<filename>x.jpg</filename>\n<size>\n<width>10</width>\n</size>\n</annotation>\n");
        Assert.Equal($"{path}:3: missing <size> with <width> and <height>",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);
        WriteDevkitLayout("<?xml version=\"1.0\"?>\n<picture/>\n");
        Assert.Equal($"{path}:2: expected the root element <annotation>, got <picture>",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);
    }

    [Fact]
    public void Missing_image_set_annotation_or_image_name_the_file()
    {
        WriteDevkitLayout();
        string set = Path.Combine(Root, "ImageSets", "Main", "val.txt");
        Assert.Equal($"missing VOC image set file {set}", Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "val")).Message);

        DataFixtures.WriteText(Path.Combine(Root, "ImageSets", "Main", "test.txt"), "000005\n000007\n");
        string annotation = Path.Combine(Root, "Annotations", "000007.xml");
        Assert.Equal($"missing VOC annotation file {annotation} for image '000007'",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);

        DataFixtures.WriteText(Path.Combine(Root, "ImageSets", "Main", "test.txt"), "000005\n");
        File.Delete(Path.Combine(Root, "JPEGImages", "000005.jpg"));
        var e = Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test"));
        Assert.StartsWith($"missing image file {Path.Combine(Root, "JPEGImages", "000005.jpg")} of image '000005'", e.Message);
        // the evaluator needs annotations only
        Assert.Single(VocFormat.LoadAnnotations(Path.Combine(Root, "Annotations"), Path.Combine(Root, "ImageSets", "Main", "test.txt")));
    }

    [Fact]
    public void Image_set_lines_are_checked()
    {
        string path = Path.Combine(Root, "ImageSets", "Main", "test.txt");
        WriteDevkitLayout(imageSet: "000005\n\n000005\n");
        Assert.Equal($"{path}:3: image id '000005' is listed twice (first on line 1)",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);
        WriteDevkitLayout(imageSet: "000005 0.7 x\n");
        Assert.Equal($"{path}:1: expected one image id per line, got '000005 0.7 x'",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);
        WriteDevkitLayout(imageSet: "\n  \n");
        Assert.Equal($"{path}: the image set lists no images",
            Assert.Throws<ReproInputException>(() => VocFormat.Load(Root, "test")).Message);
        // a class image set ("id flag") lists ids too
        WriteDevkitLayout(imageSet: "000005 -1\n");
        Assert.Single(VocFormat.Load(Root, "test"));
    }
}
