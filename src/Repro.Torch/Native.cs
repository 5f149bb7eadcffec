using System.Reflection;
using System.Runtime.InteropServices;

namespace Repro.Torch;

[StructLayout(LayoutKind.Sequential)]
internal struct NativeArg
{
    public int Kind;
    public int Len;
    public long I;
    public double D;
    public IntPtr P;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeResult
{
    public int Kind;
    public int Pad;
    public long I;
    public double D;
    public IntPtr P;
}

/// <summary>The C ABI of libreprotorch (src/Repro.Torch/native). Every call that can fail is checked by
/// <see cref="Check"/>, which turns the shim's thread-local message into a <see cref="TorchException"/>.</summary>
internal static unsafe partial class Native
{
    const string Lib = "reprotorch";

    static Native()
    {
        NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);
    }

    internal static void EnsureLoaded() { }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        foreach (var dir in CandidateDirectories())
        {
            var file = Path.Combine(dir, "libreprotorch.so");
            if (File.Exists(file)) return NativeLibrary.Load(file);
        }
        throw new DllNotFoundException(
            "libreprotorch.so not found beside the assembly or in build/native; run 'make build' first " +
            "(set REPRO_NATIVE_DIR to use another build).");
    }

    static IEnumerable<string> CandidateDirectories()
    {
        var env = Environment.GetEnvironmentVariable("REPRO_NATIVE_DIR");
        if (!string.IsNullOrEmpty(env)) yield return env;
        yield return AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "build", "native");
    }

    internal static string? LastError()
    {
        var p = THSError_last();
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }

    internal static void Check(string what)
    {
        var message = LastError();
        if (message != null) throw new TorchException(what, message);
    }

    internal static IntPtr CheckHandle(IntPtr handle, string what)
    {
        if (handle == IntPtr.Zero) Check(what);
        return handle;
    }

    internal static void CheckStatus(int status, string what)
    {
        if (status < 0) Check(what);
    }

    [LibraryImport(Lib)] internal static partial IntPtr THSError_last();
    [LibraryImport(Lib)] internal static partial long THSTensor_live_count();

    [LibraryImport(Lib)] internal static partial void THSTensor_dispose(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr THSTensor_from_data(void* data, long nbytes, int dtype, long* shape, int ndim, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] internal static partial IntPtr THSTensor_empty(int dtype, long* shape, int ndim, int deviceType, int deviceIndex);
    [LibraryImport(Lib)] internal static partial int THSTensor_copy_to(IntPtr t, void* data, long nbytes);
    [LibraryImport(Lib)] internal static partial int THSTensor_copy_from(IntPtr t, void* data, long nbytes);
    [LibraryImport(Lib)] internal static partial IntPtr THSTensor_data_ptr(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_ndim(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_shape(IntPtr t, long* shape);
    [LibraryImport(Lib)] internal static partial long THSTensor_numel(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_dtype(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_device_type(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_device_index(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_is_contiguous(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_requires_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_set_requires_grad(IntPtr t, int value);
    [LibraryImport(Lib)] internal static partial IntPtr THSTensor_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_zero_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_backward(IntPtr t, IntPtr grad, int retainGraph);
    [LibraryImport(Lib)] internal static partial double THSTensor_item_double(IntPtr t);
    [LibraryImport(Lib)] internal static partial long THSTensor_item_long(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr THSTensor_to(IntPtr t, int dtype, int deviceType, int deviceIndex, int copy);
    [LibraryImport(Lib)] internal static partial IntPtr THSTensor_alias(IntPtr t);
    [LibraryImport(Lib)] internal static partial int THSTensor_assign(IntPtr dst, IntPtr src);

    [LibraryImport(Lib)] internal static partial void THSTorch_manual_seed(long seed);
    [LibraryImport(Lib)] internal static partial void THSTorch_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int THSTorch_get_num_threads();
    [LibraryImport(Lib)] internal static partial int THSTorch_set_blas_threads(int n);
    [LibraryImport(Lib)] internal static partial int THSTorch_get_blas_threads();
    [LibraryImport(Lib)] internal static partial int THSTorch_is_grad_enabled();
    [LibraryImport(Lib)] internal static partial void THSTorch_set_grad_enabled(int enabled);
    [LibraryImport(Lib)] internal static partial int THSTorch_cuda_is_available();
    [LibraryImport(Lib)] internal static partial int THSTorch_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int THSTorch_set_deterministic(int on);
    [LibraryImport(Lib)] internal static partial int THSTorch_config(byte* buffer, int capacity);
    [LibraryImport(Lib)] internal static partial int THSTorch_heap_policy();

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr THSOp_find(string name, string overload);
    [LibraryImport(Lib)] internal static partial int THSOp_schema(IntPtr op, byte* buffer, int capacity);
    [LibraryImport(Lib)] internal static partial int THSOp_call(IntPtr op, NativeArg* args, int nargs, NativeResult* results, int capacity);

    [LibraryImport(Lib)] internal static partial int THSAutograd_grad(IntPtr* outputs, IntPtr* gradOutputs, int nOut, IntPtr* inputs, int nIn, int retainGraph, int createGraph, int allowUnused, IntPtr* grads);

    [LibraryImport(Lib)] internal static partial int THSOptim_sgd_step(IntPtr* parameters, IntPtr* momentumBuffers, int n, double lr, double momentum, double dampening, double weightDecay, int nesterov, int maximize);
    [LibraryImport(Lib)] internal static partial int THSOptim_adam_step(IntPtr* parameters, IntPtr* expAvg, IntPtr* expAvgSq, int n, long step, double lr, double beta1, double beta2, double eps, double weightDecay, int decoupled);
    [LibraryImport(Lib)] internal static partial int THSOptim_zero_grad(IntPtr* parameters, int n);

    [LibraryImport(Lib)] internal static partial IntPtr THSVision_nms(IntPtr boxes, IntPtr scores, double iouThreshold, double offset);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial IntPtr THSImage_read(string path, int grey);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int THSImage_write(string path, IntPtr image);
    [LibraryImport(Lib)] internal static partial IntPtr THSImage_selective_search(IntPtr image, int maxBoxes, int baseK, int incK, double sigma, int segmentMinSize);
}
