namespace Repro.Experiments.Data;

/// <summary>
/// SplitMix64: the seeding generator of <see cref="SeededRandom"/>, also a good 64-bit hash for mixing seeds.
/// </summary>
public static class SplitMix64
{
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Finalise(state);
    }

    /// <summary>The SplitMix64 output function: a bijective avalanche mix of one 64-bit word.</summary>
    public static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// A small deterministic generator (xoshiro256** seeded through SplitMix64) for data order, subsets, splits,
/// augmentation and label corruption. It is written here rather than taken from System.Random or torch so that
/// the same seed gives the same sequence in every process, on every .NET version and with any engine.
/// Independent streams for different purposes come from the (seed, purpose, index) constructor.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(long seed)
    {
        var sm = unchecked((ulong)seed);
        _s0 = SplitMix64.Next(ref sm);
        _s1 = SplitMix64.Next(ref sm);
        _s2 = SplitMix64.Next(ref sm);
        _s3 = SplitMix64.Next(ref sm);
    }

    /// <summary>
    /// A stream for one purpose ("batch-order", "augmentation", ...) and index (an epoch, a class), so that streams
    /// drawn for different purposes from one run seed do not repeat each other.
    /// </summary>
    public SeededRandom(long seed, string purpose, long index = 0) : this(MixSeed(seed, purpose, index)) { }

    public static long MixSeed(long seed, string purpose, long index)
    {
        ulong h = SplitMix64.Finalise(unchecked((ulong)seed) ^ 0x243F6A8885A308D3UL);
        h = SplitMix64.Finalise(h ^ StableHash(purpose));
        h = SplitMix64.Finalise(h ^ unchecked((ulong)index * 0xD1B54A32D192ED03UL));
        return unchecked((long)h);
    }

    /// <summary>FNV-1a over the UTF-16 code units: string.GetHashCode is randomised per process.</summary>
    public static ulong StableHash(string text)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in text)
        {
            h ^= c;
            h *= 0x100000001B3UL;
        }
        return h;
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>A uniform integer in [0, bound), without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be positive");
        uint s = (uint)bound;
        ulong m = (ulong)NextUInt32() * s;
        uint low = (uint)m;
        if (low < s)
        {
            uint threshold = (0u - s) % s;
            while (low < threshold)
            {
                m = (ulong)NextUInt32() * s;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>A uniform integer in [minInclusive, maxExclusive).</summary>
    public int NextInt(int minInclusive, int maxExclusive) => minInclusive + NextInt(maxExclusive - minInclusive);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher-Yates, drawing from the end so that the result depends only on the length and the stream.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A uniformly random permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle<int>(p);
        return p;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
