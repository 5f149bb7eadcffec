using System.Runtime.InteropServices;

namespace Repro.Experiments.Engine;

/// <summary>
/// Keeps freed tensor memory in the process heap. A training step frees and reallocates the same activation and
/// gradient buffers (tens of MB for a batch of 128) every step; glibc's defaults hand such blocks back to the
/// kernel (munmap, or trimming the heap top), so the next step page-faults and zero-fills them afresh. Serving
/// allocations up to 32 MiB from the heap and never trimming it makes a step reuse its buffers, as a caching
/// allocator would (measured: TorchSharp's step 69-80 ms with glibc's defaults, 59.5 ms with this policy).
/// Blocks above 32 MiB (whole data sets) are still mapped and unmapped one by one. A user's own glibc malloc
/// settings (GLIBC_TUNABLES, MALLOC_*_ variables) take precedence, and REPRO_HEAP_POLICY=default keeps glibc's.
/// </summary>
public static partial class HeapPolicy
{
    const int M_TRIM_THRESHOLD = -1;
    const int M_MMAP_THRESHOLD = -3;
    const int MmapThreshold = 32 * 1024 * 1024; // glibc's own ceiling for the threshold

    static readonly string[] UserSettings =
        ["GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX"];

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
            // Setting M_MMAP_THRESHOLD also fixes it (glibc stops adapting it).
            Active = mallopt(M_MMAP_THRESHOLD, MmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
            Description = Active ? "retain (mmap threshold 32 MiB, no trimming)" : "glibc-default (mallopt refused)";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Description = "glibc-default (no glibc mallopt)";
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
