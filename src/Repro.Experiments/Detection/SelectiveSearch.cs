using System.Runtime.InteropServices;
using OpenCvSharp;
using OpenCvSharp.XImgProc.Segmentation;

namespace Repro.Experiments.Detection;

/// <summary>
/// Selective search in fast mode (Uijlings et al. 2013; OpenCV ximgproc), the region proposals of R-CNN.
/// </summary>
public static partial class SelectiveSearch
{
    /// <summary>cv::RNG()'s start-up state (cv::RNG::RNG() sets state = 0xffffffff).</summary>
    const ulong OpenCvDefaultRngState = 0xffffffff;

    // rand()'s state is process-wide: two searches drawing from it at once would interleave their draws.
    static readonly object Gate = new();

    /// <summary>
    /// Proposals for uint8 [3, H, W] RGB pixels (any device): float CPU boxes [N, 4] as x1, y1, x2, y2 in inclusive
    /// pixels (x2 = x + width - 1), best first, at most <paramref name="maxBoxes"/>. Fast mode segments the HSV and
    /// Lab images with k = baseK, baseK + incK, baseK + 2 incK; segmentMinSize is the graph segmentations' minimum
    /// region (OpenCV's fast mode keeps 100 px; another value rebuilds the same three segmentations with it).
    /// The boxes depend on the image and the parameters alone, not on earlier calls.
    /// </summary>
    public static Tensor Boxes(Tensor rgb, int maxBoxes = 2000, int baseK = 150, int incK = 150, double sigma = 0.8, int segmentMinSize = 100)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.dtype != ScalarType.Byte || rgb.dim() != 3 || rgb.size(0) != 3 || rgb.size(1) == 0 || rgb.size(2) == 0)
            throw new ArgumentException($"selective search needs uint8 [3, H, W] RGB pixels, got {rgb.dtype} [{string.Join(", ", rgb.shape)}]", nameof(rgb));
        ArgumentOutOfRangeException.ThrowIfNegative(maxBoxes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(incK); // k = baseK, baseK + incK, ... would never end

        int height = (int)rgb.size(1), width = (int)rgb.size(2);
        using var rgbMat = new Mat(height, width, MatType.CV_8UC3);
        using (var scope = torch.NewDisposeScope())
        {
            var hwc = rgb.cpu().permute(1, 2, 0).contiguous();
            ImageFiles.CopyRows(hwc.bytes, rgbMat, width * 3);
        }
        using var bgr = new Mat();
        Cv2.CvtColor(rgbMat, bgr, ColorConversionCodes.RGB2BGR);

        Rect[] rects;
        lock (Gate)
        {
            Cv2.SetNumThreads(1); // deterministic output
            // The region ranks that order the boxes are level * rand() / RAND_MAX (hierarchicalGrouping in
            // ximgproc's selectivesearchsegmentation.cpp): C's rand(), which libOpenCvSharpExtern imports from glibc,
            // so srand(1), its start-up state, makes each image's boxes depend on the image alone. The algorithm
            // draws nothing from cv::theRNG(); it is reset as well, to its cv::RNG() state, as the former shim did.
            Cv2.SetTheRNG(OpenCvDefaultRngState);
            CRandom.Seed(1);
            using var search = SelectiveSearchSegmentation.Create();
            search.SetBaseImage(bgr);
            search.SwitchToSelectiveSearchFast(baseK, incK, (float)sigma);
            if (segmentMinSize != 100)
            {
                search.ClearGraphSegmentations();
                for (int k = baseK; k <= baseK + incK * 2; k += incK)
                {
                    using var segmentation = GraphSegmentation.Create(sigma, k, segmentMinSize);
                    search.AddGraphSegmentation(segmentation);
                }
            }
            search.Process(out rects);
        }

        int n = Math.Min(rects.Length, maxBoxes);
        var boxes = new float[4 * n];
        for (int i = 0; i < n; i++)
        {
            var r = rects[i];
            boxes[4 * i] = r.X;
            boxes[4 * i + 1] = r.Y;
            boxes[4 * i + 2] = r.X + r.Width - 1;
            boxes[4 * i + 3] = r.Y + r.Height - 1;
        }
        return torch.tensor(boxes, new long[] { n, 4 });
    }

    /// <summary>C's rand() generator (glibc), which OpenCV's selective search draws its region ranks from.</summary>
    static partial class CRandom
    {
        [LibraryImport("libc.so.6", EntryPoint = "srand")]
        private static partial void srand(uint seed);

        public static void Seed(uint seed) => srand(seed);
    }
}
