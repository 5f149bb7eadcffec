using System.Runtime.Serialization;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Models;

/// <summary>How a conv map larger than the feature grid is pooled down to it (adaptive pooling).</summary>
public enum FeaturePooling
{
    Max,

    [EnumMember(Value = "avg")]
    Average,
}

/// <summary>
/// Features tapped off the layers of a trained ZF-style net (Zeiler and Fergus 2014, Sec. 5.2): each layer's
/// output, as <see cref="ZfNet.Activations"/> gives it, flattened to one vector per image. Convolutional maps larger
/// than <c>poolSize</c> x <c>poolSize</c> are first pooled to that grid by adaptive max or average pooling, so that
/// every conv layer offers the classifier the same spatial resolution and a few hundred dimensions, not thousands.
/// Layer 0 is the input pixels, unpooled, as a reference.
/// </summary>
public static class LayerFeatures
{
    public const FeaturePooling MaxPool = FeaturePooling.Max;
    public const FeaturePooling AveragePool = FeaturePooling.Average;

    public const int Pixels = 0;

    public static void CheckPool(FeaturePooling pool, int poolSize, string key)
    {
        if (pool is not (MaxPool or AveragePool)) throw new ReproInputException($"{key}.pool: unknown pooling '{pool}' (max or avg)");
        if (poolSize < 1) throw new ReproInputException($"{key}.pool_size = {poolSize}: expected at least 1");
    }

    /// <summary>
    /// One layer's output [N, C, H, W] or [N, D] as [N, D'] features: conv maps pooled to at most
    /// poolSize x poolSize, then flattened (channel-major, as the net's own flatten).
    /// </summary>
    public static Tensor Flatten(Tensor activation, int poolSize, FeaturePooling pool)
    {
        if (activation.shape.Length == 2) return activation.alias();
        if (activation.shape.Length != 4) throw new ArgumentException($"expected [N, D] or [N, C, H, W], got [{string.Join(", ", activation.shape)}]");
        long h = activation.shape[2], w = activation.shape[3];
        var pooled = h <= poolSize && w <= poolSize
            ? activation.alias()
            : pool == MaxPool
                ? F.adaptive_max_pool2d(activation, [Math.Min(poolSize, h), Math.Min(poolSize, w)])
                : F.adaptive_avg_pool2d(activation, [Math.Min(poolSize, h), Math.Min(poolSize, w)]);
        return pooled.flatten(1);
    }

    /// <summary>
    /// Features of <paramref name="layers"/> (paper numbers; 0 for the pixels) for every image, computed in eval
    /// mode in batches; returns [N, D_layer] per layer.
    /// </summary>
    public static Dictionary<int, Tensor> Extract(ZfNet model, Tensor images, IReadOnlyList<int> layers, int poolSize, FeaturePooling pool, int batchSize = 500)
    {
        foreach (var layer in layers)
            if (layer != Pixels && !model.Layers.Contains(layer))
                throw new ArgumentException($"layer {layer} is not in this network (layers {string.Join(",", model.Layers)})");
        var last = layers.Where(l => l != Pixels).DefaultIfEmpty(0).Max();
        var parts = layers.ToDictionary(l => l, _ => new List<Tensor>());
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = torch.no_grad();
            using var outer = torch.NewDisposeScope();
            for (long start = 0; start < images.size(0); start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var batch = images.narrow(0, start, Math.Min(batchSize, images.size(0) - start));
                var activations = last > 0 ? model.Activations(batch, last) : new Dictionary<int, Tensor>();
                foreach (var layer in layers)
                {
                    var flat = layer == Pixels ? batch.flatten(1) : Flatten(activations[layer], poolSize, pool);
                    parts[layer].Add(scope.MoveToOuter(flat.contiguous()));
                }
            }
            var result = new Dictionary<int, Tensor>();
            foreach (var layer in layers)
                result[layer] = outer.MoveToOuter(torch.cat(parts[layer]));
            return result;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
