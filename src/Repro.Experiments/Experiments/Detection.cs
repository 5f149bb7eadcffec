using System.Diagnostics;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Repro.Experiments.Detection;

namespace Repro.Experiments.Experiments;

/// <summary>The <c>dataset:</c> section: a VOC2007 folder, or the generated VOC-layout data set.</summary>
public sealed class DetectionDatasetOptions
{
    /// <summary>A VOC2007 folder (VOCdevkit/VOC2007: Annotations, JPEGImages, ImageSets/Main); empty generates one.</summary>
    public string? Root { get; set; }

    public string TrainSet { get; set; } = "trainval";

    public string TestSet { get; set; } = "test";

    /// <summary>Use only the first this many images of each image set; empty for all.</summary>
    [AtLeast(1)]
    public int? TrainImages { get; set; }

    [AtLeast(1)]
    public int? TestImages { get; set; }

    /// <summary>The generated data set, used when <see cref="Root"/> is empty.</summary>
    public GeneratedVocOptions Generated { get; set; } = new();
}

/// <summary>The detector a detection run trains.</summary>
public enum DetectionMethod
{
    /// <summary>Girshick et al. 2014: a ConvNet per warped proposal, SVMs and box regressors on its features.</summary>
    Rcnn,

    /// <summary>Girshick 2015: RoI pooling of selective-search proposals over one feature map.</summary>
    [EnumMember(Value = DetectionExperiment.FastRcnn)]
    FastRcnn,

    /// <summary>Ren et al. 2015: a region proposal network shares the feature map.</summary>
    [EnumMember(Value = DetectionExperiment.FasterRcnn)]
    FasterRcnn,
}

public sealed class DetectionOptions
{
    public DetectionDatasetOptions Dataset { get; set; } = new();

    /// <summary>rcnn | fast-rcnn | faster-rcnn.</summary>
    public DetectionMethod Method { get; set; } = DetectionMethod.FasterRcnn;

    public BackboneOptions Backbone { get; set; } = new();

    public HeadOptions Head { get; set; } = new();

    /// <summary>Selective search, for R-CNN and Fast R-CNN.</summary>
    public SelectiveSearchOptions Proposals { get; set; } = new();

    public RcnnOptions Rcnn { get; set; } = new();

    public FastRcnnOptions FastRcnn { get; set; } = new();

    public FasterRcnnOptions FasterRcnn { get; set; } = new();

    public TestOptions Test { get; set; } = new();

    /// <summary>Test-set indices of the images drawn in the detection grid.</summary>
    [AtLeast(0)]
    public List<int> GridImages { get; set; } = [0, 1, 2];

    /// <summary>The grid draws detections scoring at least this (probability; for R-CNN's SVM margin, grid_svm_score).</summary>
    public double GridScore { get; set; } = 0.5;

    public double GridSvmScore { get; set; } = 0;
}

/// <summary>
/// R-CNN vs Fast R-CNN vs Faster R-CNN (Girshick et al. 2014; Girshick 2015; Ren et al. 2015): one run trains one
/// detector on the VOC-layout trainval set and measures VOC mAP at IoU 0.5 (11-point and area) on the test set,
/// and the test seconds per image with the region proposals included. The report puts the three methods beside
/// the paper's rows.
/// </summary>
public sealed class DetectionExperiment : Experiment<DetectionOptions>
{
    // The methods as the runs' configs write them, which is how the report reads them back.
    public const string Rcnn = "rcnn", FastRcnn = "fast-rcnn", FasterRcnn = "faster-rcnn";
    public static readonly string[] Methods = [Rcnn, FastRcnn, FasterRcnn];
    static readonly Dictionary<string, string> PaperName = new() { [Rcnn] = "R-CNN", [FastRcnn] = "Fast R-CNN", [FasterRcnn] = "Faster R-CNN" };

    public const string GridImagesFile = "grid_images.csv";

    public override string Name => "detection";

    public override string Description => "R-CNN vs Fast R-CNN vs Faster R-CNN: VOC mAP and test seconds per image with proposals";

    /// <summary>Per run: mAP, AP per class (by class name), timings and counts; per sweep, per method (rcnn, fast_rcnn, faster_rcnn).</summary>
    public override MeasureCatalog Measures { get; } = new(
    [
        "map_ap11", "map_area", "ap11_{name}", "ap_area_{name}", "classes", "detections", "test_images", "train_images",
        "test_proposals_per_image", "train_proposals_per_image", "proposal_seconds_per_image", "train_proposal_seconds",
        "test_seconds_per_image", "test_cpu_seconds_per_image", "train_seconds",
        .. Methods.Select(m => m.Replace('-', '_')).SelectMany(m => new[]
        {
            $"{m}_map_ap11", $"{m}_map_area", $"{m}_test_seconds_per_image", $"{m}_map_vs_rcnn_points", $"{m}_cpu_speedup", $"{m}_wall_speedup",
        }),
    ]);

    /// <summary>A class name as it appears in metric names: lower case, anything but letters and digits as '_'.</summary>
    public static string MetricKey(string className) =>
        new(className.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    static void Validate(DetectionOptions o)
    {
        if (o.Dataset.TrainImages is < 1) throw new ReproInputException($"options.dataset.train_images: {o.Dataset.TrainImages} must be at least 1");
        if (o.Dataset.TestImages is < 1) throw new ReproInputException($"options.dataset.test_images: {o.Dataset.TestImages} must be at least 1");
        if (o.Head.PoolSize < 1 || o.Head.HiddenUnits < 1) throw new ReproInputException("options.head: pool_size and hidden_units must be at least 1");
        if (o.Test.MaxPerImage < 1) throw new ReproInputException("options.test.max_per_image must be at least 1");
        switch (o.Method)
        {
            case DetectionMethod.Rcnn: o.Rcnn.Validate(); break;
            case DetectionMethod.FastRcnn: o.FastRcnn.Validate(); break;
            default: o.FasterRcnn.Validate(); break;
        }
    }

    /// <summary>The cache folder shared by the runs of this experiment: results/detection/cache.</summary>
    static string CacheDirectory(RunContext context) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(context.RunDirectory))!, "cache");

    public override RunResult Run(DetectionOptions options, RunContext context)
    {
        Validate(options);
        var device = ClassifierRun.DeviceOf(context);
        string cache = CacheDirectory(context);
        string root;
        if (string.IsNullOrWhiteSpace(options.Dataset.Root))
        {
            var watch = Stopwatch.StartNew();
            string generated = Path.Combine(cache, "generated");
            // The three methods' runs share one generated set; with --jobs they start together, and one of them
            // writes it while the others wait.
            using (CacheLock(generated, context.Cancel))
                root = GeneratedVoc.Generate(options.Dataset.Generated, generated, context.DataRoot);
            context.Log.Information("generated VOC-layout data set in {Root} ({Seconds:F1} s)", root, watch.Elapsed.TotalSeconds);
        }
        else
        {
            root = Path.GetFullPath(options.Dataset.Root);
            if (!Directory.Exists(root)) throw new ReproInputException($"options.dataset.root: {options.Dataset.Root}: folder not found");
        }
        var trainImages = Take(VocFormat.Load(root, options.Dataset.TrainSet), options.Dataset.TrainImages);
        var testImages = Take(VocFormat.Load(root, options.Dataset.TestSet), options.Dataset.TestImages);
        foreach (var i in options.GridImages)
            if (i < 0 || i >= testImages.Count) throw new ReproInputException($"options.grid_images: index {i} is outside the test set (0..{testImages.Count - 1})");
        var classes = VocFormat.ClassNames(trainImages.Concat(testImages).ToList());
        var train = trainImages.Select(v => Sample(v, classes)).ToList();
        context.Log.Information("{Method}: {Train} training and {Test} test images, {Classes} classes", OptionsBinder.ConfigName(options.Method), train.Count, testImages.Count, classes.Count);

        var detectorContext = new DetectorContext { Device = device, Seed = context.Seed, Metrics = context.Metrics, Log = context.Log, Cancel = context.Cancel, Progress = context.Progress };
        var summary = new List<(string, double)>();
        Func<Tensor, ImageDetections> detect;
        IDisposable detector;
        double trainSeconds, trainProposalSeconds = 0;
        if (options.Method is DetectionMethod.Rcnn or DetectionMethod.FastRcnn)
        {
            // Selective search of the training images, kept on disk by image and options, so the two methods
            // (and reruns) share it; its time is reported on its own, not as training time.
            var proposals = new ProposalCache(Path.Combine(cache, "proposals", RootKey(root)), options.Proposals);
            var boxes = new Dictionary<string, Tensor>();
            var watch = Stopwatch.StartNew();
            var found = proposals.GetAll(train.Zip(trainImages).Select(p => new ProposalCache.Entry(p.First.Id, p.Second.ImagePath, p.First.Pixels)).ToList(), context.Cancel);
            foreach (var (sample, b) in train.Zip(found)) boxes[sample.Id] = b.DetachFromDisposeScope();
            trainProposalSeconds = watch.Elapsed.TotalSeconds;
            context.Log.Information("selective search: {Misses} of {Images} training images searched here ({Elsewhere} by a run beside it), {Seconds:F1} s",
                proposals.Misses, train.Count, proposals.SearchedElsewhere, proposals.SearchSeconds);
            summary.Add(("train_proposals_per_image", boxes.Values.Average(b => (double)b.size(0))));
            Tensor Lookup(DetectionSample s) => boxes[s.Id].alias();
            watch.Restart();
            try
            {
                if (options.Method == DetectionMethod.Rcnn)
                {
                    var d = new RcnnDetector(options.Backbone, options.Head, options.Rcnn, options.Proposals, options.Test, classes.Count, device);
                    detector = d;
                    d.Train(train, Lookup, detectorContext);
                    detect = d.Detect;
                }
                else
                {
                    var d = new FastRcnnDetector(options.Backbone, options.Head, options.FastRcnn, options.Proposals, options.Test, classes.Count, device);
                    detector = d;
                    d.Train(train, Lookup, detectorContext);
                    detect = d.Detect;
                }
            }
            finally
            {
                foreach (var b in boxes.Values) b.Dispose();
            }
            trainSeconds = watch.Elapsed.TotalSeconds;
        }
        else
        {
            var watch = Stopwatch.StartNew();
            var d = new FasterRcnnDetector(options.Backbone, options.Head, options.FasterRcnn, options.Test, classes.Count, device);
            detector = d;
            d.Train(train, detectorContext);
            detect = d.Detect;
            trainSeconds = watch.Elapsed.TotalSeconds;
        }
        using (detector)
        {
            context.Log.Information("trained in {Seconds:F1} s", trainSeconds);
            summary.Add(("train_seconds", trainSeconds));
            summary.Add(("train_proposal_seconds", trainProposalSeconds));
            summary.AddRange(Test(options, context, detect, testImages, classes));
        }
        summary.Add(("train_images", train.Count));
        summary.Add(("test_images", testImages.Count));
        summary.Add(("classes", classes.Count));
        return RunResult.Of(summary.ToArray());
    }

    /// <summary>An exclusive lock file in <paramref name="directory"/>, held by one process at a time.</summary>
    static FileStream CacheLock(string directory, CancellationToken cancel)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, ".lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                cancel.ThrowIfCancellationRequested();
                Thread.Sleep(200);
            }
        }
    }

    static List<VocImage> Take(IReadOnlyList<VocImage> images, int? count) => count is { } n ? images.Take(n).ToList() : images.ToList();

    static string RootKey(string root) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(root))).ToLowerInvariant()[..12];

    /// <summary>Detector input: the image, and its non-difficult objects in 0-based pixel coordinates.</summary>
    static DetectionSample Sample(VocImage image, IReadOnlyList<string> classes)
    {
        var objects = image.Objects.Where(o => !o.Difficult).ToList();
        var boxes = objects.SelectMany(o => new float[] { o.X1 - 1, o.Y1 - 1, o.X2 - 1, o.Y2 - 1 }).ToArray();
        var labels = objects.Select(o =>
        {
            int c = IndexOf(classes, o.ClassName);
            if (c < 0) throw new ReproInputException($"{image.Id}: object class '{o.ClassName}' is not among the classes ({string.Join(", ", classes)})");
            return c + 1;
        }).ToArray();
        return new DetectionSample(image.Id, image.Width, image.Height, boxes, labels, () => ReadRgb(image.ImagePath));
    }

    static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] == value) return i;
        return -1;
    }

    static Tensor ReadRgb(string path)
    {
        Tensor image;
        try
        {
            image = ImageFiles.Read(path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or System.Runtime.InteropServices.ExternalException)
        {
            throw new ReproInputException($"{path}: cannot read the image ({e.Message.Split('\n')[0]})");
        }
        if (image.size(0) == 3) return image;
        using (image) return image.expand(3, image.size(1), image.size(2)).contiguous();
    }

    /// <summary>Detects on every test image (timed per image, proposals included), evaluates, and logs curves and the grid.</summary>
    static IEnumerable<(string, double)> Test(DetectionOptions options, RunContext context, Func<Tensor, ImageDetections> detect,
        List<VocImage> testImages, IReadOnlyList<string> classes)
    {
        var byClass = classes.ToDictionary(c => c, _ => new List<Metrics.Detection>());
        double seconds = 0, cpuSeconds = 0, proposalSeconds = 0, proposals = 0;
        // CPU seconds beside wall seconds: on a shared machine the wall time of one method's run depends on what
        // else was running then, its CPU time much less.
        using var process = Process.GetCurrentProcess();
        var grid = new Dictionary<int, IReadOnlyList<DetectedBox>>();
        // One untimed image first: the first forward pass of a process pays for oneDNN's kernel set-up.
        using (var warm = ReadRgb(testImages[0].ImagePath)) detect(warm);
        for (int i = 0; i < testImages.Count; i++)
        {
            context.Cancel.ThrowIfCancellationRequested();
            var image = testImages[i];
            using var pixels = ReadRgb(image.ImagePath);
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var result = detect(pixels);
            double elapsed = watch.Elapsed.TotalSeconds;
            process.Refresh();
            cpuSeconds += (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            seconds += elapsed;
            proposalSeconds += result.ProposalSeconds;
            proposals += result.Proposals;
            context.Metrics.Log(i, "test_image", "seconds", elapsed);
            foreach (var d in result.Boxes)
                byClass[classes[d.Label - 1]].Add(new Metrics.Detection(image.Id, d.Score, d.X1 + 1, d.Y1 + 1, d.X2 + 1, d.Y2 + 1));
            if (options.GridImages.Contains(i)) grid[i] = result.Boxes;
        }
        var detections = byClass.ToDictionary(p => p.Key, p => (IReadOnlyList<Metrics.Detection>)p.Value);
        var (perClass, mapAp11, mapArea) = VocEvaluation.Evaluate(testImages, classes, detections);
        VocDetectionFiles.Write(Path.Combine(context.RunDirectory, "detections"), options.Dataset.TestSet, detections);

        int n = testImages.Count;
        var measured = new List<(string, double)>
        {
            ("map_ap11", mapAp11), ("map_area", mapArea),
            ("test_seconds_per_image", seconds / n), ("test_cpu_seconds_per_image", cpuSeconds / n), ("proposal_seconds_per_image", proposalSeconds / n),
            ("test_proposals_per_image", proposals / n), ("detections", detections.Values.Sum(d => d.Count)),
        };
        foreach (var ap in perClass)
        {
            string key = MetricKey(ap.ClassName);
            measured.Add(($"ap11_{key}", ap.Ap11));
            measured.Add(($"ap_area_{key}", ap.ApArea));
            context.Metrics.Log(0, $"ap:{ap.ClassName}", "positives", ap.Positives);
            // The precision-recall curve at each true positive (where recall rises) and at the last detection.
            for (int k = 0; k < ap.Recall.Length; k++)
            {
                bool rises = k == 0 ? ap.Recall[0] > 0 : ap.Recall[k] > ap.Recall[k - 1];
                if (!rises && k != ap.Recall.Length - 1) continue;
                context.Metrics.Log(k, $"pr:{ap.ClassName}", "recall", ap.Recall[k]);
                context.Metrics.Log(k, $"pr:{ap.ClassName}", "precision", ap.Precision[k]);
            }
        }
        context.Log.Information("{Method}: mAP {Map11:P1} (11-point), {MapArea:P1} (area); {Seconds:F3} s per test image", OptionsBinder.ConfigName(options.Method), mapAp11, mapArea, seconds / n);
        WriteGrid(options, context, testImages, classes, grid);
        return measured;
    }

    /// <summary>Grid images as CSV pixels (for the report's figure) and their confident detections and ground truth as metrics.</summary>
    static void WriteGrid(DetectionOptions options, RunContext context, List<VocImage> testImages, IReadOnlyList<string> classes, Dictionary<int, IReadOnlyList<DetectedBox>> grid)
    {
        var rows = new List<IReadOnlyList<string>>();
        double threshold = options.Method == DetectionMethod.Rcnn ? options.GridSvmScore : options.GridScore;
        foreach (var (index, boxes) in grid.OrderBy(g => g.Key))
        {
            var image = testImages[index];
            using (var pixels = ReadRgb(image.ImagePath))
            {
                var v = pixels.contiguous().data<byte>().ToArray();
                int h = (int)pixels.size(1), w = (int)pixels.size(2);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int rgb = (v[y * w + x] << 16) | (v[(h + y) * w + x] << 8) | v[(2 * h + y) * w + x];
                        rows.Add([image.Id, x.ToString(CultureInfo.InvariantCulture), y.ToString(CultureInfo.InvariantCulture), rgb.ToString(CultureInfo.InvariantCulture)]);
                    }
            }
            string split = $"grid:{image.Id}";
            int k = 0;
            foreach (var d in boxes.Where(b => b.Score >= threshold))
            {
                context.Metrics.Log(k, split, "label", d.Label - 1);
                context.Metrics.Log(k, split, "score", d.Score);
                context.Metrics.Log(k, split, "x1", d.X1 + 1);
                context.Metrics.Log(k, split, "y1", d.Y1 + 1);
                context.Metrics.Log(k, split, "x2", d.X2 + 1);
                context.Metrics.Log(k, split, "y2", d.Y2 + 1);
                k++;
            }
            k = 0;
            foreach (var o in image.Objects)
            {
                context.Metrics.Log(k, $"grid_truth:{image.Id}", "label", IndexOf(classes, o.ClassName));
                context.Metrics.Log(k, $"grid_truth:{image.Id}", "x1", o.X1);
                context.Metrics.Log(k, $"grid_truth:{image.Id}", "y1", o.Y1);
                context.Metrics.Log(k, $"grid_truth:{image.Id}", "x2", o.X2);
                context.Metrics.Log(k, $"grid_truth:{image.Id}", "y2", o.Y2);
                context.Metrics.Log(k, $"grid_truth:{image.Id}", "difficult", o.Difficult ? 1 : 0);
                k++;
            }
        }
        AtomicFile.WriteAllText(Path.Combine(context.RunDirectory, GridImagesFile), CsvFiles.Write(["image", "x", "y", "rgb"], rows));
        AtomicFile.WriteAllText(Path.Combine(context.RunDirectory, "classes.txt"), string.Join("\n", classes) + "\n");
    }

    static readonly string[] Palette = ["#e41a1c", "#377eb8", "#4daf4a", "#ff7f00", "#984ea3", "#a65628", "#f781bf", "#ffff33", "#17becf", "#999999"];

    static int Colour(int classIndex) => int.Parse(Palette[classIndex % Palette.Length].AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.ToList();
        if (runs.Count == 0) return;
        var byMethod = Methods.Select(m => (method: m, runs: runs.Where(r => OptionsBinder.ConfigName(r.Options<DetectionOptions>().Method) == m).ToList()))
            .Where(g => g.runs.Count > 0).ToList();
        static double Mean(List<RunRecord> group, string metric) => RunStatistics.Mean(group, metric);

        var reference = context.ReferenceTable("detection_voc2007.csv");
        var paper = new Dictionary<string, (string map, string seconds, string speedup)>();
        for (int i = 0; i < reference.Rows.Count; i++)
        {
            string name = reference.Text(i, "method");
            if (!paper.ContainsKey(name))
                paper[name] = (reference.Text(i, "map_voc2007"), reference.Text(i, "test_seconds_per_image_with_proposals"), reference.Text(i, "speedup"));
        }

        var rcnnRuns = byMethod.FirstOrDefault(g => g.method == Rcnn).runs;
        double rcnnSeconds = rcnnRuns is null ? double.NaN : Mean(rcnnRuns, "test_seconds_per_image");
        double rcnnMap = rcnnRuns is null ? double.NaN : Mean(rcnnRuns, "map_ap11");
        double rcnnCpuSeconds = rcnnRuns is null ? double.NaN : Mean(rcnnRuns, "test_cpu_seconds_per_image");
        var table = new ResultTable("detection", "R-CNN vs Fast R-CNN vs Faster R-CNN: VOC mAP at IoU 0.5 and test time per image with proposals (paper: VOC 2007 test, VGG-16)",
            ResultColumn.Text("method"), ResultColumn.Integer("runs"),
            ResultColumn.Percent("map_ap11", "mAP, VOC07 11-point (%)", 1), ResultColumn.Percent("map_area", "mAP, area (%)", 1),
            ResultColumn.Number("test_seconds", "test s/image (with proposals)", 4), ResultColumn.Number("test_cpu_seconds", "test CPU s/image", 4),
            ResultColumn.Number("proposal_seconds", "of which proposals (s)", 4),
            ResultColumn.Number("proposals", "proposals/image", 0), ResultColumn.Number("speedup", "speed-up vs R-CNN (CPU s)", 1),
            ResultColumn.Number("wall_speedup", "speed-up vs R-CNN (wall s)", 1),
            ResultColumn.Number("train_seconds", "train s (with training proposals)", 1),
            ResultColumn.Text("paper_map", "paper mAP (%)"), ResultColumn.Text("paper_seconds", "paper s/image"), ResultColumn.Text("paper_speedup", "paper speed-up"));
        foreach (var (method, group) in byMethod)
        {
            double seconds = Mean(group, "test_seconds_per_image");
            var p = paper.TryGetValue(PaperName[method], out var row) ? row : ("", "", "");
            table.AddRow(PaperName[method], group.Count, Mean(group, "map_ap11"), Mean(group, "map_area"), seconds, Mean(group, "test_cpu_seconds_per_image"),
                Mean(group, "proposal_seconds_per_image"),
                Mean(group, "test_proposals_per_image"), rcnnCpuSeconds / Mean(group, "test_cpu_seconds_per_image"), rcnnSeconds / seconds, Mean(group, "train_seconds") + Mean(group, "train_proposal_seconds"),
                p.Item1, p.Item2, p.Item3);
            string key = method.Replace('-', '_');
            context.AddMeasure($"{key}_map_ap11", Mean(group, "map_ap11"));
            context.AddMeasure($"{key}_map_area", Mean(group, "map_area"));
            context.AddMeasure($"{key}_test_seconds_per_image", seconds);
            if (method != Rcnn)
            {
                context.AddMeasure($"{key}_map_vs_rcnn_points", 100 * (Mean(group, "map_ap11") - rcnnMap));
                context.AddMeasure($"{key}_cpu_speedup", rcnnCpuSeconds / Mean(group, "test_cpu_seconds_per_image"));
                context.AddMeasure($"{key}_wall_speedup", rcnnSeconds / seconds);
            }
        }
        context.AddTable(table);

        var classes = ReadClasses(runs[0]);
        if (classes.Count > 0)
        {
            var columns = new List<ResultColumn> { ResultColumn.Text("class"), ResultColumn.Integer("positives", "test objects") };
            columns.AddRange(byMethod.Select(g => ResultColumn.Percent($"ap11_{g.method.Replace('-', '_')}", $"{PaperName[g.method]} AP (%)", 1)));
            var perClass = new ResultTable("per_class_ap", "Per-class average precision (VOC07 11-point) on the test set", columns);
            var positives = runs[0].ReadMetrics().Where(m => m.Split.StartsWith("ap:", StringComparison.Ordinal) && m.Metric == "positives")
                .ToDictionary(m => m.Split[3..], m => m.Value);
            foreach (var c in classes)
            {
                var cells = new List<ResultCell> { c, ResultCell.Of(positives.TryGetValue(c, out var n) ? n : null) };
                cells.AddRange(byMethod.Select(g => ResultCell.Of(Mean(g.runs, $"ap11_{MetricKey(c)}"))));
                perClass.AddRow(cells.ToArray());
            }
            context.AddTable(perClass);
            AddPrCurves(context, byMethod.Select(g => (g.method, g.runs[0])).ToList(), classes);
            AddDetectionGrid(context, byMethod.Select(g => (g.method, g.runs[0])).ToList(), classes);
        }
    }

    static List<string> ReadClasses(RunRecord run)
    {
        string path = Path.Combine(run.RunDirectory, "classes.txt");
        return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToList() : [];
    }

    static void AddPrCurves(ReportContext context, List<(string method, RunRecord run)> runs, List<string> classes)
    {
        var data = new ResultTable("pr_curves", "Precision-recall curves on the test set",
            ResultColumn.Text("curve"), ResultColumn.Text("method"), ResultColumn.Text("class"), ResultColumn.Number("recall"), ResultColumn.Number("precision"));
        foreach (var (method, run) in runs)
        {
            var points = run.ReadMetrics().Where(m => m.Split.StartsWith("pr:", StringComparison.Ordinal))
                .GroupBy(m => (m.Split, m.Step)).Select(g => (cls: g.Key.Split[3..], step: g.Key.Step,
                    recall: g.First(m => m.Metric == "recall").Value, precision: g.First(m => m.Metric == "precision").Value));
            foreach (var p in points.OrderBy(p => classes.IndexOf(p.cls)).ThenBy(p => p.step))
                data.AddRow($"{method}|{p.cls}", PaperName[method], p.cls, p.recall, p.precision);
        }
        if (data.Rows.Count == 0) return;
        var panels = classes.Select(c => new PlotPanel
        {
            // Recall from 0, so a curve that only starts at its first true positive shows where that is; the key
            // in the bottom left, below the curves, which stay high at low recall.
            Title = c, XLabel = "recall", YLabel = "precision", XMin = 0, XMax = 1, YMin = 0, YMax = 1.02, KeyPosition = "bottom left",
            Series = runs.Select(r => new FigureSeries(PaperName[r.method], "recall", "precision") { Style = SeriesStyle.Lines }.Where("curve", $"{r.method}|{c}")).ToList(),
        }).ToList();
        int cols = Math.Min(3, panels.Count), rows = (panels.Count + cols - 1) / cols;
        context.AddFigure(FigureSpec.Grid("pr_curves", "Precision-recall per class (IoU > 0.5)", data, rows, cols, panels));
    }

    static void AddDetectionGrid(ReportContext context, List<(string method, RunRecord run)> runs, List<string> classes)
    {
        string pixelsFile = Path.Combine(runs[0].run.RunDirectory, GridImagesFile);
        if (!File.Exists(pixelsFile)) return;
        var csv = CsvFiles.Read(pixelsFile);
        var images = new Dictionary<string, int[,]>();
        foreach (var group in csv.Records.GroupBy(r => r[0]))
        {
            var pixels = group.Select(r => (x: (int)csv.Integer(r, 1), y: (int)csv.Integer(r, 2), rgb: (int)csv.Integer(r, 3))).ToList();
            var picture = new int[pixels.Max(p => p.y) + 1, pixels.Max(p => p.x) + 1];
            foreach (var p in pixels) picture[p.y, p.x] = p.rgb;
            images[group.Key] = picture;
        }
        string ClassName(double label) => (int)label >= 0 && (int)label < classes.Count ? classes[(int)label] : $"class {(int)label}";
        static IEnumerable<Dictionary<string, double>> Boxes(IReadOnlyList<MetricRow> metrics, string split) =>
            metrics.Where(m => m.Split == split).GroupBy(m => m.Step).OrderBy(g => g.Key).Select(g => g.ToDictionary(m => m.Metric, m => m.Value));
        var metricsByRun = runs.Select(r => r.run.ReadMetrics()).ToList();
        var panels = new List<ImagePanel>();
        foreach (var id in images.Keys)
        {
            var truth = Boxes(metricsByRun[0], $"grid_truth:{id}").Select(b => new ImageBox(b["x1"], b["y1"], b["x2"], b["y2"],
                ClassName(b["label"]) + (b.GetValueOrDefault("difficult") > 0 ? " (difficult)" : ""), Colour((int)b["label"]))).ToList();
            panels.Add(new ImagePanel($"{id}: ground truth", id, truth));
            for (int m = 0; m < runs.Count; m++)
            {
                var found = Boxes(metricsByRun[m], $"grid:{id}").Select(b => new ImageBox(b["x1"], b["y1"], b["x2"], b["y2"],
                    $"{ClassName(b["label"])} {b["score"].ToString("0.00", CultureInfo.InvariantCulture)}", Colour((int)b["label"]))).ToList();
                panels.Add(new ImagePanel($"{id}: {PaperName[runs[m].method]}", id, found));
            }
        }
        if (panels.Count == 0) return;
        context.AddFigure(FigureSpec.Images("detections", "Detections on test images (R-CNN: SVM score >= threshold; others: probability >= threshold)",
            images.Count, runs.Count + 1, images, panels));
    }
}
