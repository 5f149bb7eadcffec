namespace Repro.Experiments.Data;

/// <summary>
/// Resizes single-channel float planes of one fixed size to another. Shrinking averages the covered source area
/// (OpenCV's INTER_AREA), so that a 300-pixel photo reduced to 28 pixels is not aliased; enlarging is bilinear with
/// pixel centres at +0.5 (OpenCV's INTER_LINEAR, PyTorch's align_corners=False). Each axis is resampled separately
/// with weights computed once per size pair.
/// </summary>
public sealed class ImageResizer
{
    private readonly Taps _rows;
    private readonly Taps _columns;
    private readonly float[] _intermediate;

    public ImageResizer(int inputHeight, int inputWidth, int outputHeight, int outputWidth)
    {
        if (inputHeight <= 0 || inputWidth <= 0 || outputHeight <= 0 || outputWidth <= 0)
            throw new ArgumentException($"cannot resize {inputHeight}x{inputWidth} to {outputHeight}x{outputWidth}");
        InputHeight = inputHeight;
        InputWidth = inputWidth;
        OutputHeight = outputHeight;
        OutputWidth = outputWidth;
        _rows = Taps.For(inputHeight, outputHeight);
        _columns = Taps.For(inputWidth, outputWidth);
        _intermediate = new float[inputHeight * outputWidth];
    }

    public int InputHeight { get; }
    public int InputWidth { get; }
    public int OutputHeight { get; }
    public int OutputWidth { get; }

    /// <summary>Resizes one plane (row-major). Not thread-safe: the instance owns a scratch buffer.</summary>
    public void Resize(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length < InputHeight * InputWidth) throw new ArgumentException("input plane is too small");
        if (output.Length < OutputHeight * OutputWidth) throw new ArgumentException("output plane is too small");

        for (int y = 0; y < InputHeight; y++)
        {
            var row = input.Slice(y * InputWidth, InputWidth);
            var target = _intermediate.AsSpan(y * OutputWidth, OutputWidth);
            for (int x = 0; x < OutputWidth; x++)
            {
                float sum = 0;
                for (int t = _columns.Start[x]; t < _columns.Start[x + 1]; t++) sum += _columns.Weight[t] * row[_columns.Index[t]];
                target[x] = sum;
            }
        }

        for (int y = 0; y < OutputHeight; y++)
        {
            var target = output.Slice(y * OutputWidth, OutputWidth);
            target.Clear();
            for (int t = _rows.Start[y]; t < _rows.Start[y + 1]; t++)
            {
                float w = _rows.Weight[t];
                var source = _intermediate.AsSpan(_rows.Index[t] * OutputWidth, OutputWidth);
                for (int x = 0; x < OutputWidth; x++) target[x] += w * source[x];
            }
        }
    }

    /// <summary>For each output coordinate, the source coordinates it reads and their weights (summing to 1).</summary>
    private sealed class Taps
    {
        public required int[] Start { get; init; }
        public required int[] Index { get; init; }
        public required float[] Weight { get; init; }

        public static Taps For(int inputSize, int outputSize)
        {
            var start = new int[outputSize + 1];
            var index = new List<int>();
            var weight = new List<float>();
            double scale = (double)inputSize / outputSize;
            for (int o = 0; o < outputSize; o++)
            {
                start[o] = index.Count;
                if (outputSize >= inputSize)
                {
                    double s = Math.Max((o + 0.5) * scale - 0.5, 0.0);
                    int i0 = (int)Math.Floor(s);
                    double f = s - i0;
                    if (i0 >= inputSize - 1)
                    {
                        i0 = inputSize - 1;
                        f = 0;
                    }
                    index.Add(i0);
                    weight.Add((float)(1 - f));
                    if (f > 0)
                    {
                        index.Add(i0 + 1);
                        weight.Add((float)f);
                    }
                }
                else
                {
                    double a = o * scale, b = (o + 1) * scale;
                    int first = (int)Math.Floor(a);
                    int last = Math.Min((int)Math.Ceiling(b), inputSize);
                    for (int i = first; i < last; i++)
                    {
                        double overlap = Math.Min(b, i + 1) - Math.Max(a, i);
                        if (overlap <= 1e-12) continue;
                        index.Add(i);
                        weight.Add((float)(overlap / scale));
                    }
                }
            }
            start[outputSize] = index.Count;
            return new Taps { Start = start, Index = index.ToArray(), Weight = weight.ToArray() };
        }
    }
}
