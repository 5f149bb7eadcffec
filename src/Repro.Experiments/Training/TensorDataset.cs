namespace Repro.Experiments.Training;

/// <summary>
/// Images and labels held in native memory as two tensors, so a batch is one index_select away;
/// augmentation, when on, goes through managed memory per batch instead.
/// </summary>
public sealed class TensorDataset : IDisposable
{
    public TensorDataset(ImageSet images, Device? device = null)
    {
        Source = images;
        Device = device ?? torch.CPU;
        Images = torch.tensor(images.Pixels, [images.Count, images.Channels, images.Height, images.Width]).DetachFromDisposeScope();
        Labels = torch.tensor(images.Labels.Select(l => (long)l).ToArray()).DetachFromDisposeScope();
        if (Device.type != DeviceType.CPU)
        {
            var (i, l) = (Images, Labels);
            Images = i.to(Device).DetachFromDisposeScope();
            Labels = l.to(Device).DetachFromDisposeScope();
            i.Dispose();
            l.Dispose();
        }
    }

    public ImageSet Source { get; }
    public Device Device { get; }
    public Tensor Images { get; }
    public Tensor Labels { get; }
    public int Count => Source.Count;
    public int Classes => Source.ClassCount;

    /// <summary>The batch of the given rows, in that order.</summary>
    public (Tensor images, Tensor labels) Batch(ReadOnlySpan<int> rows)
    {
        var index = Index(rows);
        return (Images.index_select(0, index), Labels.index_select(0, index));
    }

    /// <summary>The batch of the given rows with training augmentation drawn from <paramref name="rng"/>.</summary>
    public (Tensor images, Tensor labels) AugmentedBatch(ReadOnlySpan<int> rows, Augmentation augmentation, SeededRandom rng)
    {
        var pixels = new float[rows.Length * Source.ImageLength];
        var labels = new int[rows.Length];
        Source.CopyBatch(rows, pixels, labels);
        augmentation.ApplyTraining(pixels, rows.Length, rng);
        var images = torch.tensor(pixels, [rows.Length, Source.Channels, Source.Height, Source.Width], device: Device);
        var index = Index(rows);
        return (images, Labels.index_select(0, index));
    }

    Tensor Index(ReadOnlySpan<int> rows)
    {
        var idx = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++) idx[i] = rows[i];
        return torch.tensor(idx, [rows.Length], device: Device);
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
