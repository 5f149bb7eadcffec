namespace Repro.Experiments.Detection;

/// <summary>
/// Weights that scale the four regression targets (dx, dy, dw, dh). Fast and Faster R-CNN normalise the targets
/// with standard deviations 0.1, 0.1, 0.2, 0.2, i.e. weights 10, 10, 5, 5; R-CNN's ridge regression uses 1s.
/// </summary>
public readonly record struct BoxWeights(double X, double Y, double W, double H)
{
    public static readonly BoxWeights Unit = new(1, 1, 1, 1);
    public static readonly BoxWeights Normalised = new(10, 10, 5, 5);
}

/// <summary>
/// The box parameterisation of R-CNN (Girshick et al. 2014, appendix C), shared by Fast and Faster R-CNN:
/// dx = (gx - px) / pw, dy = (gy - py) / ph, dw = log(gw / pw), dh = log(gh / ph), each times its weight.
/// Boxes are pixel boxes (x1, y1, x2, y2) with inclusive corners, so width = x2 - x1 + 1 and the centre is
/// (x1 + x2) / 2; decoding inverts encoding exactly.
/// </summary>
public static class BoxCoding
{
    /// <summary>Widths and heights above e^this times the reference box are clamped when decoding (as in Detectron).</summary>
    public static readonly double MaxLogScale = Math.Log(1000.0 / 16);

    /// <summary>Targets that move <paramref name="reference"/> [N,4] onto <paramref name="target"/> [N,4] -> [N,4].</summary>
    public static Tensor Encode(Tensor reference, Tensor target, BoxWeights weights)
    {
        using var scope = torch.NewDisposeScope();
        var (px, py, pw, ph) = Centres(reference);
        var (gx, gy, gw, gh) = Centres(target);
        var result = torch.stack([
            (gx - px) / pw * weights.X,
            (gy - py) / ph * weights.Y,
            (gw / pw).log() * weights.W,
            (gh / ph).log() * weights.H,
        ], 1);
        return scope.MoveToOuter(result);
    }

    /// <summary>
    /// Applies deltas [N, 4k] (k boxes per reference, e.g. one per class) to <paramref name="reference"/> [N,4]
    /// -> boxes [N, 4k].
    /// </summary>
    public static Tensor Decode(Tensor reference, Tensor deltas, BoxWeights weights)
    {
        using var scope = torch.NewDisposeScope();
        long n = deltas.size(0);
        if (deltas.size(1) % 4 != 0) throw new ArgumentException($"deltas have {deltas.size(1)} columns, not a multiple of 4");
        var d = deltas.view(n, -1, 4);
        var (px, py, pw, ph) = Centres(reference);
        px = px.unsqueeze(1); py = py.unsqueeze(1); pw = pw.unsqueeze(1); ph = ph.unsqueeze(1);
        var cx = d.select(2, 0) / weights.X * pw + px;
        var cy = d.select(2, 1) / weights.Y * ph + py;
        var w = (d.select(2, 2) / weights.W).clamp_max(MaxLogScale).exp() * pw;
        var h = (d.select(2, 3) / weights.H).clamp_max(MaxLogScale).exp() * ph;
        var boxes = torch.stack([cx - (w - 1) * 0.5, cy - (h - 1) * 0.5, cx + (w - 1) * 0.5, cy + (h - 1) * 0.5], 2);
        return scope.MoveToOuter(boxes.view(n, -1));
    }

    /// <summary>Clamps pixel boxes [N, 4k] into an image of the given size (0 .. width-1, 0 .. height-1).</summary>
    public static Tensor Clip(Tensor boxes, int width, int height)
    {
        using var scope = torch.NewDisposeScope();
        long n = boxes.size(0);
        var b = boxes.view(n, -1, 4);
        var clipped = torch.stack([
            b.select(2, 0).clamp(0, width - 1), b.select(2, 1).clamp(0, height - 1),
            b.select(2, 2).clamp(0, width - 1), b.select(2, 3).clamp(0, height - 1),
        ], 2);
        return scope.MoveToOuter(clipped.view(n, -1));
    }

    static (Tensor x, Tensor y, Tensor w, Tensor h) Centres(Tensor boxes)
    {
        var x1 = boxes.select(1, 0);
        var y1 = boxes.select(1, 1);
        var x2 = boxes.select(1, 2);
        var y2 = boxes.select(1, 3);
        return ((x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1 + 1, y2 - y1 + 1);
    }
}
