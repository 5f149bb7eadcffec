using System.Runtime.InteropServices;
using TorchSharp;

namespace Repro.Experiments.Engine;

/// <summary>
/// Which kernels libtorch's CPU convolutions use. libtorch 2.10 (TorchSharp 0.107's) sends float32 convolutions to
/// oneDNN (MKL-DNN), whose backward pass with respect to the input gives wrong values for batches of more than one
/// image on AVX-512 machines such as this project's (errors of order 1 against the exact gradient, NaN in some
/// runs, different in every run); float64 and libtorch's own kernels are exact. Repro turns oneDNN off, as
/// <c>torch.backends.mkldnn.enabled = False</c> does in Python, so convolutions run libtorch's im2col + MKL GEMM
/// kernels; the engine tests check the gradient against the transposed convolution.
/// TorchSharp has no setting for it: the switch is libtorch's own <c>at::Context::setUserEnabledMkldnn</c>.
/// </summary>
public static class ConvolutionBackend
{
    /// <summary>Whether libtorch may use oneDNN for convolutions in this process.</summary>
    public static bool OneDnnEnabled
    {
        get
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return userEnabledMkldnn(globalContext());
        }
    }

    public static void DisableOneDnn()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        setUserEnabledMkldnn(globalContext(), false);
    }

    public static string Description => OneDnnEnabled ? "onednn" : "native (onednn off)";

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr globalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void setUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool userEnabledMkldnn(IntPtr context);
}
