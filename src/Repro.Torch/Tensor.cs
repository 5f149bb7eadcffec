using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Repro.Torch;

/// <summary>
/// A handle on a libtorch tensor. Disposal is deterministic: through the innermost
/// <see cref="DisposeScope"/> that was open when it was created, or explicitly; the finaliser is a
/// back-stop only.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    IntPtr handle;

    internal Tensor(IntPtr handle)
    {
        if (handle == IntPtr.Zero) throw new ArgumentException("null tensor handle");
        this.handle = handle;
        Scope = DisposeScope.Current;
        Scope?.Add(this);
    }

    ~Tensor()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Native.THSTensor_dispose(h);
    }

    internal DisposeScope? Scope { get; set; }

    internal IntPtr Handle
    {
        get
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (its dispose scope closed?)");
            return h;
        }
    }

    public bool IsDisposed => handle == IntPtr.Zero;

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h == IntPtr.Zero) return;
        Scope?.Remove(this);
        Scope = null;
        Native.THSTensor_dispose(h);
        GC.SuppressFinalize(this);
    }

    /// <summary>Native tensor handles alive in this process (all threads).</summary>
    public static long LiveCount => Native.THSTensor_live_count();

    /// <summary>Hands the tensor to the scope around the current one (or to no scope).</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        if (Scope is { } s) s.MoveToOuter(this);
        return this;
    }

    /// <summary>Takes the tensor out of every scope: the caller (or a module) now owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope?.Remove(this);
        Scope = null;
        return this;
    }

    // ---- metadata ----
    public unsafe long[] shape
    {
        get
        {
            var h = Handle;
            var n = Native.THSTensor_ndim(h);
            var s = new long[n];
            fixed (long* p = s) Native.THSTensor_shape(h, p);
            return s;
        }
    }

    public long size(int dim)
    {
        var s = shape;
        return s[dim < 0 ? dim + s.Length : dim];
    }

    public int dim() => Native.THSTensor_ndim(Handle);
    public int ndim => dim();
    public long numel() => Native.THSTensor_numel(Handle);
    public ScalarType dtype => (ScalarType)Native.THSTensor_dtype(Handle);
    public bool is_contiguous() => Native.THSTensor_is_contiguous(Handle) != 0;

    public Device device
    {
        get
        {
            var h = Handle;
            return Native.THSTensor_device_type(h) == 1 ? new Device(DeviceType.CUDA, Native.THSTensor_device_index(h)) : new Device(DeviceType.CPU);
        }
    }

    public bool requires_grad
    {
        get => Native.THSTensor_requires_grad(Handle) != 0;
        set => Native.CheckStatus(Native.THSTensor_set_requires_grad(Handle, value ? 1 : 0), "requires_grad");
    }

    public Tensor requires_grad_(bool value = true)
    {
        requires_grad = value;
        return this;
    }

    /// <summary>The accumulated gradient (a new handle), or null.</summary>
    public Tensor? grad
    {
        get
        {
            var g = Native.THSTensor_grad(Handle);
            if (g == IntPtr.Zero)
            {
                Native.Check("grad");
                return null;
            }
            return new Tensor(g);
        }
    }

    public void zero_grad() => Native.CheckStatus(Native.THSTensor_zero_grad(Handle), "zero_grad");

    public void backward(Tensor? gradient = null, bool retain_graph = false) =>
        Native.CheckStatus(Native.THSTensor_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retain_graph ? 1 : 0), "backward");

    // ---- values ----
    public T item<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { var v = (float)ItemDouble(); return Unsafe.As<float, T>(ref v); }
        if (typeof(T) == typeof(double)) { var v = ItemDouble(); return Unsafe.As<double, T>(ref v); }
        if (typeof(T) == typeof(long)) { var v = ItemLong(); return Unsafe.As<long, T>(ref v); }
        if (typeof(T) == typeof(int)) { var v = (int)ItemLong(); return Unsafe.As<int, T>(ref v); }
        if (typeof(T) == typeof(bool)) { var v = ItemLong() != 0; return Unsafe.As<bool, T>(ref v); }
        throw new ArgumentException($"item<{typeof(T).Name}> is not supported");
    }

    double ItemDouble()
    {
        var v = Native.THSTensor_item_double(Handle);
        if (double.IsNaN(v)) Native.Check("item");
        return v;
    }

    long ItemLong()
    {
        var v = Native.THSTensor_item_long(Handle);
        if (v == long.MinValue) Native.Check("item");
        return v;
    }

    /// <summary>A copy of the elements in row-major order (any device, any layout).</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[numel()];
        fixed (T* p = result)
            Native.CheckStatus(Native.THSTensor_copy_to(Handle, p, (long)result.Length * sizeof(T)), "ToArray");
        return result;
    }

    /// <summary>The storage of a contiguous CPU tensor, without a copy. Valid while the tensor lives.</summary>
    public unsafe Span<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var p = Native.CheckHandle(Native.THSTensor_data_ptr(Handle), "AsSpan");
        return new Span<T>((void*)p, checked((int)numel()));
    }

    /// <summary>Overwrites the elements of a contiguous CPU tensor from managed memory, outside autograd.</summary>
    public unsafe void CopyFrom<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = values)
            Native.CheckStatus(Native.THSTensor_copy_from(Handle, p, (long)values.Length * sizeof(T)), "CopyFrom");
    }

    void CheckElementType<T>() where T : unmanaged
    {
        var expected = ScalarTypes.Of<T>();
        if (dtype != expected) throw new InvalidOperationException($"tensor has dtype {dtype}, not {expected} ({typeof(T).Name})");
    }

    public Tensor to(ScalarType type) => new(Native.CheckHandle(Native.THSTensor_to(Handle, (int)type, (int)device.type, Math.Max(device.index, 0), 0), "to"));

    public Tensor to(Device target) => new(Native.CheckHandle(Native.THSTensor_to(Handle, (int)dtype, (int)target.type, Math.Max(target.index, 0), 0), "to"));

    public Tensor to(Device target, ScalarType type) => new(Native.CheckHandle(Native.THSTensor_to(Handle, (int)type, (int)target.type, Math.Max(target.index, 0), 0), "to"));

    public Tensor cpu() => to(new Device(DeviceType.CPU));
    public Tensor cuda() => to(new Device(DeviceType.CUDA, 0));
    public Tensor @float() => to(ScalarType.Float32);
    public Tensor @long() => to(ScalarType.Int64);

    /// <summary>Another handle on the same tensor (same storage, same autograd node).</summary>
    public Tensor alias() => new(Native.CheckHandle(Native.THSTensor_alias(Handle), "alias"));

    /// <summary>Copies <paramref name="source"/>'s values into this tensor in place, outside autograd.</summary>
    public void copy_from(Tensor source) => Native.CheckStatus(Native.THSTensor_assign(Handle, source.Handle), "copy_");

    public override string ToString()
    {
        if (IsDisposed) return "tensor(disposed)";
        return $"tensor(shape=[{string.Join(", ", shape)}], dtype={dtype}, device={device})";
    }
}
