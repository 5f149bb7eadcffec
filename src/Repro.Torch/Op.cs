using System.Runtime.InteropServices;
using System.Text;

namespace Repro.Torch;

/// <summary>An aten operator resolved once through the c10 dispatcher (name + overload).</summary>
internal sealed class Op
{
    readonly string name;
    readonly string overload;
    IntPtr handle;

    internal Op(string name, string overload = "")
    {
        this.name = name;
        this.overload = overload;
    }

    internal string Name => overload.Length == 0 ? name : $"{name}.{overload}";

    internal IntPtr Handle
    {
        get
        {
            if (handle == IntPtr.Zero)
                handle = Native.CheckHandle(Native.THSOp_find(name, overload), Name);
            return handle;
        }
    }

    internal unsafe string Schema()
    {
        var buffer = new byte[4096];
        fixed (byte* p = buffer)
        {
            var n = Native.THSOp_schema(Handle, p, buffer.Length);
            Native.CheckStatus(n, Name);
            return Encoding.UTF8.GetString(buffer, 0, Math.Min(n, buffer.Length - 1));
        }
    }

    /// <summary>Starts a call: push arguments in schema order; trailing defaults may be left out.</summary>
    internal OpCall Call() => OpCall.Begin(this);
}

/// <summary>
/// The argument stack of one boxed operator call. One instance per thread is reused; buffers for
/// lists are pinned arrays, so building a call allocates nothing on the managed heap.
/// </summary>
internal sealed unsafe class OpCall
{
    const int MaxArgs = 32;
    const int MaxResults = 256;

    [ThreadStatic] static OpCall? cached;

    readonly NativeArg[] args = GC.AllocateArray<NativeArg>(MaxArgs, pinned: true);
    readonly NativeResult[] results = GC.AllocateArray<NativeResult>(MaxResults, pinned: true);
    long[] longs = GC.AllocateArray<long>(256, pinned: true);
    double[] doubles = GC.AllocateArray<double>(64, pinned: true);
    IntPtr[] handles = GC.AllocateArray<IntPtr>(256, pinned: true);
    readonly List<object> keepAlive = new();
    readonly List<IntPtr> strings = new();
    Op op = null!;
    int count, longUsed, doubleUsed, handleUsed;
    bool busy;

    internal static OpCall Begin(Op op)
    {
        var c = cached;
        if (c == null || c.busy) c = new OpCall(); // a call started while building another
        else cached = null;
        c.op = op;
        c.busy = true;
        c.count = c.longUsed = c.doubleUsed = c.handleUsed = 0;
        return c;
    }

    ref NativeArg Next(int kind)
    {
        if (count == MaxArgs) throw new InvalidOperationException($"{op.Name}: too many arguments");
        ref var a = ref args[count++];
        a = default;
        a.Kind = kind;
        return ref a;
    }

    internal OpCall T(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        ref var a = ref Next(1);
        a.P = t.Handle;
        keepAlive.Add(t);
        return this;
    }

    /// <summary>An optional tensor: null passes None.</summary>
    internal OpCall OptT(Tensor? t) => t is null ? None() : T(t);

    internal OpCall None()
    {
        Next(0);
        return this;
    }

    internal OpCall I(long v)
    {
        Next(2).I = v;
        return this;
    }

    internal OpCall OptI(long? v) => v.HasValue ? I(v.Value) : None();

    internal OpCall D(double v)
    {
        Next(3).D = v;
        return this;
    }

    internal OpCall OptD(double? v) => v.HasValue ? D(v.Value) : None();

    internal OpCall B(bool v)
    {
        Next(4).I = v ? 1 : 0;
        return this;
    }

    internal OpCall Dtype(ScalarType? t) => t.HasValue ? I((int)t.Value) : None();

    internal OpCall Dev(Device? d)
    {
        if (d is null) return None();
        ref var a = ref Next(10);
        a.I = (int)d.type;
        a.Len = Math.Max(d.index, 0);
        return this;
    }

    internal OpCall Ints(ReadOnlySpan<long> values)
    {
        ref var a = ref Next(5);
        a.Len = values.Length;
        a.P = Pin(ref longs, ref longUsed, values);
        return this;
    }

    internal OpCall Bools(ReadOnlySpan<bool> values)
    {
        Span<long> tmp = stackalloc long[values.Length];
        for (var i = 0; i < values.Length; i++) tmp[i] = values[i] ? 1 : 0;
        Ints(tmp);
        args[count - 1].Kind = 11;
        return this;
    }

    internal OpCall Doubles(ReadOnlySpan<double> values)
    {
        ref var a = ref Next(8);
        a.Len = values.Length;
        a.P = Pin(ref doubles, ref doubleUsed, values);
        return this;
    }

    internal OpCall Tensors(IReadOnlyList<Tensor> values) => TensorList(values, 6);

    /// <summary>A Tensor?[] argument (advanced indexing): null entries are None.</summary>
    internal OpCall OptTensors(IReadOnlyList<Tensor?> values) => TensorList(values, 9);

    OpCall TensorList(IReadOnlyList<Tensor?> values, int kind)
    {
        Span<IntPtr> list = values.Count <= 64 ? stackalloc IntPtr[values.Count] : new IntPtr[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var t = values[i];
            if (t is null && kind == 6) throw new ArgumentNullException(nameof(values), $"{op.Name}: null tensor in list");
            list[i] = t?.Handle ?? IntPtr.Zero;
            if (t is not null) keepAlive.Add(t);
        }
        ref var a = ref Next(kind);
        a.Len = values.Count;
        a.P = Pin(ref handles, ref handleUsed, list);
        return this;
    }

    internal OpCall S(string value)
    {
        var p = Marshal.StringToCoTaskMemUTF8(value);
        strings.Add(p);
        Next(7).P = p;
        return this;
    }

    /// <summary>
    /// Copies a list argument into this call's pinned scratch buffer and returns its address. When the buffer is
    /// full a larger one replaces it; the old one stays alive (and pinned) until the call ends, so addresses
    /// handed out earlier in the same call stay valid.
    /// </summary>
    IntPtr Pin<TElem>(ref TElem[] buffer, ref int used, ReadOnlySpan<TElem> values) where TElem : unmanaged
    {
        if (used + values.Length > buffer.Length)
        {
            keepAlive.Add(buffer);
            buffer = GC.AllocateArray<TElem>(Math.Max(values.Length, buffer.Length * 2), pinned: true);
            used = 0;
        }
        values.CopyTo(buffer.AsSpan(used));
        IntPtr address;
        fixed (TElem* p = &buffer[0]) address = (IntPtr)(p + used);
        used += values.Length;
        return address;
    }

    int Invoke()
    {
        try
        {
            int n;
            fixed (NativeArg* a = args)
            fixed (NativeResult* r = results)
                n = Native.THSOp_call(op.Handle, a, count, r, MaxResults);
            if (n < 0) Native.Check(op.Name);
            return n;
        }
        finally
        {
            keepAlive.Clear();
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
            strings.Clear();
            busy = false;
            cached ??= this;
        }
    }

    /// <summary>Runs the call and returns its single tensor result.</summary>
    internal Tensor ToTensor()
    {
        var n = Invoke();
        if (n < 1 || results[0].Kind != 1)
        {
            ReleaseResults(n);
            throw new TorchException(op.Name, "expected a tensor result");
        }
        for (var i = 1; i < n; i++) Release(results[i]);
        return new Tensor(results[0].P);
    }

    internal (Tensor, Tensor) ToTensor2()
    {
        var all = ToTensors();
        if (all.Length != 2)
        {
            foreach (var t in all) t.Dispose();
            throw new TorchException(op.Name, $"expected 2 tensor results, got {all.Length}");
        }
        return (all[0], all[1]);
    }

    internal Tensor[] ToTensors()
    {
        var n = Invoke();
        var list = new List<Tensor>(n);
        for (var i = 0; i < n; i++)
            if (results[i].Kind == 1) list.Add(new Tensor(results[i].P));
        return list.ToArray();
    }

    /// <summary>Runs an in-place or out= call whose returned alias is not needed.</summary>
    internal void Run() => ReleaseResults(Invoke());

    internal double ToDouble()
    {
        var n = Invoke();
        var r = results[0];
        ReleaseResults(n);
        return r.Kind switch { 3 => r.D, 2 or 4 => r.I, _ => throw new TorchException(op.Name, "expected a number") };
    }

    internal long ToLong()
    {
        var n = Invoke();
        var r = results[0];
        ReleaseResults(n);
        return r.Kind is 2 or 4 ? r.I : throw new TorchException(op.Name, "expected an integer");
    }

    internal bool ToBool() => ToLong() != 0;

    void ReleaseResults(int n)
    {
        for (var i = 0; i < n; i++) Release(results[i]);
    }

    static void Release(in NativeResult r)
    {
        if (r.Kind == 1) Native.THSTensor_dispose(r.P);
    }
}
