using System.Runtime.InteropServices;

namespace Repro.Experiments.Engine;

/// <summary>
/// Keeps freed tensor memory in the process heap. A training step frees and reallocates the same activation and
/// gradient buffers every step; glibc's defaults hand such blocks back to the kernel (munmap, or trimming the heap
/// top), so the next step page-faults and zero-fills them afresh. Repro serves every block from the heap (no
/// mmap, whatever its size) and never trims it, so a step reuses its buffers, as a caching allocator would.
/// Blocks above glibc's largest mmap threshold (32 MiB) matter most: libtorch's native convolution unfolds a whole
/// batch at once (128 warped 64x64 crops: a 150 MB column buffer in the second layer), and mapping such a block
/// afresh on every call made the forward pass 6x slower per image at batch 128 than at batch 16 (1.79 s against
/// 0.29 s a batch of 128 with this policy; measured by <c>bench/conv-batch.sh</c>). The heap keeps what the
/// largest step needed. A user's own glibc malloc settings (GLIBC_TUNABLES, MALLOC_*_ variables) take precedence,
/// and REPRO_HEAP_POLICY=default keeps glibc's.
/// </summary>
public static partial class HeapPolicy
{
    const int M_TRIM_THRESHOLD = -1;
    const int M_MMAP_THRESHOLD = -3;
    const int M_MMAP_MAX = -4;
    const int M_ARENA_MAX = -8;
    const int MmapThreshold = 32 * 1024 * 1024; // glibc's own ceiling for the threshold

    static readonly string[] UserSettings =
        ["GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"];

    /// <summary>Whether the policy is in force in this process (false: glibc's or the user's settings apply).</summary>
    public static bool Active { get; private set; }

    /// <summary>Why the policy is or is not in force, for provenance and the benchmark.</summary>
    public static string Description { get; private set; } = "not applied";

    public static void Apply()
    {
        if (Active) return;
        if (!OperatingSystem.IsLinux())
        {
            Description = "glibc-default (not Linux)";
            return;
        }
        if (Environment.GetEnvironmentVariable("REPRO_HEAP_POLICY") == "default")
        {
            Description = "glibc-default (REPRO_HEAP_POLICY=default)";
            return;
        }
        if (UserSettings.FirstOrDefault(n => Environment.GetEnvironmentVariable(n) is not null) is { } user)
        {
            Description = $"user ({user})";
            return;
        }
        try
        {
            // Setting M_MMAP_THRESHOLD also fixes it (glibc stops adapting it); M_MMAP_MAX = 0 then sends the
            // blocks above it to the heap too. One arena for the threads created from here on (libtorch's OpenMP
            // workers among them): glibc grows a thread arena in 64 MiB heaps and unmaps a heap once it is empty,
            // whatever the trim threshold, so a large block served there would be faulted in afresh each time
            // (measured by `repro engine`: 10,900 faults per repeated 56 MB convolution without it, 1 with it).
            Active = mallopt(M_MMAP_THRESHOLD, MmapThreshold) == 1 && mallopt(M_MMAP_MAX, 0) == 1
                && mallopt(M_TRIM_THRESHOLD, -1) == 1 && mallopt(M_ARENA_MAX, 1) == 1;
            Description = Active ? "retain (no mmap, no trimming, one arena)" : "glibc-default (mallopt refused)";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Description = "glibc-default (no glibc mallopt)";
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
