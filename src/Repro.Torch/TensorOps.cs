namespace Repro.Torch;

/// <summary>Tensor methods named as in PyTorch; each is one aten call through the dispatcher.</summary>
public sealed partial class Tensor
{
    // ---- arithmetic ----
    public Tensor add(Tensor other, double alpha = 1) => Aten.add.Call().T(this).T(other).D(alpha).ToTensor();
    public Tensor add(double other) => Aten.add_scalar.Call().T(this).D(other).ToTensor();
    public Tensor add_(Tensor other, double alpha = 1) { Aten.add_.Call().T(this).T(other).D(alpha).Run(); return this; }
    public Tensor sub(Tensor other) => Aten.sub.Call().T(this).T(other).ToTensor();
    public Tensor sub(double other) => Aten.sub_scalar.Call().T(this).D(other).ToTensor();
    public Tensor mul(Tensor other) => Aten.mul.Call().T(this).T(other).ToTensor();
    public Tensor mul(double other) => Aten.mul_scalar.Call().T(this).D(other).ToTensor();
    public Tensor mul_(Tensor other) { Aten.mul_.Call().T(this).T(other).Run(); return this; }
    public Tensor mul_(double other) { Aten.mul_scalar_.Call().T(this).D(other).Run(); return this; }
    public Tensor div(Tensor other) => Aten.div.Call().T(this).T(other).ToTensor();
    public Tensor div(double other) => Aten.div_scalar.Call().T(this).D(other).ToTensor();
    public Tensor neg() => Aten.neg.Call().T(this).ToTensor();
    public Tensor abs() => Aten.abs.Call().T(this).ToTensor();
    public Tensor sqrt() => Aten.sqrt.Call().T(this).ToTensor();
    public Tensor exp() => Aten.exp.Call().T(this).ToTensor();
    public Tensor log() => Aten.log.Call().T(this).ToTensor();
    public Tensor pow(double exponent) => Aten.pow_scalar.Call().T(this).D(exponent).ToTensor();
    public Tensor pow(Tensor exponent) => Aten.pow.Call().T(this).T(exponent).ToTensor();
    public Tensor sigmoid() => Aten.sigmoid.Call().T(this).ToTensor();
    public Tensor tanh() => Aten.tanh.Call().T(this).ToTensor();
    public Tensor sign() => Aten.sign.Call().T(this).ToTensor();
    public Tensor floor() => Aten.floor.Call().T(this).ToTensor();
    public Tensor ceil() => Aten.ceil.Call().T(this).ToTensor();
    public Tensor round() => Aten.round.Call().T(this).ToTensor();
    public Tensor clamp(double? min = null, double? max = null) => Aten.clamp.Call().T(this).OptD(min).OptD(max).ToTensor();
    public Tensor clamp_min(double min) => Aten.clamp_min.Call().T(this).D(min).ToTensor();
    public Tensor clamp_max(double max) => Aten.clamp_max.Call().T(this).D(max).ToTensor();
    public Tensor minimum(Tensor other) => Aten.minimum.Call().T(this).T(other).ToTensor();
    public Tensor maximum(Tensor other) => Aten.maximum.Call().T(this).T(other).ToTensor();
    public Tensor matmul(Tensor other) => Aten.matmul.Call().T(this).T(other).ToTensor();
    public Tensor mm(Tensor other) => Aten.mm.Call().T(this).T(other).ToTensor();
    public Tensor relu() => Aten.relu.Call().T(this).ToTensor();

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, double b) => a.add(b);
    public static Tensor operator +(double a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, double b) => a.sub(b);
    public static Tensor operator -(double a, Tensor b) => Aten.rsub_scalar.Call().T(b).D(a).ToTensor();
    public static Tensor operator -(Tensor a) => a.neg();
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, double b) => a.mul(b);
    public static Tensor operator *(double a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, double b) => a.div(b);

    // ---- reductions ----
    public Tensor sum() => Aten.sum.Call().T(this).ToTensor();
    public Tensor sum(long dim, bool keepdim = false) => Aten.sum_dim.Call().T(this).Ints([dim]).B(keepdim).ToTensor();
    public Tensor sum(long[] dims, bool keepdim = false) => Aten.sum_dim.Call().T(this).Ints(dims).B(keepdim).ToTensor();
    public Tensor mean() => Aten.mean.Call().T(this).ToTensor();
    public Tensor mean(long dim, bool keepdim = false) => Aten.mean_dim.Call().T(this).Ints([dim]).B(keepdim).ToTensor();
    public Tensor mean(long[] dims, bool keepdim = false) => Aten.mean_dim.Call().T(this).Ints(dims).B(keepdim).ToTensor();
    /// <summary>Standard deviation; unbiased (correction 1) by default as in PyTorch.</summary>
    public Tensor std(long dim, bool unbiased = true, bool keepdim = false) => Aten.std_dim.Call().T(this).Ints([dim]).I(unbiased ? 1 : 0).B(keepdim).ToTensor();
    public Tensor var(long dim, bool unbiased = true, bool keepdim = false) => Aten.var_dim.Call().T(this).Ints([dim]).I(unbiased ? 1 : 0).B(keepdim).ToTensor();
    public Tensor max() => Aten.max.Call().T(this).ToTensor();
    public Tensor min() => Aten.min.Call().T(this).ToTensor();
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false) => Aten.max_dim.Call().T(this).I(dim).B(keepdim).ToTensor2();
    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false) => Aten.min_dim.Call().T(this).I(dim).B(keepdim).ToTensor2();
    public Tensor amax(long dim, bool keepdim = false) => Aten.amax.Call().T(this).Ints([dim]).B(keepdim).ToTensor();
    public Tensor amin(long dim, bool keepdim = false) => Aten.amin.Call().T(this).Ints([dim]).B(keepdim).ToTensor();
    public Tensor argmax() => Aten.argmax.Call().T(this).ToTensor();
    public Tensor argmax(long dim, bool keepdim = false) => Aten.argmax.Call().T(this).I(dim).B(keepdim).ToTensor();
    public Tensor argmin(long dim, bool keepdim = false) => Aten.argmin.Call().T(this).I(dim).B(keepdim).ToTensor();
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true) => Aten.topk.Call().T(this).I(k).I(dim).B(largest).B(sorted).ToTensor2();
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false) => Aten.sort.Call().T(this).I(dim).B(descending).ToTensor2();
    public Tensor argsort(long dim = -1, bool descending = false) => Aten.argsort.Call().T(this).I(dim).B(descending).ToTensor();
    public Tensor cumsum(long dim) => Aten.cumsum.Call().T(this).I(dim).ToTensor();
    /// <summary>The vector p-norm over <paramref name="dims"/> (all elements when null).</summary>
    public Tensor norm(double p = 2, long[]? dims = null, bool keepdim = false)
    {
        var c = Aten.norm.Call().T(this).D(p);
        if (dims is null) c.None(); else c.Ints(dims);
        return c.B(keepdim).ToTensor();
    }
    public Tensor any() => Aten.any.Call().T(this).ToTensor();
    public Tensor all() => Aten.all.Call().T(this).ToTensor();
    public Tensor isfinite() => Aten.isfinite.Call().T(this).ToTensor();
    public Tensor nonzero() => Aten.nonzero.Call().T(this).ToTensor();

    // ---- comparison ----
    public Tensor eq(Tensor other) => Aten.eq.Call().T(this).T(other).ToTensor();
    public Tensor eq(double other) => Aten.eq_scalar.Call().T(this).D(other).ToTensor();
    public Tensor ne(double other) => Aten.ne_scalar.Call().T(this).D(other).ToTensor();
    public Tensor gt(Tensor other) => Aten.gt.Call().T(this).T(other).ToTensor();
    public Tensor gt(double other) => Aten.gt_scalar.Call().T(this).D(other).ToTensor();
    public Tensor ge(Tensor other) => Aten.ge.Call().T(this).T(other).ToTensor();
    public Tensor ge(double other) => Aten.ge_scalar.Call().T(this).D(other).ToTensor();
    public Tensor lt(Tensor other) => Aten.lt.Call().T(this).T(other).ToTensor();
    public Tensor lt(double other) => Aten.lt_scalar.Call().T(this).D(other).ToTensor();
    public Tensor le(Tensor other) => Aten.le.Call().T(this).T(other).ToTensor();
    public Tensor le(double other) => Aten.le_scalar.Call().T(this).D(other).ToTensor();
    public Tensor logical_and(Tensor other) => Aten.logical_and.Call().T(this).T(other).ToTensor();
    public Tensor logical_or(Tensor other) => Aten.logical_or.Call().T(this).T(other).ToTensor();
    public Tensor logical_not() => Aten.logical_not.Call().T(this).ToTensor();
    public Tensor masked_fill(Tensor mask, double value) => Aten.masked_fill.Call().T(this).T(mask).D(value).ToTensor();
    public Tensor masked_select(Tensor mask) => Aten.masked_select.Call().T(this).T(mask).ToTensor();

    // ---- shape ----
    public Tensor view(params long[] shape) => Aten.view.Call().T(this).Ints(shape).ToTensor();
    public Tensor reshape(params long[] shape) => Aten.reshape.Call().T(this).Ints(shape).ToTensor();
    public Tensor permute(params long[] dims) => Aten.permute.Call().T(this).Ints(dims).ToTensor();
    public Tensor transpose(long dim0, long dim1) => Aten.transpose.Call().T(this).I(dim0).I(dim1).ToTensor();
    public Tensor t() => transpose(0, 1);
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Aten.flatten.Call().T(this).I(start_dim).I(end_dim).ToTensor();
    public Tensor unsqueeze(long dim) => Aten.unsqueeze.Call().T(this).I(dim).ToTensor();
    public Tensor squeeze(long dim) => Aten.squeeze_dim.Call().T(this).I(dim).ToTensor();
    public Tensor contiguous() => Aten.contiguous.Call().T(this).ToTensor();
    public Tensor expand(params long[] size) => Aten.expand.Call().T(this).Ints(size).ToTensor();
    public Tensor repeat(params long[] repeats) => Aten.repeat.Call().T(this).Ints(repeats).ToTensor();
    public Tensor flip(params long[] dims) => Aten.flip.Call().T(this).Ints(dims).ToTensor();
    public Tensor roll(long[] shifts, long[] dims) => Aten.roll.Call().T(this).Ints(shifts).Ints(dims).ToTensor();
    public Tensor narrow(long dim, long start, long length) => Aten.narrow.Call().T(this).I(dim).I(start).I(length).ToTensor();
    public Tensor select(long dim, long index) => Aten.select.Call().T(this).I(dim).I(index).ToTensor();
    public Tensor slice(long dim, long? start, long? end, long step = 1) => Aten.slice.Call().T(this).I(dim).OptI(start).OptI(end).I(step).ToTensor();
    public Tensor index_select(long dim, Tensor index) => Aten.index_select.Call().T(this).I(dim).T(index).ToTensor();
    public Tensor gather(long dim, Tensor index) => Aten.gather.Call().T(this).I(dim).T(index).ToTensor();
    public Tensor scatter_add(long dim, Tensor index, Tensor src) => Aten.scatter_add.Call().T(this).I(dim).T(index).T(src).ToTensor();
    /// <summary>Advanced indexing, <c>x[i0, i1, ...]</c>; null entries stand for full slices.</summary>
    public Tensor index(params Tensor?[] indices) => Aten.index.Call().T(this).OptTensors(indices).ToTensor();
    public Tensor index_put_(Tensor?[] indices, Tensor values, bool accumulate = false) { Aten.index_put_.Call().T(this).OptTensors(indices).T(values).B(accumulate).Run(); return this; }
    public Tensor[] split(long split_size, long dim = 0) => Aten.split.Call().T(this).I(split_size).I(dim).ToTensors();
    public Tensor[] chunk(long chunks, long dim = 0) => Aten.chunk.Call().T(this).I(chunks).I(dim).ToTensors();
    public Tensor this[long i] => select(0, i);

    // ---- autograd and copies ----
    public Tensor clone() => Aten.clone.Call().T(this).ToTensor();
    public Tensor detach() => Aten.detach.Call().T(this).ToTensor();

    // ---- in-place initialisation (used under no_grad by nn.init) ----
    public Tensor uniform_(double from = 0, double to = 1) { Aten.uniform_.Call().T(this).D(from).D(to).Run(); return this; }
    public Tensor normal_(double mean = 0, double std = 1) { Aten.normal_.Call().T(this).D(mean).D(std).Run(); return this; }
    public Tensor fill_(double value) { Aten.fill_.Call().T(this).D(value).Run(); return this; }
    public Tensor zero_() { Aten.zero_.Call().T(this).Run(); return this; }
}
