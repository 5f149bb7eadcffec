using System.Runtime.InteropServices;
using System.Text;

namespace Repro.Torch;

/// <summary>The TorchSharp-style entry point: <c>torch.zeros</c>, <c>torch.nn.functional.conv2d</c>, ...</summary>
public static partial class torch
{
    public static readonly Device CPU = new(DeviceType.CPU);
    public static readonly Device CUDA = new(DeviceType.CUDA, 0);

    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType uint8 = ScalarType.Byte;
    public const ScalarType @bool = ScalarType.Bool;

    public static Device device(string name) => Device.Parse(name);

    // ---- settings ----
    public static void manual_seed(long seed) => Native.THSTorch_manual_seed(seed);
    public static void set_num_threads(int n) => Native.THSTorch_set_num_threads(n);
    public static int get_num_threads() => Native.THSTorch_get_num_threads();

    /// <summary>
    /// Sets the thread count of the BLAS library libtorch calls for matrix products (OpenBLAS keeps a pool of its
    /// own beside libtorch's intra-op threads). Returns false when the loaded BLAS has no such setting.
    /// </summary>
    public static bool set_blas_threads(int n) => Native.THSTorch_set_blas_threads(n) != 0;

    /// <summary>The BLAS library's own thread count, or -1 when it has no such setting.</summary>
    public static int get_blas_threads() => Native.THSTorch_get_blas_threads();
    public static bool is_grad_enabled() => Native.THSTorch_is_grad_enabled() != 0;
    public static void set_grad_enabled(bool enabled) => Native.THSTorch_set_grad_enabled(enabled ? 1 : 0);
    public static void use_deterministic_algorithms(bool on) => Native.CheckStatus(Native.THSTorch_set_deterministic(on ? 1 : 0), "use_deterministic_algorithms");

    /// <summary>
    /// Whether the native library keeps freed tensor memory in the process heap (set when it loads, unless
    /// GLIBC_TUNABLES / MALLOC_*_ or REPRO_HEAP_POLICY=default say otherwise), so training steps reuse
    /// buffers instead of page-faulting them afresh. See native/tensor.cpp.
    /// </summary>
    public static bool heap_policy_active => Native.THSTorch_heap_policy() != 0;

    /// <summary>Disables autograd on this thread until disposed: <c>using (torch.no_grad()) { ... }</c>.</summary>
    public static IDisposable no_grad() => new GradMode(false);
    public static IDisposable enable_grad() => new GradMode(true);

    sealed class GradMode : IDisposable
    {
        readonly bool previous;
        bool done;
        public GradMode(bool enabled)
        {
            previous = is_grad_enabled();
            set_grad_enabled(enabled);
        }
        public void Dispose()
        {
            if (done) return;
            done = true;
            set_grad_enabled(previous);
        }
    }

    /// <summary>Opens a dispose scope on this thread (see <see cref="DisposeScope"/>).</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>libtorch version, parallel backend and build configuration (BLAS, oneDNN, CUDA).</summary>
    public static unsafe string build_info()
    {
        var buffer = new byte[1 << 16];
        fixed (byte* p = buffer)
        {
            var n = Native.THSTorch_config(p, buffer.Length);
            Native.CheckStatus(n, "build_info");
            return Encoding.UTF8.GetString(buffer, 0, Math.Min(n, buffer.Length - 1));
        }
    }

    /// <summary>The libtorch version, e.g. "1.13.0".</summary>
    public static string version => build_info().Split('\n')[0];

    public static class cuda
    {
        public static bool is_available() => Native.THSTorch_cuda_is_available() != 0;
        public static int device_count() => Native.THSTorch_cuda_device_count();
    }

    // ---- tensors from managed data ----
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, long[] shape, Device? device = null) where T : unmanaged
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n != data.Length) throw new ArgumentException($"{data.Length} values do not fill shape [{string.Join(", ", shape)}]");
        var d = device ?? CPU;
        fixed (T* p = data)
        fixed (long* s = shape)
            return new Tensor(Native.CheckHandle(Native.THSTensor_from_data(p, (long)data.Length * sizeof(T), (int)ScalarTypes.Of<T>(), s, shape.Length, (int)d.type, Math.Max(d.index, 0)), "tensor"));
    }

    public static Tensor tensor<T>(T[] data, params long[] shape) where T : unmanaged =>
        tensor<T>(data.AsSpan(), shape.Length == 0 ? [data.LongLength] : shape);

    public static Tensor tensor(double value) => tensor(new[] { (float)value }, Array.Empty<long>());

    public static unsafe Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? CPU;
        fixed (long* s = shape)
            return new Tensor(Native.CheckHandle(Native.THSTensor_empty((int)dtype, s, shape.Length, (int)d.type, Math.Max(d.index, 0)), "empty"));
    }

    public static Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.zeros.Call().Ints(shape).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.ones.Call().Ints(shape).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.full.Call().Ints(shape).D(value).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor zeros_like(Tensor t) => Aten.zeros_like.Call().T(t).ToTensor();
    public static Tensor ones_like(Tensor t) => Aten.ones_like.Call().T(t).ToTensor();

    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Aten.arange.Call().D(start).D(end).D(step).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor arange(long end, ScalarType dtype = ScalarType.Int64, Device? device = null) => arange(0, end, 1, dtype, device);

    public static Tensor linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.linspace.Call().D(start).D(end).I(steps).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor eye(long n, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.eye.Call().I(n).Dtype(dtype).None().Dev(device).ToTensor();

    /// <summary>Uniform [0,1) from torch's global generator (seeded by <see cref="manual_seed"/>).</summary>
    public static Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.rand.Call().Ints(shape).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Aten.randn.Call().Ints(shape).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor randint(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Aten.randint.Call().I(low).I(high).Ints(shape).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor randperm(long n, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Aten.randperm.Call().I(n).Dtype(dtype).None().Dev(device).ToTensor();

    public static Tensor bernoulli(Tensor probabilities_shape_source, double p) => Aten.bernoulli_p.Call().T(probabilities_shape_source).D(p).ToTensor();

    // ---- combining ----
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Aten.cat.Call().Tensors(tensors).I(dim).ToTensor();
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Aten.stack.Call().Tensors(tensors).I(dim).ToTensor();
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => Aten.where.Call().T(condition).T(x).T(y).ToTensor();
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    public static Tensor one_hot(Tensor labels, long num_classes) => Aten.one_hot.Call().T(labels).I(num_classes).ToTensor();

    /// <summary>torch.autograd: gradients of outputs with respect to chosen inputs.</summary>
    public static class autograd
    {
        public static unsafe Tensor?[] grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? grad_outputs = null,
            bool retain_graph = false, bool create_graph = false, bool allow_unused = false)
        {
            var outs = outputs.Select(t => t.Handle).ToArray();
            var gouts = outputs.Select((_, i) => grad_outputs?[i]?.Handle ?? IntPtr.Zero).ToArray();
            var ins = inputs.Select(t => t.Handle).ToArray();
            var grads = new IntPtr[ins.Length];
            fixed (IntPtr* o = outs)
            fixed (IntPtr* g = gouts)
            fixed (IntPtr* i = ins)
            fixed (IntPtr* r = grads)
                Native.CheckStatus(Native.THSAutograd_grad(o, g, outs.Length, i, ins.Length, retain_graph ? 1 : 0, create_graph ? 1 : 0, allow_unused ? 1 : 0, r), "autograd.grad");
            GC.KeepAlive(outputs);
            GC.KeepAlive(inputs);
            GC.KeepAlive(grad_outputs);
            return grads.Select(h => h == IntPtr.Zero ? null : new Tensor(h)).ToArray();
        }
    }
}
