using OpenCvSharp;

namespace Repro.Experiments.Data;

/// <summary>
/// Image files in and out through OpenCV (PNG, JPEG, BMP, PNM, ...): uint8 tensors [C, H, W] with C = 3 (RGB) or
/// C = 1 (grey). OpenCV keeps colour pixels as BGR; the conversion to and from RGB happens here.
/// </summary>
public static class ImageFiles
{
    /// <summary>
    /// Decodes an image file into a new uint8 CPU tensor [C, H, W]: C = 3 in RGB order, or C = 1 when
    /// <paramref name="grey"/> (colour files are converted to grey, alpha is dropped, 16-bit samples are scaled to 8).
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is unreadable, corrupt or not an image OpenCV decodes.</exception>
    public static Tensor Read(string path, bool grey = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        Mat decoded;
        try
        {
            decoded = Cv2.ImRead(path, grey ? ImreadModes.Grayscale : ImreadModes.Color);
        }
        catch (OpenCVException e)
        {
            throw new InvalidDataException($"cannot read image '{path}': {e.Message}", e);
        }
        using (decoded)
        {
            if (decoded.Empty())
                throw new InvalidDataException($"cannot read image '{path}' (unreadable, corrupt or not an image)");
            if (grey) return ToTensor(decoded, 1);
            using var rgb = new Mat();
            Cv2.CvtColor(decoded, rgb, ColorConversionCodes.BGR2RGB);
            return ToTensor(rgb, 3);
        }
    }

    /// <summary>
    /// Encodes uint8 [C, H, W] (C = 1 grey or 3 RGB, any device) to a file; the format follows the extension.
    /// </summary>
    /// <exception cref="ArgumentException">Not uint8, not [1|3, H, W] or empty.</exception>
    /// <exception cref="IOException">The file cannot be written (missing folder, no permission, unknown extension).</exception>
    public static void Write(Tensor image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(path);
        if (image.dtype != ScalarType.Byte)
            throw new ArgumentException($"cannot write image '{path}': needs uint8 pixels, got {image.dtype}", nameof(image));
        if (image.dim() != 3 || (image.size(0) != 1 && image.size(0) != 3) || image.size(1) == 0 || image.size(2) == 0)
            throw new ArgumentException($"cannot write image '{path}': needs [1|3, H, W] with H, W > 0, got [{string.Join(", ", image.shape)}]", nameof(image));
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder != null && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"cannot write image '{path}': folder '{folder}' does not exist");

        int channels = (int)image.size(0), height = (int)image.size(1), width = (int)image.size(2);
        using var pixels = new Mat(height, width, channels == 3 ? MatType.CV_8UC3 : MatType.CV_8UC1);
        using (var scope = torch.NewDisposeScope())
        {
            var hwc = image.cpu().permute(1, 2, 0).contiguous();
            CopyRows(hwc.bytes, pixels, width * channels);
        }
        bool written;
        try
        {
            if (channels == 3)
            {
                using var bgr = new Mat();
                Cv2.CvtColor(pixels, bgr, ColorConversionCodes.RGB2BGR);
                written = Cv2.ImWrite(path, bgr);
            }
            else
            {
                written = Cv2.ImWrite(path, pixels);
            }
        }
        catch (OpenCVException e)
        {
            throw new IOException($"cannot write image '{path}': {e.Message}", e);
        }
        if (!written) throw new IOException($"cannot write image '{path}'");
    }

    /// <summary>Copies an 8-bit Mat [H, W, C] into a new tensor [C, H, W].</summary>
    static Tensor ToTensor(Mat mat, int channels)
    {
        if (mat.Type() != (channels == 3 ? MatType.CV_8UC3 : MatType.CV_8UC1))
            throw new InvalidOperationException($"expected an 8-bit {channels}-channel image, OpenCV gave {mat.Type()}");
        int height = mat.Rows, width = mat.Cols, rowBytes = width * channels;
        using var scope = torch.NewDisposeScope();
        var hwc = torch.empty(new long[] { height, width, channels }, ScalarType.Byte);
        var target = hwc.bytes;
        unsafe
        {
            byte* data = (byte*)mat.Data;
            long step = mat.Step();
            for (int r = 0; r < height; r++)
                new ReadOnlySpan<byte>(data + r * step, rowBytes).CopyTo(target.Slice(r * rowBytes, rowBytes));
        }
        var chw = channels == 1 ? hwc.view(1, height, width) : hwc.permute(2, 0, 1).contiguous();
        return scope.MoveToOuter(chw);
    }

    /// <summary>Copies tightly packed rows of <paramref name="rowBytes"/> bytes into an 8-bit Mat, row by row.</summary>
    internal static void CopyRows(ReadOnlySpan<byte> source, Mat target, int rowBytes)
    {
        int rows = target.Rows;
        unsafe
        {
            byte* data = (byte*)target.Data;
            long step = target.Step();
            for (int r = 0; r < rows; r++)
                source.Slice(r * rowBytes, rowBytes).CopyTo(new Span<byte>(data + r * step, rowBytes));
        }
    }
}
