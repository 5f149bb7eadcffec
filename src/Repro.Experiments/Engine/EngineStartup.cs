using System.Runtime.CompilerServices;

namespace Repro.Experiments.Engine;

/// <summary>
/// Engine settings every process needs before its first tensor: the heap policy (before the heap fills) and the
/// convolution kernels (before the first convolution). Every entry point - the CLI, the tests, the benchmark -
/// reaches the engine through this assembly, so they are applied when it loads.
/// </summary>
public static class EngineStartup
{
#pragma warning disable CA2255 // a library-level initialiser on purpose, see above
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void AtLoad()
    {
        HeapPolicy.Apply();
        try
        {
            ConvolutionBackend.UseNativeKernels();
        }
        catch (Exception)
        {
            // Commands that need no tensor (list, report, verify) still work; the first tensor reports the cause.
        }
    }
}
