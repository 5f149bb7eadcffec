using System.Runtime.InteropServices;

namespace Repro.Experiments.Engine;

/// <summary>
/// Which kernels libtorch's CPU convolutions use. libtorch 2.10 (TorchSharp 0.107's) sends float32 convolutions to
/// oneDNN (MKL-DNN), whose backward pass with respect to the input gives wrong values for batches of more than one
/// image on AVX-512 machines such as this project's (errors of order 1 against the exact gradient, NaN in some
/// runs, different in every run); float64 and libtorch's own kernels are exact. Repro turns oneDNN off, as
/// <c>torch.backends.mkldnn.enabled = False</c> does in Python, so convolutions run libtorch's im2col + MKL GEMM
/// kernels; the engine tests check the gradient against the transposed convolution. NNPACK, libtorch's next choice
/// for large batches, is off too: it cannot start on AVX-512-only CPUs and libtorch then prints "Could not
/// initialize NNPACK! Reason: Unsupported hardware." once per convolution call (hundreds of lines a second).
/// TorchSharp has no setting for either: the switches are libtorch's own <c>at::Context::setUserEnabledMkldnn</c>
/// and <c>setUserEnabledNNPACK</c>.
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

    /// <summary>Whether libtorch may try NNPACK for convolutions in this process.</summary>
    public static bool NnpackEnabled
    {
        get
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return userEnabledNNPACK(globalContext());
        }
    }

    /// <summary>libtorch's own im2col + GEMM kernels for every convolution: oneDNN and NNPACK off.</summary>
    public static void UseNativeKernels()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        setUserEnabledMkldnn(globalContext(), false);
        setUserEnabledNNPACK(globalContext(), false);
    }

    public static string Description => OneDnnEnabled ? "onednn" : NnpackEnabled ? "native (onednn off)" : "native (onednn, nnpack off)";

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr globalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void setUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void setUserEnabledNNPACK(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool userEnabledNNPACK(IntPtr context);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool userEnabledMkldnn(IntPtr context);
}
