using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Repro.Torch.Tests;

public sealed class SafetensorsTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("repro-safetensors-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static Repro.Torch.Modules.Sequential Model() => torch.nn.Sequential(
        ("conv", torch.nn.Conv2d(1, 3, 3)),
        ("bn", torch.nn.BatchNorm2d(3)),
        ("relu", torch.nn.ReLU()),
        ("flatten", torch.nn.Flatten()),
        ("fc", torch.nn.Linear(3 * 2 * 2, 2)));

    [Fact]
    public void StateDictRoundTripIsBitwiseEqual()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var a = Model();
        a.forward(torch.randn([4, 1, 4, 4])); // training mode: moves the running statistics off their defaults
        var path = Path.Combine(folder, "model.safetensors");
        a.Save(path);

        torch.manual_seed(2);
        using var b = Model();
        Assert.NotEqual(a.state_dict()["conv.weight"].ToArray<float>(), b.state_dict()["conv.weight"].ToArray<float>());
        b.Load(path);
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.Equal(sa.Keys.Order(), sb.Keys.Order());
        Assert.Contains("bn.running_mean", sa.Keys);
        foreach (var key in sa.Keys)
        {
            Assert.Equal(sa[key].shape, sb[key].shape);
            var bitsA = sa[key].ToArray<float>().Select(BitConverter.SingleToInt32Bits);
            var bitsB = sb[key].ToArray<float>().Select(BitConverter.SingleToInt32Bits);
            Assert.Equal(bitsA, bitsB);
        }
        a.eval();
        b.eval();
        var x = torch.randn([2, 1, 4, 4]);
        Assert.Equal(a.forward(x).ToArray<float>(), b.forward(x).ToArray<float>());
    }

    [Fact]
    public void WrittenFileFollowsTheFormat()
    {
        using var scope = torch.NewDisposeScope();
        var path = Path.Combine(folder, "written.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor>
        {
            ["b"] = torch.tensor(new long[] { 1, -2 }),
            ["a"] = torch.tensor(new float[] { 1.5f, -2, 0.25f, 8, 9, 10 }, 2, 3).t(), // non-contiguous: written in logical order
        }, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd(' '));
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        var a = header.RootElement.GetProperty("a");
        Assert.Equal("F32", a.GetProperty("dtype").GetString());
        Assert.Equal(new long[] { 3, 2 }, a.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(new long[] { 0, 24 }, a.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        var b = header.RootElement.GetProperty("b");
        Assert.Equal("I64", b.GetProperty("dtype").GetString());
        Assert.Equal(new long[] { 24, 40 }, b.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + headerLength + 40, bytes.Length);
        var data = bytes.AsSpan(8 + headerLength);
        float[] aValues = [1.5f, 8, -2, 9, 0.25f, 10];
        for (var i = 0; i < 6; i++) Assert.Equal(aValues[i], BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]));
        Assert.Equal(1, BinaryPrimitives.ReadInt64LittleEndian(data[24..]));
        Assert.Equal(-2, BinaryPrimitives.ReadInt64LittleEndian(data[32..]));
    }

    /// <summary>8-byte little-endian header length, the JSON header, then the data.</summary>
    static byte[] File_(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void HandBuiltFileLoadsWithTheRightValues()
    {
        var data = new byte[16 + 24 + 16 + 3];
        var span = data.AsSpan();
        float[] w = [1.5f, -2, 3.25f, 1e-3f];
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(4 * i)..], w[i]);
        long[] idx = [7, -1, 1L << 40];
        for (var i = 0; i < 3; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(16 + 8 * i)..], idx[i]);
        BinaryPrimitives.WriteDoubleLittleEndian(span[40..], Math.PI);
        BinaryPrimitives.WriteDoubleLittleEndian(span[48..], -0.5);
        data[56] = 0; data[57] = 200; data[58] = 255;
        // Keys in any order, metadata anywhere, an unpadded header: all allowed by the format.
        const string json = """{"idx":{"dtype":"I64","shape":[3],"data_offsets":[16,40]},"__metadata__":{"source":"hand"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"d":{"dtype":"F64","shape":[2,1],"data_offsets":[40,56]},"u":{"dtype":"U8","shape":[3],"data_offsets":[56,59]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[59,59]}}""";
        var path = Path.Combine(folder, "hand.safetensors");
        File.WriteAllBytes(path, File_(json, data));

        var tensors = Safetensors.Load(path);
        try
        {
            Assert.Equal(new[] { "d", "e", "idx", "u", "w" }, tensors.Keys.Order());
            Assert.Equal(new long[] { 0, 3 }, tensors["e"].shape);
            Assert.Equal(new long[] { 2, 2 }, tensors["w"].shape);
            Assert.Equal(ScalarType.Float32, tensors["w"].dtype);
            Assert.Equal(w, tensors["w"].ToArray<float>());
            Assert.Equal(idx, tensors["idx"].ToArray<long>());
            Assert.Equal(new long[] { 2, 1 }, tensors["d"].shape);
            Assert.Equal(new[] { Math.PI, -0.5 }, tensors["d"].ToArray<double>());
            Assert.Equal(new byte[] { 0, 200, 255 }, tensors["u"].ToArray<byte>());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void DamagedFilesGiveAClearError()
    {
        using var scope = torch.NewDisposeScope();
        var good = Path.Combine(folder, "good.safetensors");
        Safetensors.Save(good, new Dictionary<string, Tensor> { ["x"] = torch.ones([4, 4]) });
        var bytes = File.ReadAllBytes(good);

        InvalidDataException Fails(string name, byte[] content)
        {
            var path = Path.Combine(folder, name);
            File.WriteAllBytes(path, content);
            var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
            Assert.Contains(name, e.Message);
            return e;
        }

        Assert.Contains("inconsistent data offsets", Fails("truncated.safetensors", bytes[..^4]).Message);
        Assert.Contains("exceeds the file", Fails("cut-header.safetensors", bytes[..20]).Message);
        Assert.Contains("too short", Fails("tiny.safetensors", bytes[..5]).Message);
        Assert.Contains("header", Fails("garbage.safetensors", File_("{not json", new byte[16])).Message);
        Assert.Contains("header", Fails("no-offsets.safetensors", File_("""{"x":{"dtype":"F32","shape":[1]}}""", new byte[4])).Message);
        Assert.Contains("unsupported dtype", Fails("dtype.safetensors", File_("""{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}""", new byte[8])).Message);
        Assert.Contains("inconsistent data offsets", Fails("negative.safetensors", File_("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[-4,4]}}""", new byte[8])).Message);
        var huge = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
        Assert.Contains("exceeds the file", Fails("huge.safetensors", huge).Message);

        // Loading into a module checks names and shapes.
        using var model = torch.nn.Linear(4, 4);
        Assert.Throws<ArgumentException>(() => model.Load(good));
    }
}
