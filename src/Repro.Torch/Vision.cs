namespace Repro.Torch;

/// <summary>torchvision-style detection operators and image files.</summary>
public static class torchvision
{
    public static class ops
    {
        /// <summary>
        /// Pairwise IoU of boxes [N,4] and [M,4] (x1,y1,x2,y2) -> [N,M]. <paramref name="offset"/> is 0 for
        /// continuous coordinates, 1 for VOC's inclusive pixels (width = x2 - x1 + 1).
        /// </summary>
        public static Tensor box_iou(Tensor a, Tensor b, double offset = 0)
        {
            using var scope = torch.NewDisposeScope();
            var areaA = Area(a, offset);
            var areaB = Area(b, offset);
            var lt = torch.maximum(a.narrow(1, 0, 2).unsqueeze(1), b.narrow(1, 0, 2).unsqueeze(0));
            var rb = torch.minimum(a.narrow(1, 2, 2).unsqueeze(1), b.narrow(1, 2, 2).unsqueeze(0));
            var wh = (rb - lt + offset).clamp_min(0);
            var inter = wh.select(2, 0) * wh.select(2, 1);
            var iou = inter / (areaA.unsqueeze(1) + areaB.unsqueeze(0) - inter);
            return scope.MoveToOuter(iou);
        }

        static Tensor Area(Tensor boxes, double offset) =>
            (boxes.select(1, 2) - boxes.select(1, 0) + offset) * (boxes.select(1, 3) - boxes.select(1, 1) + offset);

        /// <summary>Greedy non-maximum suppression: indices of kept boxes, by decreasing score.</summary>
        public static Tensor nms(Tensor boxes, Tensor scores, double iou_threshold, double offset = 0) =>
            new(Native.CheckHandle(Native.THSVision_nms(boxes.Handle, scores.Handle, iou_threshold, offset), "nms"));

        /// <summary>
        /// RoI max pooling (Fast R-CNN): rois [K,5] = (batch index, x1, y1, x2, y2) in image coordinates;
        /// each is scaled by <paramref name="spatial_scale"/>, rounded to feature cells, clipped to the map and
        /// divided into an output_h x output_w grid of bins (floor/ceil bin edges, as Caffe's and torchvision's
        /// roi_pool), each bin taking its maximum. Differentiable (adaptive max pooling per RoI).
        /// </summary>
        public static Tensor roi_pool(Tensor input, Tensor rois, long output_h, long output_w, double spatial_scale)
        {
            using var scope = torch.NewDisposeScope();
            var r = rois.detach().cpu().@float().ToArray<float>();
            long h = input.size(2), w = input.size(3);
            var pooled = new List<Tensor>();
            for (var k = 0; k < r.Length / 5; k++)
            {
                var b = (long)r[5 * k];
                long x1 = Clamp(RoundHalfAway(r[5 * k + 1] * spatial_scale), 0, w - 1);
                long y1 = Clamp(RoundHalfAway(r[5 * k + 2] * spatial_scale), 0, h - 1);
                long x2 = Clamp(RoundHalfAway(r[5 * k + 3] * spatial_scale), x1, w - 1);
                long y2 = Clamp(RoundHalfAway(r[5 * k + 4] * spatial_scale), y1, h - 1);
                var region = input.select(0, b).narrow(1, y1, y2 - y1 + 1).narrow(2, x1, x2 - x1 + 1);
                pooled.Add(torch.nn.functional.adaptive_max_pool2d(region, [output_h, output_w]).output);
            }
            var result = pooled.Count == 0
                ? torch.zeros([0, input.size(1), output_h, output_w], input.dtype, input.device)
                : torch.stack(pooled);
            return scope.MoveToOuter(result);
        }

        static long Clamp(long v, long lo, long hi) => Math.Min(Math.Max(v, lo), hi);

        // C's round(), as Caffe and torchvision use: 2.5 -> 3. Math.Round's default (to even) would give 2,
        // and with a 1/16 feature stride coordinates land on .5 often.
        static long RoundHalfAway(double v) => (long)Math.Round(v, MidpointRounding.AwayFromZero);

        /// <summary>
        /// RoI align (Mask R-CNN; torchvision's roi_align with aligned=False and a fixed sampling ratio):
        /// each bin averages sampling_ratio^2 bilinear samples at regularly spaced points. Built on
        /// grid_sample with border clamping, so it is differentiable with respect to the features; samples
        /// more than one cell outside the map are clamped rather than zeroed.
        /// </summary>
        public static Tensor roi_align(Tensor input, Tensor rois, long output_h, long output_w, double spatial_scale, int sampling_ratio = 2)
        {
            if (sampling_ratio < 1) throw new ArgumentException("sampling_ratio must be >= 1");
            using var scope = torch.NewDisposeScope();
            long h = input.size(2), w = input.size(3);
            var r = rois.detach().cpu().@float().ToArray<float>();
            var count = r.Length / 5;
            if (count == 0) return scope.MoveToOuter(torch.zeros([0, input.size(1), output_h, output_w], input.dtype, input.device));
            long gh = output_h * sampling_ratio, gw = output_w * sampling_ratio;
            var grid = new float[count * gh * gw * 2];
            var batch = new long[count];
            for (var k = 0; k < count; k++)
            {
                batch[k] = (long)r[5 * k];
                double x1 = r[5 * k + 1] * spatial_scale, y1 = r[5 * k + 2] * spatial_scale;
                double rw = Math.Max(r[5 * k + 3] * spatial_scale - x1, 1.0), rh = Math.Max(r[5 * k + 4] * spatial_scale - y1, 1.0);
                double binW = rw / output_w, binH = rh / output_h;
                for (long gy = 0; gy < gh; gy++)
                {
                    var y = y1 + (gy / sampling_ratio) * binH + (gy % sampling_ratio + 0.5) * binH / sampling_ratio;
                    for (long gx = 0; gx < gw; gx++)
                    {
                        var x = x1 + (gx / sampling_ratio) * binW + (gx % sampling_ratio + 0.5) * binW / sampling_ratio;
                        var o = ((k * gh + gy) * gw + gx) * 2;
                        // align_corners=True maps -1..1 onto pixel centres 0..W-1.
                        grid[o] = (float)(w > 1 ? 2 * x / (w - 1) - 1 : 0);
                        grid[o + 1] = (float)(h > 1 ? 2 * y / (h - 1) - 1 : 0);
                    }
                }
            }
            var gridT = torch.tensor(grid, count, gh, gw, 2).to(input.device, input.dtype);
            var features = input.index_select(0, torch.tensor(batch, count).to(input.device));
            var samples = torch.nn.functional.grid_sample(features, gridT, torch.nn.functional.GridSampleMode.Bilinear,
                torch.nn.functional.GridSamplePadding.Border, align_corners: true);
            var result = torch.nn.functional.avg_pool2d(samples, sampling_ratio);
            return scope.MoveToOuter(result);
        }
    }

    public static class io
    {
        /// <summary>Decodes an image file (PNG, JPEG, ... via OpenCV) into uint8 [C,H,W], C = 1 (grey) or 3 (RGB).</summary>
        public static Tensor read_image(string path, bool grey = false)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
            using var hwc = new Tensor(Native.CheckHandle(Native.THSImage_read(path, grey ? 1 : 0), "read_image"));
            return hwc.permute(2, 0, 1).contiguous();
        }

        /// <summary>Encodes uint8 [C,H,W] (C = 1 or 3) to a file; the format follows the extension.</summary>
        public static void write_image(Tensor image, string path)
        {
            using var scope = torch.NewDisposeScope();
            var hwc = image.permute(1, 2, 0).contiguous();
            Native.CheckStatus(Native.THSImage_write(path, hwc.Handle), "write_image");
        }

        /// <summary>Selective search in fast mode (Uijlings et al.; OpenCV ximgproc): boxes [N,4] as inclusive x1,y1,x2,y2.</summary>
        public static Tensor selective_search(Tensor rgb, int max_boxes = 2000, int base_k = 150, int inc_k = 150, double sigma = 0.8, int segment_min_size = 100)
        {
            using var scope = torch.NewDisposeScope();
            var hwc = rgb.permute(1, 2, 0).contiguous();
            return scope.MoveToOuter(new Tensor(Native.CheckHandle(Native.THSImage_selective_search(hwc.Handle, max_boxes, base_k, inc_k, sigma, segment_min_size), "selective_search")));
        }
    }
}
