using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Training;

/// <summary>The image transformations of Zeiler and Fergus's invariance study (Fig. 5).</summary>
public enum InvarianceTransform
{
    /// <summary>Vertical translation by a number of pixels; positive moves the content down.</summary>
    Translation,

    /// <summary>Scaling about the image centre by a factor; above 1 enlarges the content.</summary>
    Scale,

    /// <summary>Rotation about the image centre by an angle in degrees; positive turns clockwise on screen (y down).</summary>
    Rotation,
}

/// <summary>
/// Affine warps of image batches with torch's affine_grid and grid_sample (bilinear), where everything that
/// comes from outside the image is the background value. Maps are stated in pixels about the image centre and
/// converted to the normalised [-1, 1] coordinates of affine_grid with align_corners=false, in which pixel i's
/// centre sits at (2i + 1)/W - 1: a shift by a whole number of pixels then lands every sample on a pixel
/// centre, so a whole-pixel translation is an exact shifted copy.
/// </summary>
public static class ImageTransforms2d
{
    /// <summary>
    /// The 2x3 affine_grid matrix (row-major: a00 a01 tx a10 a11 ty) for the pixel-space map from output to input
    /// position, input = A * output + b, both measured in pixels from the image centre (x right, y down).
    /// </summary>
    public static double[] Theta(double a00, double a01, double a10, double a11, double bx, double by, int height, int width)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"image size {height}x{width} must be positive");
        // Normalised x = 2 px / W and y = 2 py / H, so off-diagonal terms pick up the aspect ratio.
        return
        [
            a00, a01 * height / width, 2 * bx / width,
            a10 * width / height, a11, 2 * by / height,
        ];
    }

    /// <summary>Moves the content down by <paramref name="pixels"/> (up when negative).</summary>
    public static double[] VerticalTranslation(double pixels, int height, int width) =>
        Theta(1, 0, 0, 1, 0, -pixels, height, width);

    /// <summary>Enlarges the content about the centre by <paramref name="factor"/> (shrinks below 1).</summary>
    public static double[] Scaling(double factor, int height, int width)
    {
        if (!(factor > 0) || !double.IsFinite(factor)) throw new ArgumentException($"scale factor {factor} must be positive");
        return Theta(1 / factor, 0, 0, 1 / factor, 0, 0, height, width);
    }

    /// <summary>Turns the content about the centre by <paramref name="degrees"/>, clockwise on screen.</summary>
    public static double[] Rotation(double degrees, int height, int width)
    {
        double r = degrees * Math.PI / 180, c = Math.Cos(r), s = Math.Sin(r);
        // Output position p shows input position R(-angle) p.
        return Theta(c, s, -s, c, 0, 0, height, width);
    }

    public static double[] Of(InvarianceTransform transform, double amount, int height, int width) => transform switch
    {
        InvarianceTransform.Translation => VerticalTranslation(amount, height, width),
        InvarianceTransform.Scale => Scaling(amount, height, width),
        InvarianceTransform.Rotation => Rotation(amount, height, width),
        _ => throw new ArgumentOutOfRangeException(nameof(transform), transform, "unknown transformation"),
    };

    /// <summary>The amount that leaves an image unchanged (0 px, factor 1, 0 degrees).</summary>
    public static double Identity(InvarianceTransform transform) => transform == InvarianceTransform.Scale ? 1 : 0;

    /// <summary>
    /// Warps every image of <paramref name="images"/> [N,C,H,W] by its own matrix (<paramref name="thetas"/>: N x 6
    /// values, one <see cref="Theta"/> after another). Samples outside the image take <paramref name="background"/>.
    /// </summary>
    public static Tensor Warp(Tensor images, double[] thetas, double background)
    {
        if (images.dim() != 4) throw new ArgumentException($"images must be [N,C,H,W], got {images.dim()} dimensions");
        long n = images.size(0);
        if (thetas.Length != n * 6) throw new ArgumentException($"{n} images need {n * 6} matrix entries, got {thetas.Length}");
        using var scope = torch.NewDisposeScope();
        var theta = torch.tensor(thetas.Select(v => (float)v).ToArray(), n, 2, 3).to(images.device);
        var grid = F.affine_grid(theta, [n, images.size(1), images.size(2), images.size(3)], align_corners: false);
        // grid_sample pads with zeros; sampling (image - background) and adding it back pads with the background.
        var shifted = background == 0 ? images : images - background;
        var warped = F.grid_sample(shifted, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        if (background != 0) warped = warped + background;
        return scope.MoveToOuter(warped);
    }

    /// <summary>One image [C,H,W] or [1,C,H,W] warped by each amount of one transformation: [amounts, C, H, W].</summary>
    public static Tensor Apply(Tensor image, InvarianceTransform transform, IReadOnlyList<double> amounts, double background)
    {
        using var scope = torch.NewDisposeScope();
        var one = image.dim() == 3 ? image.unsqueeze(0) : image;
        if (one.dim() != 4 || one.size(0) != 1) throw new ArgumentException("Apply takes one image, [C,H,W] or [1,C,H,W]");
        int h = (int)one.size(2), w = (int)one.size(3);
        var thetas = amounts.SelectMany(a => Of(transform, a, h, w)).ToArray();
        var batch = one.expand(amounts.Count, one.size(1), h, w);
        return scope.MoveToOuter(Warp(batch, thetas, background));
    }

    /// <summary>Every image of a batch [N,C,H,W] warped by the same amount.</summary>
    public static Tensor ApplyAll(Tensor images, InvarianceTransform transform, double amount, double background)
    {
        int h = (int)images.size(2), w = (int)images.size(3);
        var theta = Of(transform, amount, h, w);
        var thetas = new double[images.size(0) * 6];
        for (int i = 0; i < thetas.Length; i++) thetas[i] = theta[i % 6];
        return Warp(images, thetas, background);
    }
}
