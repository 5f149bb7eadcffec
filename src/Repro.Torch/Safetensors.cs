using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Repro.Torch;

/// <summary>
/// The safetensors format (8-byte little-endian header length, a JSON header mapping names to dtype,
/// shape and data offsets, then the raw little-endian data), so Python's safetensors and PyTorch read
/// what Repro writes and the reverse.
/// </summary>
public static class Safetensors
{
    static readonly Dictionary<ScalarType, string> Codes = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float64] = "F64", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32", [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var blobs = new List<byte[]>();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            var bytes = Bytes(t);
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = Codes[t.dtype],
                ["shape"] = t.shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        var tmp = path + ".tmp";
        using (var f = File.Create(tmp))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            f.Write(len);
            f.Write(json);
            for (var i = json.Length; i < padded; i++) f.WriteByte((byte)' ');
            foreach (var b in blobs) f.Write(b);
        }
        File.Move(tmp, path, overwrite: true);
    }

    static byte[] Bytes(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var c = t.detach().cpu().contiguous();
        var bytes = new byte[c.numel() * ScalarTypes.ElementSize(c.dtype)];
        unsafe
        {
            fixed (byte* p = bytes)
                Native.CheckStatus(Native.THSTensor_copy_to(c.Handle, p, bytes.Length), "safetensors");
        }
        return bytes;
    }

    /// <summary>Reads every tensor of a safetensors file (CPU tensors, owned by the caller).</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"{path}: cannot read ({e.Message})", e); }
        if (data.Length < 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLength > (ulong)(data.Length - 8)) throw new InvalidDataException($"{path}: header length {headerLength} exceeds the file");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(data.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message})", e); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: the header is not a JSON object");
        var start = 8 + (int)headerLength;
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                var (code, shape, offsets) = ReadEntry(path, entry);
                var dtype = Codes.FirstOrDefault(kv => kv.Value == code).Key;
                if (!Codes.ContainsKey(dtype) || Codes[dtype] != code) throw new InvalidDataException($"{path}: tensor '{entry.Name}' has unsupported dtype {code}");
                var count = shape.Aggregate(1L, (a, b) => a * b);
                if (shape.Any(d => d < 0) || offsets.Length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != count * ScalarTypes.ElementSize(dtype) || start + offsets[1] > data.Length)
                    throw new InvalidDataException($"{path}: tensor '{entry.Name}' has inconsistent data offsets");
                var t = torch.empty(shape, dtype);
                result[entry.Name] = t;
                if (count == 0) continue; // an empty tensor may sit at the very end of the file
                unsafe
                {
                    fixed (byte* p = &data[start + (int)offsets[0]])
                        Native.CheckStatus(Native.THSTensor_copy_from(t.Handle, p, offsets[1] - offsets[0]), "safetensors");
                }
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    // A header entry's fields; a missing field or one of the wrong JSON kind is a malformed header.
    static (string? code, long[] shape, long[] offsets) ReadEntry(string path, JsonProperty entry)
    {
        try
        {
            return (entry.Value.GetProperty("dtype").GetString(),
                entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: tensor '{entry.Name}' has a malformed header entry (dtype, shape and data_offsets are required)", e);
        }
    }

    /// <summary>Writes a module's state dict.</summary>
    public static void Save(this torch.nn.Module module, string path) => Save(path, module.state_dict());

    /// <summary>Loads a module's state dict from a file (strict: names and shapes must match).</summary>
    public static void Load(this torch.nn.Module module, string path)
    {
        var tensors = Load(path);
        try { module.load_state_dict(tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}
