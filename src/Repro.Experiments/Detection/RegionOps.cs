namespace Repro.Experiments.Detection;

/// <summary>
/// Region operations with torchvision's conventions (torchvision.ops.box_iou, nms, roi_pool,
/// roi_align), written against TorchSharp's tensor API.
/// </summary>
/// <remarks>
/// <para>Boxes are (x1, y1, x2, y2); RoIs are (batch_index, x1, y1, x2, y2) in input-image
/// coordinates, scaled to the feature map by <c>spatialScale</c>. The RoIs are constants: no gradient
/// flows to them (as in torchvision); the pooled outputs are differentiable w.r.t. the input.</para>
/// <para>The RoI geometry (bin edges, sample positions, bilinear weights, which samples are dropped) is
/// computed on the CPU in the input's precision, reproducing torchvision's CPU kernels operation by
/// operation (float32 rounding is emulated for float32 inputs), so rounding, clipping and clamping
/// branches agree with torchvision exactly. The pooling runs as TorchSharp ops on the input's device:
/// RoiPool uses adaptive_max_pool2d on the RoI's region when that reproduces torchvision's bins (RoI inside
/// the map), else a masked max over gathered bin windows; RoiAlign uses, per RoI, either two small matmuls
/// with separable interpolation matrices (many samples per bin: features) or, batched, grid_sample at
/// torchvision's sample points (few samples, large outputs: image crops). float64 results match
/// torchvision to ~1e-14; float32 ones to float rounding (the grid_sample path's normalised coordinates
/// add an error of about size x 6e-8 pixels, comparable to torchvision's own float32 coordinates).</para>
/// </remarks>
public static class RegionOps
{
    /// <summary>Upper bound on the sampled elements (channels x sample points) materialised at once by RoiAlign's
    /// grid path; RoIs are processed in chunks below it.</summary>
    private const long SampleBudget = 1L << 24;

    /// <summary>
    /// Pairwise IoU of <paramref name="a"/> [N,4] and <paramref name="b"/> [M,4] -> [N,M].
    /// With <paramref name="offset"/> = 1 widths and heights are x2 - x1 + 1 (VOC's inclusive pixels);
    /// 0 is torchvision.ops.box_iou. Differentiable.
    /// </summary>
    public static Tensor BoxIou(Tensor a, Tensor b, double offset = 0)
    {
        CheckBoxes(a, nameof(a));
        CheckBoxes(b, nameof(b));
        using var scope = torch.NewDisposeScope();
        var areaA = (a[.., 2] - a[.., 0] + offset) * (a[.., 3] - a[.., 1] + offset);
        var areaB = (b[.., 2] - b[.., 0] + offset) * (b[.., 3] - b[.., 1] + offset);
        var lt = torch.maximum(a[.., TensorIndex.None, 0..2], b[.., 0..2]);
        var rb = torch.minimum(a[.., TensorIndex.None, 2..4], b[.., 2..4]);
        var wh = (rb - lt + offset).clamp_min(0);
        var inter = wh[.., .., 0] * wh[.., .., 1];
        var union = areaA.unsqueeze(1) + areaB.unsqueeze(0) - inter;
        var iou = inter / union;
        return scope.MoveToOuter(iou);
    }

    /// <summary>
    /// Greedy non-maximum suppression (torchvision.ops.nms): Int64 indices of the kept boxes, by
    /// decreasing score; tied scores keep the lower index first (stable sort). A box is suppressed
    /// when its IoU with an already kept box is strictly greater than <paramref name="iouThreshold"/>.
    /// <paramref name="offset"/> as in <see cref="BoxIou"/>. Computed on the CPU; the result is on
    /// the boxes' device.
    /// </summary>
    public static Tensor Nms(Tensor boxes, Tensor scores, double iouThreshold, double offset = 0)
    {
        CheckBoxes(boxes, nameof(boxes));
        if (scores.dim() != 1 || scores.shape[0] != boxes.shape[0])
            throw new ArgumentException($"scores must be [N] with N = {boxes.shape[0]}, got [{string.Join(",", scores.shape)}].", nameof(scores));
        var f32 = boxes.dtype != ScalarType.Float64;
        var box = ReadDoubles(boxes);
        var score = ReadDoubles(scores);
        int n = score.Length;

        var x1 = new double[n]; var y1 = new double[n]; var x2 = new double[n]; var y2 = new double[n]; var area = new double[n];
        for (int i = 0; i < n; i++)
        {
            x1[i] = box[4 * i]; y1[i] = box[4 * i + 1]; x2[i] = box[4 * i + 2]; y2[i] = box[4 * i + 3];
            area[i] = R(f32, R(f32, R(f32, x2[i] - x1[i]) + offset) * R(f32, R(f32, y2[i] - y1[i]) + offset));
        }
        // LINQ's OrderByDescending is a stable sort: ties keep ascending index order.
        var order = Enumerable.Range(0, n).OrderByDescending(i => score[i]).ToArray();
        var suppressed = new bool[n];
        var keep = new List<long>();
        for (int oi = 0; oi < n; oi++)
        {
            int i = order[oi];
            if (suppressed[i]) continue;
            keep.Add(i);
            for (int oj = oi + 1; oj < n; oj++)
            {
                int j = order[oj];
                if (suppressed[j]) continue;
                double w = Math.Max(0, R(f32, R(f32, Math.Min(x2[i], x2[j]) - Math.Max(x1[i], x1[j])) + offset));
                double h = Math.Max(0, R(f32, R(f32, Math.Min(y2[i], y2[j]) - Math.Max(y1[i], y1[j])) + offset));
                double inter = R(f32, w * h);
                double ovr = R(f32, inter / R(f32, R(f32, area[i] + area[j]) - inter));
                if (ovr > iouThreshold) suppressed[j] = true;
            }
        }
        return torch.tensor(keep.ToArray(), new long[] { keep.Count }, dtype: ScalarType.Int64, device: boxes.device);
    }

    /// <summary>
    /// torchvision.ops.roi_pool: max pooling of each RoI into <paramref name="outputH"/> x <paramref name="outputW"/> bins.
    /// input [B,C,H,W], rois [K,5] (batch, x1, y1, x2, y2) -> [K,C,outputH,outputW].
    /// The RoI corners are rounded (half away from zero) after scaling, roi size = max(end - start + 1, 1),
    /// bin p spans [floor(p*bin), ceil((p+1)*bin)) + start clipped to the map; empty bins give 0.
    /// Differentiable w.r.t. <paramref name="input"/> (the gradient goes to the first maximum in
    /// row-major order, as in torchvision).
    /// </summary>
    public static Tensor RoiPool(Tensor input, Tensor rois, long outputH, long outputW, double spatialScale) =>
        RoiPool(input, rois, outputH, outputW, spatialScale, RoiPoolPath.Auto);

    /// <summary>How <see cref="RoiPool(Tensor, Tensor, long, long, double)"/> evaluates a RoI (tests force each path).</summary>
    internal enum RoiPoolPath
    {
        /// <summary>adaptive_max_pool2d on the RoI's region when the RoI lies inside the map and its bins equal
        /// adaptive pooling's bins; the window path otherwise.</summary>
        Auto,
        /// <summary>Always the general path: per RoI, gather each bin's columns then rows, masked max.</summary>
        Window,
    }

    internal static Tensor RoiPool(Tensor input, Tensor rois, long outputH, long outputW, double spatialScale, RoiPoolPath path)
    {
        CheckRoiArgs(input, rois, outputH, outputW);
        using var scope = torch.NewDisposeScope();
        long B = input.shape[0], C = input.shape[1], H = input.shape[2], W = input.shape[3];
        long K = rois.shape[0];
        int PH = checked((int)outputH), PW = checked((int)outputW);
        if (K == 0 || C == 0)
            return scope.MoveToOuter(torch.zeros(new[] { K, C, outputH, outputW }, dtype: input.dtype, device: input.device));

        bool f32 = input.dtype != ScalarType.Float64;
        double scale = R(f32, spatialScale);
        var r = ReadDoubles(rois);
        var images = new Tensor?[B];
        Tensor? zero = null;
        var pooled = new Tensor[K];
        var hs = new int[PH]; var he = new int[PH]; var ws = new int[PW]; var we = new int[PW];
        for (long k = 0; k < K; k++)
        {
            long b = BatchIndex(r[5 * k], B);
            long sw = RoundHalfAway(R(f32, r[5 * k + 1] * scale));
            long sh = RoundHalfAway(R(f32, r[5 * k + 2] * scale));
            long ew = RoundHalfAway(R(f32, r[5 * k + 3] * scale));
            long eh = RoundHalfAway(R(f32, r[5 * k + 4] * scale));
            long roiW = Math.Max(ew - sw + 1, 1);
            long roiH = Math.Max(eh - sh + 1, 1);
            bool adaptiveH = PoolBins(f32, roiH, PH, sh, H, hs, he);
            bool adaptiveW = PoolBins(f32, roiW, PW, sw, W, ws, we);
            var image = images[b] ??= input.select(0, b);

            if (path == RoiPoolPath.Auto && adaptiveH && adaptiveW
                && sh >= 0 && sh + roiH <= H && sw >= 0 && sw + roiW <= W)
            {
                // Inside the map with torchvision's bins equal to adaptive pooling's bins on the region.
                var region = image.narrow(1, sh, roiH).narrow(2, sw, roiW);
                pooled[k] = torch.nn.functional.adaptive_max_pool2d(region, new[] { outputH, outputW });
            }
            else
            {
                pooled[k] = WindowMax(image, hs, he, ws, we)
                    ?? (zero ??= torch.zeros(new[] { C, outputH, outputW }, dtype: input.dtype, device: input.device));
            }
        }
        var result = torch.stack(pooled, 0);
        return scope.MoveToOuter(result);
    }

    /// <summary>
    /// torchvision's bins along one axis: [start, end) of bin p, offset by <paramref name="roiStart"/> and clipped to
    /// [0, size]. Returns whether the unclipped bins equal adaptive pooling's bins (floor(p*L/P), ceil((p+1)*L/P)).
    /// </summary>
    private static bool PoolBins(bool f32, long roiSize, int pooled, long roiStart, long size, int[] start, int[] end)
    {
        double bin = R(f32, (double)roiSize / pooled);
        bool adaptive = true;
        for (int p = 0; p < pooled; p++)
        {
            long s = (long)Math.Floor(R(f32, p * bin));
            long e = (long)Math.Ceiling(R(f32, (p + 1) * bin));
            adaptive &= s == p * roiSize / pooled && e == ((p + 1) * roiSize + pooled - 1) / pooled;
            start[p] = Clip(s + roiStart, size);
            end[p] = Clip(e + roiStart, size);
        }
        return adaptive;
    }

    /// <summary>
    /// Max over arbitrary (clipped) bins of one image [C,H,W] -> [C,PH,PW]; null when every bin is empty.
    /// Separable: the max over each bin's columns (per row), then over its rows. Padding slots are -inf, so the first
    /// maximum in row-major order is selected, as in torchvision; empty bins are set to 0.
    /// </summary>
    private static Tensor? WindowMax(Tensor image, int[] hs, int[] he, int[] ws, int[] we)
    {
        int PH = hs.Length, PW = ws.Length;
        if (!Span(hs, he, out int r0, out int r1, out int kh) || !Span(ws, we, out int c0, out int c1, out int kw))
            return null;
        var device = image.device;
        var region = image.narrow(1, r0, r1 - r0).narrow(2, c0, c1 - c0);

        var colIndex = new long[PW * kw]; var colPad = new bool[PW * kw]; bool anyColPad = false;
        for (int p = 0; p < PW; p++)
            for (int j = 0; j < kw; j++)
            {
                bool ok = ws[p] + j < we[p];
                colIndex[p * kw + j] = ok ? ws[p] + j - c0 : 0;
                colPad[p * kw + j] = !ok; anyColPad |= !ok;
            }
        var cols = region.index_select(2, torch.tensor(colIndex, new long[] { colIndex.Length }, device: device));
        if (anyColPad) cols = cols.masked_fill(torch.tensor(colPad, new long[] { colPad.Length }, device: device), double.NegativeInfinity);
        var colMax = FirstMax(cols.view(cols.shape[0], r1 - r0, PW, kw), 3); // [C, h, PW]

        var rowIndex = new long[PH * kh]; var rowPad = new bool[PH * kh]; bool anyRowPad = false;
        for (int p = 0; p < PH; p++)
            for (int i = 0; i < kh; i++)
            {
                bool ok = hs[p] + i < he[p];
                rowIndex[p * kh + i] = ok ? hs[p] + i - r0 : 0;
                rowPad[p * kh + i] = !ok; anyRowPad |= !ok;
            }
        var rows = colMax.index_select(1, torch.tensor(rowIndex, new long[] { rowIndex.Length }, device: device));
        if (anyRowPad) rows = rows.masked_fill(torch.tensor(rowPad, new long[] { rowPad.Length, 1 }, device: device), double.NegativeInfinity);
        var binMax = FirstMax(rows.view(rows.shape[0], PH, kh, PW), 2); // [C, PH, PW]

        var empty = new bool[PH * PW]; bool anyEmpty = false;
        for (int ph = 0; ph < PH; ph++)
            for (int pw = 0; pw < PW; pw++)
            {
                bool e = he[ph] <= hs[ph] || we[pw] <= ws[pw];
                empty[ph * PW + pw] = e; anyEmpty |= e;
            }
        return anyEmpty ? binMax.masked_fill(torch.tensor(empty, new long[] { PH, PW }, device: device), 0) : binMax;
    }

    /// <summary>Max over <paramref name="dim"/> whose gradient goes to the first maximum (argmax, then gather).</summary>
    private static Tensor FirstMax(Tensor t, long dim) => t.gather(dim, t.argmax(dim, keepdim: true)).squeeze(dim);

    /// <summary>Union [lo, hi) of the non-empty bins and the widest bin; false when all bins are empty.</summary>
    private static bool Span(int[] start, int[] end, out int lo, out int hi, out int widest)
    {
        lo = int.MaxValue; hi = int.MinValue; widest = 0;
        for (int p = 0; p < start.Length; p++)
        {
            if (end[p] <= start[p]) continue;
            lo = Math.Min(lo, start[p]); hi = Math.Max(hi, end[p]); widest = Math.Max(widest, end[p] - start[p]);
        }
        return widest > 0;
    }

    /// <summary>
    /// torchvision.ops.roi_align: average of bilinear samples per bin.
    /// input [B,C,H,W], rois [K,5] (batch, x1, y1, x2, y2) -> [K,C,outputH,outputW].
    /// <paramref name="aligned"/> shifts the scaled corners by -0.5 and does not force the RoI size to be
    /// at least 1; <paramref name="samplingRatio"/> &lt;= 0 uses ceil(roi_size / output_size) samples per bin
    /// and axis (per RoI). A sample outside [-1, H] x [-1, W] contributes 0; otherwise coordinates are
    /// clamped to the map. Differentiable w.r.t. <paramref name="input"/>.
    /// </summary>
    public static Tensor RoiAlign(Tensor input, Tensor rois, long outputH, long outputW, double spatialScale,
        int samplingRatio = -1, bool aligned = false) =>
        RoiAlign(input, rois, outputH, outputW, spatialScale, samplingRatio, aligned, RoiAlignPath.Auto);

    /// <summary>How <see cref="RoiAlign(Tensor, Tensor, long, long, double, int, bool)"/> evaluates a RoI (tests force each path).</summary>
    internal enum RoiAlignPath
    {
        /// <summary>Per RoI, whichever of the two below is estimated cheaper.</summary>
        Auto,
        /// <summary>Per RoI, separable interpolation matrices: out = Ay · region · Axᵀ (small matmuls); best when
        /// bins hold many samples (features, adaptive sampling).</summary>
        Separable,
        /// <summary>Batched over the RoIs of an image that share a sampling grid: grid_sample (bilinear, border
        /// padding, align_corners) at torchvision's sample points, out-of-range samples zeroed, bins averaged;
        /// best when the output is large and samples are few (warping image crops with samplingRatio 1).</summary>
        Grid,
    }

    private readonly record struct AxisSample(int Low, int High, double L, double H);

    internal static Tensor RoiAlign(Tensor input, Tensor rois, long outputH, long outputW, double spatialScale,
        int samplingRatio, bool aligned, RoiAlignPath path)
    {
        CheckRoiArgs(input, rois, outputH, outputW);
        using var scope = torch.NewDisposeScope();
        long B = input.shape[0], C = input.shape[1], H = input.shape[2], W = input.shape[3];
        long K = rois.shape[0];
        int PH = checked((int)outputH), PW = checked((int)outputW);
        if (K == 0 || C == 0)
            return scope.MoveToOuter(torch.zeros(new[] { K, C, outputH, outputW }, dtype: input.dtype, device: input.device));

        bool f32 = input.dtype != ScalarType.Float64;
        double scale = R(f32, spatialScale);
        double shift = aligned ? 0.5 : 0.0;
        var r = ReadDoubles(rois);

        // Per RoI: batch index, per-axis samples [bin][sample] and the sample count of a bin.
        var batch = new long[K];
        var ys = new AxisSample[K][][]; var xs = new AxisSample[K][][];
        var count = new double[K];
        var separable = new bool[K];
        for (long k = 0; k < K; k++)
        {
            batch[k] = BatchIndex(r[5 * k], B);
            double sw = R(f32, R(f32, r[5 * k + 1] * scale) - shift);
            double sh = R(f32, R(f32, r[5 * k + 2] * scale) - shift);
            double ew = R(f32, R(f32, r[5 * k + 3] * scale) - shift);
            double eh = R(f32, R(f32, r[5 * k + 4] * scale) - shift);
            double roiW = R(f32, ew - sw), roiH = R(f32, eh - sh);
            if (!aligned) { roiW = Math.Max(roiW, 1.0); roiH = Math.Max(roiH, 1.0); }
            double binH = R(f32, roiH / PH), binW = R(f32, roiW / PW);
            int gh = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(binH);
            int gw = samplingRatio > 0 ? samplingRatio : (int)Math.Ceiling(binW);
            count[k] = Math.Max(gh * gw, 1);
            ys[k] = AxisSamples(f32, sh, binH, PH, Math.Max(gh, 0), H);
            xs[k] = AxisSamples(f32, sw, binW, PW, Math.Max(gw, 0), W);

            // Cost estimate (rough element-operation units): separable = two small matmuls over the sampled region
            // plus per-RoI overhead; grid = bilinear interpolation of every sample of every output element.
            Extent(ys[k], out int y0, out int y1); Extent(xs[k], out int x0, out int x1);
            double h = Math.Max(y1 - y0, 0), w = Math.Max(x1 - x0, 0);
            double macs = Math.Min(PH * h * w + PH * w * PW, h * w * PW + h * PW * PH);
            double separableCost = C * macs / 4 + 50_000;
            double gridCost = 4.0 * C * Math.Max(gh, 0) * Math.Max(gw, 0) * PH * PW;
            separable[k] = path == RoiAlignPath.Separable || (path == RoiAlignPath.Auto && separableCost <= gridCost);
        }

        var pieces = new List<Tensor>();
        var order = new List<long>();
        var images = new Tensor?[B];
        Tensor? zero = null;
        var sepIdx = Enumerable.Range(0, (int)K).Where(k => separable[k]).ToArray();
        if (sepIdx.Length > 0)
        {
            var outs = new Tensor[sepIdx.Length];
            for (int i = 0; i < sepIdx.Length; i++)
            {
                int k = sepIdx[i];
                var image = images[batch[k]] ??= input.select(0, batch[k]);
                outs[i] = SeparableAlign(image, ys[k], xs[k], count[k], PH, PW)
                    ?? (zero ??= torch.zeros(new[] { C, outputH, outputW }, dtype: input.dtype, device: input.device));
            }
            pieces.Add(torch.stack(outs, 0));
            order.AddRange(sepIdx.Select(k => (long)k));
        }
        // The others in groups of one image and one sampling grid, in chunks of bounded size.
        var groups = Enumerable.Range(0, (int)K).Where(k => !separable[k])
            .GroupBy(k => (batch[k], ys[k][0].Length, xs[k][0].Length));
        foreach (var group in groups)
        {
            var (b, gh, gw) = group.Key;
            var members = group.ToArray();
            long perRoi = Math.Max(C * PH * gh * PW * gw, 1);
            int chunk = (int)Math.Clamp(SampleBudget / perRoi, 1, members.Length);
            for (int start = 0; start < members.Length; start += chunk)
            {
                var ks = members[start..Math.Min(start + chunk, members.Length)];
                pieces.Add(gh == 0 || gw == 0
                    ? torch.zeros(new[] { ks.Length, C, outputH, outputW }, dtype: input.dtype, device: input.device)
                    : GridAlign(input.narrow(0, b, 1), ks, ys, xs, gh, gw, PH, PW, H, W));
                order.AddRange(ks.Select(k => (long)k));
            }
        }

        var result = pieces.Count == 1 ? pieces[0] : torch.cat(pieces, 0);
        if (order.Select((k, i) => k != i).Any(moved => moved))
        {
            // Restore RoI order: row i of the concatenation holds RoI order[i].
            var inverse = new long[K];
            for (int i = 0; i < K; i++) inverse[order[i]] = i;
            result = result.index_select(0, torch.tensor(inverse, new long[] { K }, device: input.device));
        }
        return scope.MoveToOuter(result.contiguous());
    }

    /// <summary>Samples along one axis: [bin][sample] -> torchvision's bilinear_interpolate taps on that axis.</summary>
    private static AxisSample[][] AxisSamples(bool f32, double start, double bin, int pooled, int grid, long size)
    {
        var result = new AxisSample[pooled][];
        for (int p = 0; p < pooled; p++)
        {
            result[p] = new AxisSample[grid];
            for (int i = 0; i < grid; i++)
            {
                double v = R(f32, R(f32, start + R(f32, p * bin)) + R(f32, R(f32, (i + 0.5) * bin) / grid));
                result[p][i] = Axis(v, size, f32);
            }
        }
        return result;
    }

    /// <summary>Range [lo, hi) of map positions touched by valid samples (lo = hi = 0 when none).</summary>
    private static void Extent(AxisSample[][] samples, out int lo, out int hi)
    {
        lo = int.MaxValue; hi = int.MinValue;
        foreach (var bin in samples)
            foreach (var s in bin)
                if (s.Low >= 0) { lo = Math.Min(lo, s.Low); hi = Math.Max(hi, s.High + 1); }
        if (hi < lo) lo = hi = 0;
    }

    /// <summary>One RoI as Ay · image[:, y0:y1, x0:x1] · Axᵀ -> [C,PH,PW]; null when no sample is valid.</summary>
    private static Tensor? SeparableAlign(Tensor image, AxisSample[][] ys, AxisSample[][] xs, double count, int PH, int PW)
    {
        Extent(ys, out int y0, out int y1); Extent(xs, out int x0, out int x1);
        int h = y1 - y0, w = x1 - x0;
        if (h <= 0 || w <= 0) return null;
        // A sample is dropped when either coordinate is out of range: its axis weights are 0, so the product is 0.
        var ay = new double[PH * h];
        for (int p = 0; p < PH; p++)
            foreach (var s in ys[p])
                if (s.Low >= 0) { ay[p * h + s.Low - y0] += s.H / count; ay[p * h + s.High - y0] += s.L / count; }
        var ax = new double[w * PW];
        for (int p = 0; p < PW; p++)
            foreach (var s in xs[p])
                if (s.Low >= 0) { ax[(s.Low - x0) * PW + p] += s.H; ax[(s.High - x0) * PW + p] += s.L; }
        var ayT = torch.tensor(ay, new long[] { PH, h }, dtype: image.dtype, device: image.device);
        var axT = torch.tensor(ax, new long[] { w, PW }, dtype: image.dtype, device: image.device);
        var region = image.narrow(1, y0, h).narrow(2, x0, w); // [C, h, w]
        // Contract the cheaper side first.
        return (long)PH * h * w + (long)PH * w * PW <= (long)h * w * PW + (long)h * PW * PH
            ? torch.matmul(torch.matmul(ayT, region), axT)
            : torch.matmul(ayT, torch.matmul(region, axT));
    }

    /// <summary>
    /// RoIs <paramref name="ks"/> of one image [1,C,H,W], all with a gh x gw sampling grid -> [n,C,PH,PW]: their
    /// sample points stacked into one grid_sample grid. The coordinates passed are torchvision's, already clamped to
    /// [0, size-1] (border padding only guards rounding), with align_corners so that -1..1 spans pixel 0..size-1;
    /// samples outside [-1, size] are multiplied by 0, and avg_pool over each bin divides by gh*gw as torchvision.
    /// </summary>
    private static Tensor GridAlign(Tensor image, int[] ks, AxisSample[][][] ys, AxisSample[][][] xs,
        int gh, int gw, int PH, int PW, long H, long W)
    {
        int n = ks.Length, perRoi = PH * gh, cols = PW * gw;
        // Per RoI the sample points form a product grid: x depends on the column, y on the row.
        var gx = new double[n * cols]; var vx = new double[n * cols];
        var gy = new double[n * perRoi]; var vy = new double[n * perRoi];
        bool anyDropped = false;
        for (int i = 0; i < n; i++)
        {
            int k = ks[i];
            for (int pw = 0; pw < PW; pw++)
                for (int ix = 0; ix < gw; ix++)
                {
                    var s = xs[k][pw][ix];
                    int q = i * cols + pw * gw + ix;
                    vx[q] = s.Low >= 0 ? 1 : 0;
                    gx[q] = s.Low >= 0 ? Normalize(s.Low + s.L, W) : 0;
                    anyDropped |= s.Low < 0;
                }
            for (int ph = 0; ph < PH; ph++)
                for (int iy = 0; iy < gh; iy++)
                {
                    var s = ys[k][ph][iy];
                    int q = i * perRoi + ph * gh + iy;
                    vy[q] = s.Low >= 0 ? 1 : 0;
                    gy[q] = s.Low >= 0 ? Normalize(s.Low + s.L, H) : 0;
                    anyDropped |= s.Low < 0;
                }
        }
        var dtype = image.dtype; var device = image.device;
        var gxT = torch.tensor(gx, new long[] { n, 1, cols, 1 }, dtype: dtype, device: device).expand(n, perRoi, cols, 1);
        var gyT = torch.tensor(gy, new long[] { n, perRoi, 1, 1 }, dtype: dtype, device: device).expand(n, perRoi, cols, 1);
        var gridT = torch.cat(new[] { gxT, gyT }, 3).view(1, n * perRoi, cols, 2); // (x, y) per sample
        var sampled = torch.nn.functional.grid_sample(image, gridT, GridSampleMode.Bilinear,
            GridSamplePaddingMode.Border, align_corners: true); // [1, C, n*PH*gh, PW*gw]
        if (anyDropped)
        {
            var vxT = torch.tensor(vx, new long[] { n, 1, cols }, dtype: dtype, device: device);
            var vyT = torch.tensor(vy, new long[] { n, perRoi, 1 }, dtype: dtype, device: device);
            sampled = sampled * (vyT * vxT).view(n * perRoi, cols);
        }
        if (gh * gw > 1)
            sampled = torch.nn.functional.avg_pool2d(sampled, new long[] { gh, gw });
        return sampled.view(-1, n, PH, PW).permute(1, 0, 2, 3);
    }

    /// <summary>Pixel coordinate -> grid_sample's [-1, 1] with align_corners (pixel 0 -> -1, size-1 -> 1).</summary>
    private static double Normalize(double v, long size) => size > 1 ? v * 2.0 / (size - 1) - 1.0 : 0.0;

    // torchvision's bilinear_interpolate along one axis: (low, high, frac, 1 - frac); Low = -1 when the
    // coordinate lies outside [-1, size] (the sample is dropped).
    private static AxisSample Axis(double v, long size, bool f32)
    {
        if (!(v >= -1.0 && v <= size)) return new AxisSample(-1, -1, 0, 0);
        if (v <= 0) v = 0;
        int low = (int)v, high;
        if (low >= size - 1) { high = low = (int)size - 1; v = low; }
        else high = low + 1;
        double l = R(f32, v - low);
        return new AxisSample(low, high, l, R(f32, 1.0 - l));
    }

    /// <summary>Rounds to float32 when emulating single-precision arithmetic (exact for one +,-,*,/ of floats).</summary>
    private static double R(bool f32, double v) => f32 ? (float)v : v;

    /// <summary>C's round(): half away from zero.</summary>
    private static long RoundHalfAway(double v) => (long)Math.Round(v, MidpointRounding.AwayFromZero);

    private static int Clip(long v, long size) => (int)Math.Min(Math.Max(v, 0), size);

    private static long BatchIndex(double v, long batchSize)
    {
        long b = (long)v; // C++ float -> int conversion truncates
        if (b < 0 || b >= batchSize)
            throw new ArgumentException($"RoI batch index {v} is outside [0, {batchSize}).", "rois");
        return b;
    }

    private static double[] ReadDoubles(Tensor t)
    {
        if (t.numel() == 0) return Array.Empty<double>();
        using var scope = torch.NewDisposeScope();
        var cpu = t.detach().cpu().to(ScalarType.Float64).contiguous();
        return cpu.data<double>().ToArray();
    }

    private static void CheckBoxes(Tensor t, string name)
    {
        if (t.dim() != 2 || t.shape[1] != 4)
            throw new ArgumentException($"{name} must be [N,4], got [{string.Join(",", t.shape)}].", name);
    }

    private static void CheckRoiArgs(Tensor input, Tensor rois, long outputH, long outputW)
    {
        if (input.dim() != 4)
            throw new ArgumentException($"input must be [B,C,H,W], got [{string.Join(",", input.shape)}].", nameof(input));
        if (rois.dim() != 2 || rois.shape[1] != 5)
            throw new ArgumentException($"rois must be [K,5], got [{string.Join(",", rois.shape)}].", nameof(rois));
        if (outputH <= 0 || outputW <= 0)
            throw new ArgumentException($"output size must be positive, got {outputH}x{outputW}.");
        if (input.shape[2] == 0 || input.shape[3] == 0)
            throw new ArgumentException("input has an empty spatial extent.", nameof(input));
    }
}
