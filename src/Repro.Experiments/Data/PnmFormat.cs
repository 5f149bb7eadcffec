using System.Text;

namespace Repro.Experiments.Data;

/// <summary>An image as decoders return it: bytes in height x width x channels order (RGB for 3 channels).</summary>
public readonly record struct DecodedImage(byte[] Pixels, int Height, int Width, int Channels);

/// <summary>
/// Binary PGM (P5, grey) and PPM (P6, RGB), the one image format read without the engine's OpenCV, so image
/// folders can be tested with fixture files written on the spot.
/// </summary>
public static class PnmFormat
{
    public static readonly string[] Extensions = { ".pgm", ".ppm", ".pnm" };

    public static bool IsPnm(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static (byte[] pixels, int height, int width, int channels) Decode(string path)
    {
        var image = Read(path);
        return (image.Pixels, image.Height, image.Width, image.Channels);
    }

    public static DecodedImage Read(string path)
    {
        var bytes = DataFiles.ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6'))
            throw new ReproInputException($"{path} is not a binary PGM/PPM image: expected the header to start with P5 or P6");
        int channels = bytes[1] == '5' ? 1 : 3;
        int position = 2;
        int width = ReadHeaderNumber(bytes, ref position, path, "width");
        int height = ReadHeaderNumber(bytes, ref position, path, "height");
        int maxValue = ReadHeaderNumber(bytes, ref position, path, "maximum value");
        if (width <= 0 || height <= 0 || maxValue <= 0 || maxValue > 65535)
            throw new ReproInputException($"{path}: header gives {width}x{height} with maximum value {maxValue}; expected positive sizes and a maximum in 1..65535");
        if (position >= bytes.Length || !IsWhitespace(bytes[position]))
            throw new ReproInputException($"{path} is truncated: expected one whitespace byte and the pixels after the header");
        position++;
        int bytesPerSample = maxValue < 256 ? 1 : 2;
        long samples = (long)width * height * channels;
        long available = bytes.Length - (long)position;
        if (available < samples * bytesPerSample)
            throw new ReproInputException(
                $"{path} is truncated: {width}x{height}x{channels} samples need {samples * bytesPerSample} bytes of pixels, found {available}");
        var pixels = new byte[samples];
        for (long i = 0; i < samples; i++)
        {
            int value = bytesPerSample == 1 ? bytes[position + i] : (bytes[position + 2 * i] << 8) | bytes[position + 2 * i + 1];
            if (value > maxValue) throw new ReproInputException($"{path}: sample {i} is {value}, above the header's maximum {maxValue}");
            pixels[i] = maxValue == 255 ? (byte)value : (byte)Math.Round(value * 255.0 / maxValue, MidpointRounding.AwayFromZero);
        }
        return new DecodedImage(pixels, height, width, channels);
    }

    /// <summary>Writes 8-bit grey (P5) or RGB (P6) pixels in height x width x channels order.</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int height, int width, int channels)
    {
        if (channels != 1 && channels != 3) throw new ArgumentException($"PGM/PPM hold 1 or 3 channels, not {channels}");
        if (pixels.Length != height * width * channels) throw new ArgumentException("pixel count does not match the size");
        using var stream = File.Create(path);
        stream.Write(Encoding.ASCII.GetBytes($"{(channels == 1 ? "P5" : "P6")}\n{width} {height}\n255\n"));
        stream.Write(pixels);
    }

    private static int ReadHeaderNumber(byte[] bytes, ref int position, string path, string field)
    {
        while (position < bytes.Length)
        {
            if (bytes[position] == '#')
                while (position < bytes.Length && bytes[position] != '\n') position++;
            else if (IsWhitespace(bytes[position])) position++;
            else break;
        }
        long value = 0;
        int start = position;
        while (position < bytes.Length && bytes[position] >= '0' && bytes[position] <= '9' && value <= int.MaxValue)
            value = value * 10 + (bytes[position++] - '0');
        if (position == start || value > int.MaxValue)
            throw new ReproInputException($"{path}: expected the {field} as a decimal number in the PGM/PPM header");
        return (int)value;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}
