namespace Repro.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost open scope, and disposes
/// them when it closes - one scope per training step keeps native memory flat. Tensors that must
/// outlive the step are moved out with <see cref="Tensor.MoveToOuterDisposeScope"/> or detached with
/// <see cref="Tensor.DetachFromDisposeScope"/>.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] static DisposeScope? current;

    readonly DisposeScope? outer;
    readonly HashSet<Tensor> owned = new(ReferenceEqualityComparer.Instance);
    bool disposed;

    internal DisposeScope()
    {
        outer = current;
        current = this;
    }

    internal static DisposeScope? Current => current;

    internal DisposeScope? Outer => outer;

    public int Count => owned.Count;

    internal void Add(Tensor t) => owned.Add(t);

    internal bool Remove(Tensor t) => owned.Remove(t);

    /// <summary>Keeps <paramref name="t"/> alive past this scope (it joins the outer scope, if any).</summary>
    public Tensor MoveToOuter(Tensor t)
    {
        if (owned.Remove(t))
        {
            t.Scope = outer;
            outer?.Add(t);
        }
        return t;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (current == this) current = outer;
        foreach (var t in owned)
        {
            t.Scope = null;
            t.Dispose();
        }
        owned.Clear();
    }
}
