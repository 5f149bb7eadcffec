namespace Repro.Experiments.Data;

/// <summary>
/// The order in which one epoch visits a training set, as batches of indices: a fresh seeded permutation per
/// epoch, so epoch e's batches depend only on (seed, e), whatever happened in earlier epochs or processes.
/// The training code gathers each batch from wherever the images live (a managed array or a device tensor).
/// </summary>
public sealed class BatchOrder
{
    public BatchOrder(int count, int batchSize, long seed, bool shuffle = true, bool dropLast = false)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must not be negative");
        if (batchSize <= 0) throw new ReproInputException($"batch size must be positive, got {batchSize}");
        Count = count;
        BatchSize = batchSize;
        Seed = seed;
        Shuffle = shuffle;
        DropLast = dropLast;
    }

    public int Count { get; }
    public int BatchSize { get; }
    public long Seed { get; }
    public bool Shuffle { get; }

    /// <summary>Whether a last batch smaller than BatchSize is left out.</summary>
    public bool DropLast { get; }

    public int BatchCount => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>The order of all indices in the given epoch (0, 1, ...); the identity when not shuffling.</summary>
    public int[] Permutation(int epoch)
    {
        if (!Shuffle)
        {
            var identity = new int[Count];
            for (int i = 0; i < Count; i++) identity[i] = i;
            return identity;
        }
        return new SeededRandom(Seed, "batch-order", epoch).Permutation(Count);
    }

    /// <summary>The epoch's permutation cut into consecutive batches.</summary>
    public int[][] Batches(int epoch)
    {
        var order = Permutation(epoch);
        var batches = new int[BatchCount][];
        for (int b = 0; b < batches.Length; b++)
        {
            int start = b * BatchSize;
            batches[b] = order.AsSpan(start, Math.Min(BatchSize, Count - start)).ToArray();
        }
        return batches;
    }
}
