namespace Repro.Experiments.Models;

/// <summary>What happens to the copied layers while the target network trains.</summary>
public enum CopiedLayers
{
    /// <summary>Locked: the copied weights never change (Yosinski's AnB, BnB; off-the-shelf features).</summary>
    Frozen,

    /// <summary>Trained with the rest of the network, starting from the copied weights (AnB+, BnB+).</summary>
    FineTuned,
}

/// <summary>
/// Transfer of the first n layers of a trained ZF-style net into another one (Yosinski et al. 2014): the copied
/// layers take the source's weights and are frozen or fine-tuned; every later layer keeps the target's own fresh
/// initialisation. "The first n layers" are the first n blocks the networks have (paper numbering, input to
/// output), so the copied depth means the same on a network with removed layers. Freezing clears
/// <c>requires_grad</c>: the trainer hands the optimiser only parameters that require grad, and the optimisers
/// skip a parameter without a gradient, so neither weight decay nor Adam's moments can move a frozen weight.
/// </summary>
public static class LayerTransfer
{
    /// <summary>The paper layer numbers that copying <paramref name="depth"/> layers of <paramref name="network"/> covers.</summary>
    public static IReadOnlyList<int> FirstLayers(ZfNet network, int depth)
    {
        var layers = network.Layers;
        if (depth < 0 || depth > layers.Count)
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"a copied depth must lie in 0..{layers.Count} (layers {string.Join(",", layers)})");
        return layers.Take(depth).ToList();
    }

    /// <summary>
    /// Copies the weights of the first <paramref name="depth"/> layers of <paramref name="source"/> into
    /// <paramref name="target"/> and freezes or unfreezes them; the target's other layers are left as they are.
    /// Both networks must have the same layers up to that depth, with the same parameter shapes.
    /// Returns the layers copied.
    /// </summary>
    public static IReadOnlyList<int> Copy(ZfNet source, ZfNet target, int depth, CopiedLayers mode)
    {
        var copied = FirstLayers(source, depth);
        var targetLayers = FirstLayers(target, Math.Min(depth, target.Layers.Count));
        if (!copied.SequenceEqual(targetLayers))
            throw new ArgumentException(
                $"cannot copy {depth} layers: the source's first layers are [{string.Join(",", copied)}], the target's [{string.Join(",", targetLayers)}]");
        foreach (var layer in copied)
        {
            var from = source.Block(layer).named_parameters().ToList();
            var to = target.Block(layer).named_parameters().ToList();
            if (!from.Select(p => p.name).SequenceEqual(to.Select(p => p.name)))
                throw new ArgumentException(
                    $"layer {layer}: the source has parameters [{string.Join(", ", from.Select(p => p.name))}], the target [{string.Join(", ", to.Select(p => p.name))}]");
            for (var i = 0; i < from.Count; i++)
            {
                var (name, value) = from[i];
                var parameter = to[i].parameter;
                if (!parameter.shape.SequenceEqual(value.shape))
                    throw new ArgumentException(
                        $"layer {layer} '{name}': the source has shape [{string.Join(", ", value.shape)}], the target [{string.Join(", ", parameter.shape)}]");
                using (torch.no_grad()) parameter.copy_(value);
            }
        }
        SetFrozen(target, copied, mode == CopiedLayers.Frozen);
        return copied;
    }

    /// <summary>Freezes (or unfreezes) every parameter of the given layers.</summary>
    public static void SetFrozen(ZfNet network, IEnumerable<int> layers, bool frozen)
    {
        foreach (var layer in layers)
            foreach (var (_, parameter) in network.Block(layer).named_parameters())
                parameter.requires_grad = !frozen;
    }

    /// <summary>The layers none of whose parameters train.</summary>
    public static IReadOnlyList<int> FrozenLayers(ZfNet network) =>
        network.Layers.Where(l => network.Block(l).named_parameters().All(p => !p.parameter.requires_grad)).ToList();
}
