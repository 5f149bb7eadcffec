using System.Diagnostics;
using TorchSharp.Modules;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Detection;

/// <summary>Sampling and loss settings of a Fast R-CNN detection head (also the second stage of Faster R-CNN).</summary>
public sealed class RoiSamplingOptions
{
    /// <summary>Regions of interest per image in a minibatch (Fast R-CNN: 128 over 2 images, 64 each).</summary>
    [AtLeast(1)]
    public int RoisPerImage { get; set; } = 64;

    [Between(0, 1)]
    public double ForegroundFraction { get; set; } = 0.25;

    [Between(0, 1)]
    public double ForegroundIou { get; set; } = 0.5;

    /// <summary>Background regions have IoU in [background_low, foreground_iou); Fast R-CNN uses 0.1, Faster R-CNN 0.</summary>
    [Between(0, 1)]
    public double BackgroundLow { get; set; } = 0.1;

    /// <summary>Weight of the smooth-L1 box loss against the classification loss (lambda = 1 in the paper).</summary>
    [AtLeast(0)]
    public double BoxLossWeight { get; set; } = 1;

    public RegionSampler Sampler(double backgroundLow) => new(ForegroundIou, backgroundLow, ForegroundIou, ForegroundFraction);

    public void Validate(string key) => OptionChecks.ThrowIfInvalid(this, key);
}

/// <summary>The <c>fast_rcnn:</c> section (Girshick 2015).</summary>
public sealed class FastRcnnOptions
{
    public DetectorTrainOptions Train { get; set; } = new();

    public RoiSamplingOptions Rois { get; set; } = new();

    public void Validate() => OptionChecks.ThrowIfInvalid(this, "options.fast_rcnn");
}

/// <summary>The RoI head of Fast R-CNN: RoI max pooling on the shared feature map, fc6, fc7, softmax and box regressors.</summary>
public sealed class RoiHead : torch.nn.Module<Tensor, Tensor>
{
    public RoiHead(long channels, int stride, HeadOptions options, int classes) : base("RoiHead")
    {
        PoolSize = options.PoolSize;
        Stride = stride;
        register_module("head", Head = new RegionHead(channels * PoolSize * PoolSize, options, classes, boxRegression: true));
    }

    public RegionHead Head { get; }

    public int PoolSize { get; }

    public int Stride { get; }

    /// <summary>Class logits and class-specific deltas for pixel boxes [R, 4] of the one image behind features [1, C, H, W].</summary>
    public (Tensor scores, Tensor deltas) Predict(Tensor features, Tensor boxes)
    {
        using var scope = torch.NewDisposeScope();
        var rois = torch.cat([torch.zeros([boxes.size(0), 1], device: boxes.device), boxes], 1);
        var pooled = RegionOps.RoiPool(features, rois, PoolSize, PoolSize, 1.0 / Stride);
        var (scores, deltas) = Head.Predict(Head.Features(pooled));
        return (scope.MoveToOuter(scores), scope.MoveToOuter(deltas));
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("use Predict(features, boxes)");

    /// <summary>
    /// The multi-task loss (Girshick 2015, eq. 1): cross-entropy over the sampled regions plus lambda times the
    /// smooth-L1 loss of the true class's deltas on the foreground regions, averaged over all sampled regions.
    /// </summary>
    public static (Tensor classification, Tensor box) Loss(Tensor scores, Tensor deltas, Tensor labels, Tensor targets, double boxWeight)
    {
        using var scope = torch.NewDisposeScope();
        var classification = F.cross_entropy(scores, labels);
        long n = scores.size(0);
        var fg = labels.gt(0).nonzero().view(-1);
        Tensor box;
        if (fg.size(0) == 0) box = deltas.sum() * 0;
        else
        {
            var fgLabels = labels.index_select(0, fg).cpu().data<long>().ToArray();
            var columns = torch.tensor(fgLabels.SelectMany(l => new[] { 4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3 }).ToArray(), fgLabels.Length, 4).to(labels.device);
            var predicted = deltas.index_select(0, fg).gather(1, columns);
            box = F.smooth_l1_loss(predicted, targets.index_select(0, fg), torch.nn.Reduction.Sum) / n * boxWeight;
        }
        return (scope.MoveToOuter(classification), scope.MoveToOuter(box));
    }

    /// <summary>
    /// Samples regions of one image among <paramref name="candidates"/> (proposals, ground truth included) and
    /// returns their boxes, labels and box targets (zeros for background), normalised with weights 10, 10, 5, 5.
    /// </summary>
    public static (Tensor boxes, Tensor labels, Tensor targets)? SampleRegions(DetectionSample sample, Tensor candidates, RoiSamplingOptions o, double backgroundLow, SeededRandom random)
    {
        using var scope = torch.NewDisposeScope();
        var gt = sample.BoxTensor();
        var overlaps = Overlaps.Of(candidates, gt);
        var (picked, labels) = o.Sampler(backgroundLow).Sample(overlaps, sample.Labels, o.RoisPerImage, random);
        if (picked.Length == 0 || picked.Length == labels.Count(l => l > 0) && backgroundLow > 0)
            (picked, labels) = o.Sampler(0).Sample(overlaps, sample.Labels, o.RoisPerImage, random);
        if (picked.Length == 0) return null;
        var boxes = candidates.index_select(0, torch.tensor(picked.Select(p => (long)p).ToArray()));
        var targets = sample.Count == 0
            ? torch.zeros([picked.Length, 4])
            : BoxCoding.Encode(boxes, gt.index_select(0, torch.tensor(picked.Select(p => (long)Math.Max(overlaps.GroundTruth[p], 0)).ToArray())), BoxWeights.Normalised);
        var background = torch.tensor(labels.Select(l => l == 0 ? 0f : 1f).ToArray()).unsqueeze(1);
        targets = targets * background;
        return (scope.MoveToOuter(boxes), scope.MoveToOuter(torch.tensor(labels.Select(l => (long)l).ToArray())), scope.MoveToOuter(targets));
    }

    /// <summary>Scores (softmax) and class-specific decoded, clipped boxes for one image's regions.</summary>
    public (Tensor probabilities, Tensor boxes) Infer(Tensor features, Tensor boxes, int width, int height)
    {
        using var scope = torch.NewDisposeScope();
        var (scores, deltas) = Predict(features, boxes);
        var decoded = BoxCoding.Clip(BoxCoding.Decode(boxes, deltas, BoxWeights.Normalised), width, height);
        return (scope.MoveToOuter(F.softmax(scores, 1)), scope.MoveToOuter(decoded));
    }
}

/// <summary>
/// Fast R-CNN (Girshick 2015): one pass of the trunk over the whole image, RoI max pooling of each
/// selective-search proposal from the shared feature map, and a multi-task head (softmax over background and
/// the classes, class-specific box regression) trained end to end with hierarchical minibatches.
/// </summary>
public sealed class FastRcnnDetector : IDisposable
{
    readonly FastRcnnOptions options;
    readonly SelectiveSearchOptions search;
    readonly TestOptions test;
    readonly Device device;

    public FastRcnnDetector(BackboneOptions backbone, HeadOptions head, FastRcnnOptions options, SelectiveSearchOptions search, TestOptions test, int classes, Device device)
    {
        this.options = options;
        this.search = search;
        this.test = test;
        this.device = device;
        Backbone = new ConvBackbone(backbone);
        Head = new RoiHead(Backbone.OutChannels, Backbone.Stride, head, classes);
        Backbone.to(device);
        Head.to(device);
    }

    public ConvBackbone Backbone { get; }

    public RoiHead Head { get; }

    public IEnumerable<Parameter> Parameters() => Backbone.parameters().Concat(Head.parameters());

    public void Train(IReadOnlyList<DetectionSample> images, Func<DetectionSample, Tensor> proposals, DetectorContext context)
    {
        var candidates = images.Select(s =>
        {
            using var p = proposals(s);
            using var gt = s.BoxTensor();
            return torch.cat([gt, p], 0).DetachFromDisposeScope();
        }).ToList();
        try
        {
            var o = options.Train;
            using var optimizer = torch.optim.Adam(Parameters(), o.LearningRate, weight_decay: o.WeightDecay);
            Backbone.train();
            Head.train();
            long step = 0;
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                optimizer.SetLearningRate(o.RateAt(epoch));
                var random = new SeededRandom(context.Seed, "fast-rcnn-rois", epoch);
                foreach (var batch in context.Batches("fast-rcnn-images", epoch, images.Count, o.ImagesPerBatch))
                {
                    context.Cancel.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    optimizer.ClearGradients();
                    var cls = new List<Tensor>();
                    var box = new List<Tensor>();
                    foreach (var i in batch)
                    {
                        if (RoiHead.SampleRegions(images[i], candidates[i], options.Rois, options.Rois.BackgroundLow, random) is not { } s) continue;
                        var features = Backbone.forward(images[i].Input(device));
                        var (scores, deltas) = Head.Predict(features, s.boxes.to(device));
                        var (c, b) = RoiHead.Loss(scores, deltas, s.labels.to(device), s.targets.to(device), options.Rois.BoxLossWeight);
                        cls.Add(c);
                        box.Add(b);
                    }
                    if (cls.Count == 0) continue;
                    var clsLoss = torch.stack(cls).mean();
                    var boxLoss = torch.stack(box).mean();
                    (clsLoss + boxLoss).backward();
                    optimizer.step();
                    step++;
                    context.CheckAndLog(step, epoch, o.LogEvery, ("fast_rcnn_cls_loss", clsLoss), ("fast_rcnn_box_loss", boxLoss));
                }
                context.Progress?.Report(new Running.EpochProgress(epoch + 1, o.Epochs, "Fast R-CNN"));
            }
        }
        finally
        {
            foreach (var c in candidates) c.Dispose();
            Backbone.eval();
            Head.eval();
        }
    }

    /// <summary>Selective search on uint8 [3, H, W] pixels (timed), one trunk pass, every proposal pooled and classified.</summary>
    public ImageDetections Detect(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int height = (int)pixels.size(1), width = (int)pixels.size(2);
        var watch = Stopwatch.StartNew();
        var boxes = ProposalCache.Search(pixels, search);
        double proposalSeconds = watch.Elapsed.TotalSeconds;
        if (boxes.size(0) == 0) return new ImageDetections([], proposalSeconds, 0);
        var input = DetectionSample.NetworkInput(pixels, device);
        var features = Backbone.forward(input);
        var (probabilities, decoded) = Head.Infer(features, boxes.to(device), width, height);
        var detections = PostProcessing.Detect(probabilities, decoded, test.ScoreThreshold, test.NmsIou, test.MaxPerImage);
        return new ImageDetections(detections, proposalSeconds, (int)boxes.size(0));
    }

    public void Dispose()
    {
        Backbone.Dispose();
        Head.Dispose();
    }
}
