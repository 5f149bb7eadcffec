namespace Repro.Experiments.Detection;

/// <summary>
/// R-CNN's region warping (Girshick et al. 2014, sec. 2.1 and appendix A): every proposal is dilated so that
/// the warped crop carries <c>padding</c> pixels of context on each side, then warped anisotropically to
/// size x size by bilinear sampling, whatever its aspect ratio.
/// </summary>
public static class Warping
{
    /// <summary>
    /// Crops [N, C, size, size] of <paramref name="images"/> [B, C, H, W] for pixel boxes [N, 4] (inclusive corners)
    /// of image <paramref name="imageIndex"/> [N]. A box covers pixels x1..x2, i.e. the continuous span
    /// x1 - 0.5 .. x2 + 0.5 in pixel-centre coordinates; warped pixel i samples the centre of its share of
    /// that span, so a box exactly size pixels wide with no padding is copied unchanged. Samples within one pixel
    /// of the image take the nearest border pixel; further out they are 0 (torchvision's roi_align), which on the
    /// network input, centred on mid-grey, is R-CNN's padding with the image mean.
    /// </summary>
    public static Tensor Warp(Tensor images, Tensor boxes, Tensor imageIndex, int size, int padding)
    {
        if (size < 1) throw new ArgumentException($"warp size {size} must be positive");
        if (2 * padding >= size) throw new ArgumentException($"context padding {padding} leaves no room in a {size}-pixel crop");
        using var scope = torch.NewDisposeScope();
        var b = boxes.to(ScalarType.Float32);
        var cx = (b.select(1, 0) + b.select(1, 2)) * 0.5;
        var cy = (b.select(1, 1) + b.select(1, 3)) * 0.5;
        double dilation = size / (double)(size - 2 * padding);
        var halfW = (b.select(1, 2) - b.select(1, 0) + 1) * (0.5 * dilation);
        var halfH = (b.select(1, 3) - b.select(1, 1) + 1) * (0.5 * dilation);
        var rois = torch.stack([imageIndex.to(ScalarType.Float32), cx - halfW, cy - halfH, cx + halfW, cy + halfH], 1);
        var crops = RegionOps.RoiAlign(images, rois, size, size, spatialScale: 1, samplingRatio: 1);
        return scope.MoveToOuter(crops);
    }
}
