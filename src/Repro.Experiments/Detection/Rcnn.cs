using System.Diagnostics;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Detection;

/// <summary>The <c>rcnn:</c> section (Girshick et al. 2014).</summary>
public sealed class RcnnOptions : ICheckedOptions
{
    /// <summary>Side of the warped crop in pixels (227 in the paper, for AlexNet).</summary>
    [AtLeast(4)]
    public int WarpSize { get; set; } = 32;

    /// <summary>Context pixels around the proposal in the warped crop (16 of 227 in the paper).</summary>
    [AtLeast(0)]
    public int ContextPadding { get; set; } = 2;

    /// <summary>Fine-tuning: images_per_batch images x regions_per_image warped regions a step (paper: 128 = 32 + 96).</summary>
    public DetectorTrainOptions Finetune { get; set; } = new() { Epochs = 4, ImagesPerBatch = 4 };

    [AtLeast(1)]
    public int RegionsPerImage { get; set; } = 32;

    /// <summary>Share of foreground regions in a fine-tuning batch (1:3 with background).</summary>
    [Between(0, 1)]
    public double ForegroundFraction { get; set; } = 0.25;

    /// <summary>Fine-tuning labels: IoU >= this with a ground-truth box takes its class, else background.</summary>
    [Between(0, 1)]
    public double ForegroundIou { get; set; } = 0.5;

    /// <summary>SVM negatives: proposals with IoU below this with every instance of the class.</summary>
    [Between(0, 1)]
    public double SvmNegativeIou { get; set; } = 0.3;

    [AtLeast(0)]
    public double SvmLambda { get; set; } = 1e-3;

    [Positive]
    public double SvmPositiveWeight { get; set; } = 2;

    [AtLeast(1)]
    public int SvmIterations { get; set; } = 300;

    [Positive]
    public double SvmLearningRate { get; set; } = 0.01;

    /// <summary>Negatives in the first round of each class's SVM; later rounds add the hard ones.</summary>
    [AtLeast(1)]
    public int InitialNegatives { get; set; } = 2000;

    /// <summary>Rounds of hard-negative mining after the first SVM: add negatives scoring above -1 (inside the margin).</summary>
    [AtLeast(0)]
    public int HardNegativeRounds { get; set; } = 2;

    /// <summary>At most this many negatives per class SVM.</summary>
    [AtLeast(1)]
    public int MaxNegatives { get; set; } = 20000;

    /// <summary>Features are scaled so that their mean L2 norm is this (20 in the R-CNN code).</summary>
    [Positive]
    public double FeatureNorm { get; set; } = 20;

    /// <summary>Bounding-box regression trains on proposals with IoU >= this with a ground-truth box (0.6 in the paper).</summary>
    [Between(0, 1)]
    public double RegressionIou { get; set; } = 0.6;

    /// <summary>Ridge penalty of the box regressors (1000 in the paper, on pool5 features).</summary>
    [AtLeast(0)]
    public double RegressionLambda { get; set; } = 1000;

    /// <summary>SVM and regressor training use at most this many proposals per training image (a seeded choice;
    /// every ground-truth box is always kept); empty for all. Test time always warps every proposal.</summary>
    [AtLeast(1)]
    public int? TrainProposals { get; set; }

    /// <summary>Warped regions per forward pass at feature extraction and test time.</summary>
    [AtLeast(1)]
    public int BatchSize { get; set; } = 256;

    public IEnumerable<OptionProblem> Problems()
    {
        if (WarpSize >= 4 && 2 * ContextPadding >= WarpSize)
            yield return new(nameof(ContextPadding), $"must be at most {(WarpSize - 1) / 2} for warp_size {WarpSize}, got {ContextPadding}");
    }

    public void Validate() => OptionChecks.ThrowIfInvalid(this, "options.rcnn");
}

/// <summary>The R-CNN network: the shared trunk on a warped crop, fc6, fc7 and a softmax over background + classes.</summary>
public sealed class RcnnNetwork : torch.nn.Module<Tensor, Tensor>
{
    readonly long poolSize;

    public RcnnNetwork(BackboneOptions backbone, HeadOptions head, int warpSize, int classes) : base("RcnnNetwork")
    {
        register_module("backbone", Backbone = new ConvBackbone(backbone));
        int cells = warpSize / Backbone.Stride;
        if (cells < head.PoolSize)
            throw new ReproInputException($"options.rcnn.warp_size: {warpSize} gives {cells} feature cells at the backbone's stride {Backbone.Stride}, fewer than head.pool_size {head.PoolSize}");
        poolSize = head.PoolSize;
        register_module("head", Head = new RegionHead(Backbone.OutChannels * poolSize * poolSize, head, classes, boxRegression: false));
    }

    /// <summary>The trunk's output max-pooled to pool_size x pool_size cells (AlexNet's pool5), flattened.</summary>
    Tensor Pool5(Tensor crops)
    {
        using var scope = torch.NewDisposeScope();
        var features = Backbone.forward(crops);
        if (features.size(2) != poolSize || features.size(3) != poolSize)
            features = F.adaptive_max_pool2d(features, [poolSize, poolSize]);
        return scope.MoveToOuter(features.flatten(1));
    }

    public ConvBackbone Backbone { get; }

    public RegionHead Head { get; }

    /// <summary>pool5 (the trunk's output, flattened) and fc7 features of warped crops.</summary>
    public (Tensor pool5, Tensor fc7) Features(Tensor crops)
    {
        using var scope = torch.NewDisposeScope();
        var pool5 = Pool5(crops);
        var fc7 = Head.Features(pool5);
        return (scope.MoveToOuter(pool5), scope.MoveToOuter(fc7));
    }

    public override Tensor forward(Tensor crops) => Head.forward(Pool5(crops));
}

/// <summary>
/// R-CNN (Girshick et al. 2014): selective-search proposals, each warped to a fixed size and passed through the
/// ConvNet on its own; the net is fine-tuned as a (classes + 1)-way classifier on warped proposals, then one
/// linear SVM per class is trained on fc7 features with hard-negative mining and one ridge regressor per class
/// refines boxes from pool5 features. At test time every proposal is warped and forwarded.
/// </summary>
public sealed class RcnnDetector : IDisposable
{
    readonly RcnnOptions options;
    readonly SelectiveSearchOptions search;
    readonly TestOptions test;
    readonly Device device;
    LinearScorer[] svms = [];
    Tensor?[] regressors = [];
    double featureScale = 1;

    public RcnnDetector(BackboneOptions backbone, HeadOptions head, RcnnOptions options, SelectiveSearchOptions search, TestOptions test, int classes, Device device)
    {
        this.options = options;
        this.search = search;
        this.test = test;
        this.device = device;
        Classes = classes;
        Network = new RcnnNetwork(backbone, head, options.WarpSize, classes);
        Network.to(device);
    }

    public RcnnNetwork Network { get; }

    public int Classes { get; }

    /// <summary>Proposals plus ground truth of one training image, labelled by overlap.</summary>
    sealed record TrainRegions(Tensor Boxes, Overlaps Overlaps);

    static TrainRegions Regions(DetectionSample sample, Tensor proposals)
    {
        using var scope = torch.NewDisposeScope();
        var gt = sample.BoxTensor();
        var boxes = torch.cat([gt, proposals], 0).contiguous();
        var overlaps = Overlaps.Of(boxes, gt);
        return new TrainRegions(scope.MoveToOuter(boxes).DetachFromDisposeScope(), overlaps);
    }

    public void Train(IReadOnlyList<DetectionSample> images, Func<DetectionSample, Tensor> proposals, DetectorContext context)
    {
        var regions = images.Select(s => { using var p = proposals(s); return Regions(s, p); }).ToList();
        try
        {
            Finetune(images, regions, context);
            context.Cancel.ThrowIfCancellationRequested();
            TrainSvmsAndRegressors(images, regions, context);
        }
        finally
        {
            foreach (var r in regions) r.Boxes.Dispose();
        }
    }

    /// <summary>The ground-truth rows (first) and a seeded choice of at most <paramref name="cap"/> proposals.</summary>
    static TrainRegions Subset(TrainRegions r, int groundTruth, int cap, SeededRandom random)
    {
        int proposals = (int)r.Boxes.size(0) - groundTruth;
        if (proposals <= cap) return r with { Boxes = r.Boxes.alias().DetachFromDisposeScope() };
        var chosen = random.Permutation(proposals).Take(cap).Order().Select(p => p + groundTruth);
        var rows = Enumerable.Range(0, groundTruth).Concat(chosen).ToArray();
        using var index = torch.tensor(rows.Select(k => (long)k).ToArray());
        return new TrainRegions(r.Boxes.index_select(0, index).DetachFromDisposeScope(),
            new Overlaps(rows.Select(k => r.Overlaps.MaxIou[k]).ToArray(), rows.Select(k => r.Overlaps.GroundTruth[k]).ToArray()));
    }

    void Finetune(IReadOnlyList<DetectionSample> images, List<TrainRegions> regions, DetectorContext context)
    {
        var o = options.Finetune;
        var sampler = new RegionSampler(options.ForegroundIou, 0, options.ForegroundIou, options.ForegroundFraction);
        using var optimizer = torch.optim.Adam(Network.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        Network.train();
        long step = 0;
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            optimizer.SetLearningRate(o.RateAt(epoch));
            var random = new SeededRandom(context.Seed, "rcnn-regions", epoch);
            foreach (var batch in context.Batches("rcnn-images", epoch, images.Count, o.ImagesPerBatch))
            {
                context.Cancel.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var crops = new List<Tensor>();
                var labels = new List<long>();
                foreach (var i in batch)
                {
                    var (picked, picklabels) = sampler.Sample(regions[i].Overlaps, images[i].Labels, options.RegionsPerImage, random);
                    if (picked.Length == 0) continue;
                    var boxes = regions[i].Boxes.index_select(0, torch.tensor(picked.Select(p => (long)p).ToArray()));
                    crops.Add(Warping.Warp(images[i].Input(device), boxes.to(device), torch.zeros([picked.Length], device: device), options.WarpSize, options.ContextPadding));
                    labels.AddRange(picklabels.Select(l => (long)l));
                }
                if (crops.Count == 0) continue;
                optimizer.ClearGradients();
                var logits = Network.forward(torch.cat(crops, 0));
                var loss = F.cross_entropy(logits, torch.tensor(labels.ToArray()).to(device));
                loss.backward();
                optimizer.step();
                step++;
                context.CheckAndLog(step, epoch, o.LogEvery, ("rcnn_finetune_loss", loss));
            }
            context.Progress?.Report(new Running.EpochProgress(epoch + 1, o.Epochs, "R-CNN fine-tuning"));
        }
        Network.eval();
    }

    /// <summary>pool5 and fc7 features of pixel boxes of one image, in batches of warped crops.</summary>
    (Tensor pool5, Tensor fc7) Extract(Tensor input, Tensor boxes)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var pool5 = new List<Tensor>();
        var fc7 = new List<Tensor>();
        long n = boxes.size(0);
        for (long start = 0; start < n; start += options.BatchSize)
        {
            long count = Math.Min(options.BatchSize, n - start);
            var crops = Warping.Warp(input, boxes.narrow(0, start, count).to(device), torch.zeros([count], device: device), options.WarpSize, options.ContextPadding);
            var (p, f) = Network.Features(crops);
            pool5.Add(p);
            fc7.Add(f);
        }
        if (n == 0)
            return (scope.MoveToOuter(torch.zeros([0, 1], device: device)), scope.MoveToOuter(torch.zeros([0, 1], device: device)));
        return (scope.MoveToOuter(torch.cat(pool5, 0)), scope.MoveToOuter(torch.cat(fc7, 0)));
    }

    void TrainSvmsAndRegressors(IReadOnlyList<DetectionSample> images, List<TrainRegions> regions, DetectorContext context)
    {
        var subsets = options.TrainProposals is { } cap
            ? regions.Select((r, i) => Subset(r, images[i].Count, cap, new SeededRandom(context.Seed, "rcnn-svm-proposals", i))).ToList()
            : null;
        try
        {
            TrainOnRegions(images, subsets ?? regions, context);
        }
        finally
        {
            foreach (var r in subsets ?? []) r.Boxes.Dispose();
        }
    }

    void TrainOnRegions(IReadOnlyList<DetectionSample> images, List<TrainRegions> regions, DetectorContext context)
    {
        // One pass over every training region: fc7 features (kept on the CPU), each region's IoU with the
        // nearest instance of every class, and pool5 features of the regions close enough to regress.
        var features = new List<Tensor>();
        var classIou = new List<float[]>();
        var isGroundTruth = new List<bool>();
        var labels = new List<int>();
        var regressionFeatures = new List<Tensor>[Classes + 1];
        var regressionTargets = new List<Tensor>[Classes + 1];
        for (int c = 0; c <= Classes; c++) { regressionFeatures[c] = new(); regressionTargets[c] = new(); }
        try
        {
            for (int i = 0; i < images.Count; i++)
            {
                context.Cancel.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var sample = images[i];
                var boxes = regions[i].Boxes;
                var (pool5, fc7) = Extract(sample.Input(device), boxes);
                features.Add(scope.MoveToOuter(fc7.cpu()).DetachFromDisposeScope());
                int n = (int)boxes.size(0);
                float[] iou = new float[n * Classes];
                if (sample.Count > 0)
                {
                    var pairIou = RegionOps.BoxIou(boxes, sample.BoxTensor(), offset: 1).contiguous().data<float>().ToArray();
                    for (int r = 0; r < n; r++)
                        for (int g = 0; g < sample.Count; g++)
                        {
                            int c = sample.Labels[g] - 1;
                            iou[r * Classes + c] = Math.Max(iou[r * Classes + c], pairIou[r * sample.Count + g]);
                        }
                }
                classIou.Add(iou);
                for (int r = 0; r < n; r++)
                {
                    isGroundTruth.Add(r < sample.Count);
                    labels.Add(r < sample.Count ? sample.Labels[r] : 0);
                }
                // Regression pairs: each region with its best ground-truth box when IoU >= regression_iou.
                var ov = regions[i].Overlaps;
                var chosen = Enumerable.Range(0, n).Where(r => ov.GroundTruth[r] >= 0 && ov.MaxIou[r] >= options.RegressionIou).ToArray();
                if (chosen.Length > 0)
                {
                    var index = torch.tensor(chosen.Select(r => (long)r).ToArray());
                    var gtIndex = torch.tensor(chosen.Select(r => (long)ov.GroundTruth[r]).ToArray());
                    var targets = BoxCoding.Encode(boxes.index_select(0, index), sample.BoxTensor().index_select(0, gtIndex), BoxWeights.Unit);
                    var p5 = pool5.cpu().index_select(0, index);
                    for (int k = 0; k < chosen.Length; k++)
                    {
                        int c = sample.Labels[ov.GroundTruth[chosen[k]]];
                        regressionFeatures[c].Add(scope.MoveToOuter(p5.narrow(0, k, 1)).DetachFromDisposeScope());
                        regressionTargets[c].Add(scope.MoveToOuter(targets.narrow(0, k, 1)).DetachFromDisposeScope());
                    }
                }
            }

            using var all = torch.cat(features, 0);
            using (var norms = torch.linalg.vector_norm(all, 2, [1]))
                featureScale = options.FeatureNorm / Math.Max(norms.mean().ToDouble(), 1e-12);
            using var scaled = all.mul(featureScale);
            var iouAll = classIou.SelectMany(a => a).ToArray();
            svms = new LinearScorer[Classes + 1];
            for (int c = 1; c <= Classes; c++)
            {
                context.Cancel.ThrowIfCancellationRequested();
                svms[c] = TrainSvm(c, scaled, iouAll, isGroundTruth, labels, context);
            }
            regressors = new Tensor?[Classes + 1];
            for (int c = 1; c <= Classes; c++)
            {
                if (regressionFeatures[c].Count == 0) continue;
                using var x = torch.cat(regressionFeatures[c], 0);
                using var y = torch.cat(regressionTargets[c], 0);
                regressors[c] = RidgeRegression.Fit(x, y, options.RegressionLambda).to(device).DetachFromDisposeScope();
                context.Metrics.Log(c, "rcnn_regression", "samples", regressionFeatures[c].Count);
            }
        }
        finally
        {
            foreach (var f in features) f.Dispose();
            foreach (var list in regressionFeatures) foreach (var t in list) t.Dispose();
            foreach (var list in regressionTargets) foreach (var t in list) t.Dispose();
        }
    }

    /// <summary>
    /// One class's SVM: positives are the class's ground-truth boxes, negatives proposals with IoU below
    /// svm_negative_iou with every instance of the class. It starts from a seeded sample of negatives; each
    /// mining round scores every negative and adds those inside the margin (score > -1) not yet in the set.
    /// </summary>
    LinearScorer TrainSvm(int c, Tensor features, float[] classIou, List<bool> isGroundTruth, List<int> labels, DetectorContext context)
    {
        var positives = Enumerable.Range(0, labels.Count).Where(r => isGroundTruth[r] && labels[r] == c).ToList();
        var pool = Enumerable.Range(0, labels.Count).Where(r => !isGroundTruth[r] && classIou[r * Classes + c - 1] < options.SvmNegativeIou).ToArray();
        var random = new SeededRandom(context.Seed, "rcnn-svm-negatives", c);
        random.Shuffle<int>(pool);
        var negatives = new HashSet<int>(pool.Take(options.InitialNegatives));
        var svm = new LinearSvm(options.SvmLambda, options.SvmPositiveWeight, options.SvmIterations, options.SvmLearningRate);
        LinearScorer scorer = new(new float[features.size(1)], 0);
        using var poolIndex = torch.tensor(pool.Select(r => (long)r).ToArray());
        using var poolFeatures = features.index_select(0, poolIndex).to(device);
        for (int round = 0; round <= options.HardNegativeRounds; round++)
        {
            using var scope = torch.NewDisposeScope();
            var rows = positives.Concat(negatives.Order()).Select(r => (long)r).ToArray();
            var x = features.index_select(0, torch.tensor(rows)).to(device);
            var y = torch.tensor(positives.Select(_ => 1f).Concat(negatives.Select(_ => -1f)).ToArray()).to(device);
            scorer = svm.Train(x, y);
            context.Metrics.Log(round, $"rcnn_svm:class{c}", "negatives", negatives.Count);
            if (round == options.HardNegativeRounds || pool.Length == 0) break;
            var scores = scorer.Score(poolFeatures).cpu().data<float>().ToArray();
            int added = 0;
            foreach (var k in Enumerable.Range(0, pool.Length).Where(k => scores[k] > -1).OrderByDescending(k => scores[k]))
            {
                if (negatives.Count >= options.MaxNegatives) break;
                if (negatives.Add(pool[k])) added++;
            }
            context.Metrics.Log(round, $"rcnn_svm:class{c}", "hard_negatives_added", added);
            if (added == 0) break;
        }
        return scorer;
    }

    /// <summary>Selective search on uint8 [3, H, W] pixels (timed), then every proposal warped, forwarded, scored and regressed.</summary>
    public ImageDetections Detect(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int height = (int)pixels.size(1), width = (int)pixels.size(2);
        var watch = Stopwatch.StartNew();
        var boxes = ProposalCache.Search(pixels, search);
        double proposalSeconds = watch.Elapsed.TotalSeconds;
        var input = DetectionSample.NetworkInput(pixels, device);
        if (boxes.size(0) == 0) return new ImageDetections([], proposalSeconds, 0);
        var (pool5, fc7) = Extract(input, boxes);
        var scaled = fc7.mul(featureScale);
        var scores = new List<Tensor> { torch.full([boxes.size(0), 1], double.NegativeInfinity, device: device) };
        var perClass = new List<Tensor> { boxes.to(device) };
        var deviceBoxes = boxes.to(device);
        for (int c = 1; c <= Classes; c++)
        {
            scores.Add(svms[c].Score(scaled).unsqueeze(1));
            perClass.Add(regressors[c] is { } w
                ? BoxCoding.Decode(deviceBoxes, RidgeRegression.Predict(pool5, w), BoxWeights.Unit)
                : deviceBoxes);
        }
        var clipped = BoxCoding.Clip(torch.cat(perClass, 1), width, height);
        var detections = PostProcessing.Detect(torch.cat(scores, 1), clipped, test.SvmScoreThreshold, test.NmsIou, test.MaxPerImage);
        return new ImageDetections(detections, proposalSeconds, (int)boxes.size(0));
    }

    public void Dispose()
    {
        Network.Dispose();
        foreach (var r in regressors) r?.Dispose();
    }
}
