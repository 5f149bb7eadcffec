using System.Diagnostics;
using TorchSharp.Modules;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Detection;

/// <summary>The <c>faster_rcnn:</c> section (Ren et al. 2015).</summary>
public sealed class FasterRcnnOptions : ICheckedOptions
{
    public DetectorTrainOptions Train { get; set; } = new();

    /// <summary>The detection head's sampling; Faster R-CNN takes background from IoU 0 up.</summary>
    public RoiSamplingOptions Rois { get; set; } = new() { BackgroundLow = 0 };

    /// <summary>Anchor scales (square root of the area, pixels) and aspect ratios (height / width): 3 x 3 in the paper.</summary>
    [NotEmpty, Positive]
    public List<double> AnchorScales { get; set; } = [16, 32, 64];

    [NotEmpty, Positive]
    public List<double> AspectRatios { get; set; } = [0.5, 1, 2];

    /// <summary>An anchor is positive at IoU >= this with a ground-truth box (or as a box's best anchor), negative below rpn_negative_iou.</summary>
    [Between(0, 1)]
    public double RpnPositiveIou { get; set; } = 0.7;

    [Between(0, 1)]
    public double RpnNegativeIou { get; set; } = 0.3;

    /// <summary>Anchors sampled per image for the RPN losses, up to half of them positive.</summary>
    [AtLeast(1)]
    public int RpnBatch { get; set; } = 256;

    [Between(0, 1)]
    public double RpnPositiveFraction { get; set; } = 0.5;

    /// <summary>Weight of the RPN's box loss against its objectness loss.</summary>
    [AtLeast(0)]
    public double RpnBoxLossWeight { get; set; } = 1;

    /// <summary>NMS IoU among proposals (0.7 in the paper).</summary>
    [Between(0, 1)]
    public double RpnNmsIou { get; set; } = 0.7;

    /// <summary>Proposals kept by objectness before NMS, and after it, while training and at test time.</summary>
    [AtLeast(1)]
    public int TrainPreNms { get; set; } = 2000;

    [AtLeast(1)]
    public int TrainPostNms { get; set; } = 300;

    [AtLeast(1)]
    public int TestPreNms { get; set; } = 1000;

    [AtLeast(1)]
    public int TestPostNms { get; set; } = 300;

    /// <summary>Proposals narrower or lower than this many pixels are dropped.</summary>
    [AtLeast(0)]
    public double MinProposalSize { get; set; } = 2;

    public IEnumerable<OptionProblem> Problems()
    {
        if (!(RpnNegativeIou <= RpnPositiveIou))
            yield return new(nameof(RpnNegativeIou), $"must not exceed rpn_positive_iou ({OptionsBinder.FormatNumber(RpnPositiveIou)}), got {OptionsBinder.FormatNumber(RpnNegativeIou)}");
    }

    public void Validate() => OptionChecks.ThrowIfInvalid(this, "options.faster_rcnn");
}

/// <summary>
/// Faster R-CNN (Ren et al. 2015): a region proposal network on the shared feature map replaces selective
/// search; its proposals feed the Fast R-CNN head. Trained jointly (the paper's approximate joint training):
/// RPN objectness and box losses plus the head's classification and box losses, summed, one backward pass,
/// proposals treated as constants.
/// </summary>
public sealed class FasterRcnnDetector : IDisposable
{
    readonly FasterRcnnOptions options;
    readonly TestOptions test;
    readonly Device device;
    readonly Dictionary<(long, long), Tensor> anchorGrids = new();

    public FasterRcnnDetector(BackboneOptions backbone, HeadOptions head, FasterRcnnOptions options, TestOptions test, int classes, Device device)
    {
        this.options = options;
        this.test = test;
        this.device = device;
        Backbone = new ConvBackbone(backbone);
        Rpn = new RegionProposalNetwork(Backbone.OutChannels, Anchors.PerCell(options.AnchorScales, options.AspectRatios));
        Head = new RoiHead(Backbone.OutChannels, Backbone.Stride, head, classes);
        Backbone.to(device);
        Rpn.to(device);
        Head.to(device);
    }

    public ConvBackbone Backbone { get; }

    public RegionProposalNetwork Rpn { get; }

    public RoiHead Head { get; }

    public IEnumerable<Parameter> Parameters() => Backbone.parameters().Concat(Rpn.parameters()).Concat(Head.parameters());

    Tensor AnchorsFor(Tensor features)
    {
        var key = (features.size(2), features.size(3));
        if (!anchorGrids.TryGetValue(key, out var grid))
            anchorGrids[key] = grid = Anchors.Grid((int)key.Item1, (int)key.Item2, Backbone.Stride, options.AnchorScales, options.AspectRatios).to(device).DetachFromDisposeScope();
        return grid;
    }

    /// <summary>
    /// RPN training labels of one image's anchors (Ren et al. sec. 3.1.2): 1 for IoU >= rpn_positive_iou or the
    /// highest IoU with some ground-truth box (every anchor tied at that maximum), 0 below rpn_negative_iou,
    /// -1 (ignored) otherwise; then a seeded sample of rpn_batch anchors, at most rpn_positive_fraction positive,
    /// the others set to -1. Also the index of each anchor's best ground-truth box.
    /// </summary>
    public static (int[] labels, int[] groundTruth) AnchorLabels(Tensor anchors, Tensor groundTruth, double positiveIou, double negativeIou,
        int batch, double positiveFraction, SeededRandom random)
    {
        int n = (int)anchors.size(0), g = (int)groundTruth.size(0);
        var labels = new int[n];
        var best = new int[n];
        if (g == 0)
        {
            Array.Fill(best, -1);
        }
        else
        {
            using var scope = torch.NewDisposeScope();
            var iou = RegionOps.BoxIou(anchors, groundTruth, offset: 1).cpu().contiguous().data<float>().ToArray();
            var max = new float[n];
            var gtMax = new float[g];
            for (int a = 0; a < n; a++)
            {
                best[a] = 0;
                max[a] = iou[a * g];
                for (int j = 0; j < g; j++)
                {
                    if (iou[a * g + j] > max[a]) { max[a] = iou[a * g + j]; best[a] = j; }
                    gtMax[j] = Math.Max(gtMax[j], iou[a * g + j]);
                }
            }
            for (int a = 0; a < n; a++)
            {
                labels[a] = max[a] >= positiveIou ? 1 : max[a] < negativeIou ? 0 : -1;
                for (int j = 0; j < g; j++)
                    if (gtMax[j] > 0 && iou[a * g + j] == gtMax[j])
                    {
                        labels[a] = 1;
                        best[a] = j;
                    }
            }
        }
        var positives = Enumerable.Range(0, n).Where(a => labels[a] == 1).ToArray();
        var negatives = Enumerable.Range(0, n).Where(a => labels[a] == 0).ToArray();
        random.Shuffle<int>(positives);
        random.Shuffle<int>(negatives);
        int keepPositive = Math.Min(positives.Length, (int)(batch * positiveFraction));
        int keepNegative = Math.Min(negatives.Length, batch - keepPositive);
        foreach (var a in positives.Skip(keepPositive)) labels[a] = -1;
        foreach (var a in negatives.Skip(keepNegative)) labels[a] = -1;
        return (labels, best);
    }

    /// <summary>
    /// Proposals from the RPN's outputs: anchors moved by their deltas, clipped to the image, small boxes
    /// dropped, the pre_nms highest-objectness boxes non-maximum suppressed at rpn_nms_iou, the best post_nms kept.
    /// </summary>
    public static Tensor Proposals(Tensor anchors, Tensor objectness, Tensor deltas, int width, int height, int preNms, int postNms, double nmsIou, double minSize)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var boxes = BoxCoding.Clip(BoxCoding.Decode(anchors, deltas.detach(), BoxWeights.Unit), width, height);
        var scores = objectness.detach();
        var w = boxes.select(1, 2) - boxes.select(1, 0) + 1;
        var h = boxes.select(1, 3) - boxes.select(1, 1) + 1;
        var keep = w.ge(minSize).logical_and(h.ge(minSize)).nonzero().view(-1);
        boxes = boxes.index_select(0, keep);
        scores = scores.index_select(0, keep);
        var top = scores.topk((int)Math.Min(preNms, scores.size(0))).indexes;
        boxes = boxes.index_select(0, top).contiguous();
        scores = scores.index_select(0, top).contiguous();
        var kept = RegionOps.Nms(boxes, scores, nmsIou, offset: 1);
        kept = kept.narrow(0, 0, Math.Min(postNms, kept.size(0))).to(boxes.device);
        return scope.MoveToOuter(boxes.index_select(0, kept).contiguous());
    }

    /// <summary>The RPN's two losses for one image: objectness (binary cross-entropy) and smooth-L1 box regression over the sampled anchors.</summary>
    (Tensor objectnessLoss, Tensor boxLoss) RpnLoss(Tensor anchors, Tensor objectness, Tensor deltas, DetectionSample sample, SeededRandom random)
    {
        using var scope = torch.NewDisposeScope();
        var gt = sample.BoxTensor().to(device);
        var (labels, best) = AnchorLabels(anchors, gt, options.RpnPositiveIou, options.RpnNegativeIou, options.RpnBatch, options.RpnPositiveFraction, random);
        var sampled = Enumerable.Range(0, labels.Length).Where(a => labels[a] >= 0).Select(a => (long)a).ToArray();
        var positive = sampled.Where(a => labels[a] == 1).ToArray();
        var sampledIndex = torch.tensor(sampled).to(device);
        var targets = torch.tensor(sampled.Select(a => (float)labels[a]).ToArray()).to(device);
        var objectnessLoss = F.binary_cross_entropy_with_logits(objectness.index_select(0, sampledIndex), targets);
        Tensor boxLoss;
        if (positive.Length == 0) boxLoss = deltas.sum() * 0;
        else
        {
            var p = torch.tensor(positive).to(device);
            var g = torch.tensor(positive.Select(a => (long)best[a]).ToArray()).to(device);
            var boxTargets = BoxCoding.Encode(anchors.index_select(0, p), gt.index_select(0, g), BoxWeights.Unit);
            // beta = 1/9 as in the reference implementation: the targets are unnormalised.
            boxLoss = F.smooth_l1_loss(deltas.index_select(0, p), boxTargets, torch.nn.Reduction.Sum, beta: 1.0 / 9) / sampled.Length * options.RpnBoxLossWeight;
        }
        return (scope.MoveToOuter(objectnessLoss), scope.MoveToOuter(boxLoss));
    }

    public void Train(IReadOnlyList<DetectionSample> images, DetectorContext context)
    {
        var o = options.Train;
        using var optimizer = torch.optim.Adam(Parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        Backbone.train();
        Rpn.train();
        Head.train();
        long step = 0;
        try
        {
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                optimizer.SetLearningRate(o.RateAt(epoch));
                var random = new SeededRandom(context.Seed, "faster-rcnn-samples", epoch);
                foreach (var batch in context.Batches("faster-rcnn-images", epoch, images.Count, o.ImagesPerBatch))
                {
                    context.Cancel.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    optimizer.ClearGradients();
                    var losses = new List<Tensor>[4];
                    for (int k = 0; k < 4; k++) losses[k] = new();
                    foreach (var i in batch)
                    {
                        var sample = images[i];
                        var features = Backbone.forward(sample.Input(device));
                        var anchors = AnchorsFor(features);
                        var (objectness, deltas) = Rpn.Predict(features);
                        var (rpnObj, rpnBox) = RpnLoss(anchors, objectness, deltas, sample, random);
                        losses[0].Add(rpnObj);
                        losses[1].Add(rpnBox);
                        var proposals = Proposals(anchors, objectness, deltas, sample.Width, sample.Height, options.TrainPreNms, options.TrainPostNms, options.RpnNmsIou, options.MinProposalSize);
                        var candidates = torch.cat([sample.BoxTensor().to(device), proposals], 0).cpu();
                        if (RoiHead.SampleRegions(sample, candidates, options.Rois, options.Rois.BackgroundLow, random) is not { } s) continue;
                        var (scores, headDeltas) = Head.Predict(features, s.boxes.to(device));
                        var (cls, box) = RoiHead.Loss(scores, headDeltas, s.labels.to(device), s.targets.to(device), options.Rois.BoxLossWeight);
                        losses[2].Add(cls);
                        losses[3].Add(box);
                    }
                    if (losses[0].Count == 0) continue;
                    var means = losses.Select(l => l.Count == 0 ? torch.zeros([], device: device) : torch.stack(l).mean()).ToArray();
                    (means[0] + means[1] + means[2] + means[3]).backward();
                    optimizer.step();
                    step++;
                    context.CheckAndLog(step, epoch, o.LogEvery, ("rpn_objectness_loss", means[0]), ("rpn_box_loss", means[1]),
                        ("faster_rcnn_cls_loss", means[2]), ("faster_rcnn_box_loss", means[3]));
                }
                context.Progress?.Report(new Running.EpochProgress(epoch + 1, o.Epochs, "Faster R-CNN"));
            }
        }
        finally
        {
            Backbone.eval();
            Rpn.eval();
            Head.eval();
        }
    }

    /// <summary>One trunk pass on uint8 [3, H, W] pixels, RPN proposals (timed as the proposal stage), RoI head, NMS.</summary>
    public ImageDetections Detect(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int height = (int)pixels.size(1), width = (int)pixels.size(2);
        var input = DetectionSample.NetworkInput(pixels, device);
        var features = Backbone.forward(input);
        var watch = Stopwatch.StartNew();
        var (objectness, deltas) = Rpn.Predict(features);
        var proposals = Proposals(AnchorsFor(features), objectness, deltas, width, height, options.TestPreNms, options.TestPostNms, options.RpnNmsIou, options.MinProposalSize);
        double proposalSeconds = watch.Elapsed.TotalSeconds;
        if (proposals.size(0) == 0) return new ImageDetections([], proposalSeconds, 0);
        var (probabilities, decoded) = Head.Infer(features, proposals, width, height);
        var detections = PostProcessing.Detect(probabilities, decoded, test.ScoreThreshold, test.NmsIou, test.MaxPerImage);
        return new ImageDetections(detections, proposalSeconds, (int)proposals.size(0));
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Rpn.Dispose();
        Head.Dispose();
        foreach (var g in anchorGrids.Values) g.Dispose();
    }
}
