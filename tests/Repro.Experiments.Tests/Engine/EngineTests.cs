using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Repro.Experiments.Engine;
using Repro.Experiments.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using Xunit;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Experiments.Tests.Engine;

public sealed class EngineTests
{
    [Fact]
    public void A_shape_error_is_an_exception_with_libtorchs_message_and_the_process_goes_on()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.ThrowsAny<ExternalException>(() => torch.ones(2, 3).mm(torch.ones(4, 5)));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", e.Message);
        var conv = Assert.ThrowsAny<ExternalException>(() => F.conv2d(torch.ones(1, 2, 5, 5), torch.ones(4, 3, 3, 3)));
        Assert.Contains("to have 3 channels, but got 2 channels instead", conv.Message);
        // The engine is still usable after a run of errors.
        for (var i = 0; i < 5; i++) Assert.ThrowsAny<ExternalException>(() => torch.ones(3).view(2, 2));
        Assert.Equal(new float[] { 4, 4 }, torch.ones(2, 4).mm(torch.ones(4, 1)).data<float>().ToArray());
    }

    [Fact]
    public void The_engine_reports_libtorch_2_10_with_mkl_and_its_thread_settings()
    {
        Assert.Equal("2.10.0", EngineInfo.LibtorchVersion);
        Assert.Equal("0.107.0", EngineInfo.TorchSharpVersion);
        Assert.Contains("BLAS_INFO=mkl", EngineInfo.BuildConfig);
        Assert.StartsWith("mkl (", EngineInfo.Blas);
        var previous = torch.get_num_threads();
        try
        {
            torch.set_num_threads(1);
            Assert.Equal(1, EngineInfo.Threads);
            // libtorch's set_num_threads also sets MKL's limit: one knob for both.
            Assert.Equal(1, EngineInfo.BlasThreads);
        }
        finally
        {
            torch.set_num_threads(previous);
        }
    }

    [Fact]
    public void The_heap_policy_is_in_force_unless_the_user_set_glibcs_own()
    {
        var userSet = new[] { "GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_ARENA_MAX", "REPRO_HEAP_POLICY" }
            .Any(n => Environment.GetEnvironmentVariable(n) is not null);
        Assert.Equal(!userSet, HeapPolicy.Active);
        Assert.StartsWith(userSet ? "" : "retain", HeapPolicy.Description);
    }

    /// <summary>
    /// A convolution over R-CNN's batch of 128 warped crops unfolds the batch into a 56 MB column buffer, above
    /// glibc's largest mmap threshold. Under glibc's defaults every call maps it afresh and page-faults it in
    /// (at least 13,824 minor faults a call; 6x the time per crop of a batch of 16); under the heap policy the
    /// main heap serves it and a repeated call reuses the pages. Checked in a fresh repro process, on its main
    /// thread as a run's training is (the test host's threads took their own arenas before the policy).
    /// </summary>
    [Fact]
    public void Repro_engine_checks_pass_and_large_buffers_are_reused()
    {
        var (code, output, error) = EndToEnd.ReproProcess.Run(TimeSpan.FromMinutes(2), "engine");
        Assert.True(code == 0, output + error);
        Assert.Contains("libtorch:     2.10.0", output);
        Assert.Contains("convolutions: native (onednn, nnpack off)", output);
        Assert.Contains("check convolution gradient: ok", output);
        var faults = System.Text.RegularExpressions.Regex.Match(output, @"check buffer reuse: ok, (\d+) minor page faults");
        Assert.True(faults.Success, output);
        Assert.InRange(int.Parse(faults.Groups[1].Value), 0, (int)EngineCheck.MaxFaultsPerRepeatedCall - 1);
        Assert.DoesNotContain("NNPACK", error);
    }

    [Fact]
    public void Repro_engine_fails_its_buffer_check_under_glibcs_default_heap()
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(EndToEnd.ReproProcess.Dll);
        info.ArgumentList.Add("engine");
        info.Environment["REPRO_HEAP_POLICY"] = "default";
        using var p = System.Diagnostics.Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("heap:         glibc-default (REPRO_HEAP_POLICY=default)", output);
        Assert.Contains("check buffer reuse: FAILED", output);
    }

    [Fact]
    public void The_engine_check_of_convolution_gradients_holds_in_process()
    {
        var check = EngineCheck.ConvolutionGradient();
        Assert.True(check.Holds, check.Measured);
    }

    [Fact]
    public void Local_response_norm_equals_torchs_forward_and_backward()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var x = torch.rand(2, 7, 4, 3, dtype: ScalarType.Float64).requires_grad_();
        var ours = LocalResponseNorm.Apply(x, 5, 1e-2, 0.75, 2.0);
        var theirs = F.local_response_norm(x, 5, 1e-2, 0.75, 2.0);
        Assert.True(ours.allclose(theirs, rtol: 1e-12, atol: 1e-12), "forward");
        var weights = torch.rand(2, 7, 4, 3, dtype: ScalarType.Float64);
        var gOurs = torch.autograd.grad([(ours * weights).sum()], [x])[0];
        var gTheirs = torch.autograd.grad([(theirs * weights).sum()], [x])[0];
        Assert.True(gOurs.allclose(gTheirs, rtol: 1e-10, atol: 1e-12), "backward");
        // An even window is asymmetric in PyTorch (size/2 before, (size-1)/2 after): the same here.
        Assert.True(LocalResponseNorm.Apply(x, 4, 0.1).allclose(F.local_response_norm(x, 4, 0.1), rtol: 1e-12, atol: 1e-12), "even size");
    }

    [Fact]
    public void Safetensors_weights_round_trip_and_carry_a_header_python_reads()
    {
        var dir = Directory.CreateTempSubdirectory("repro-safetensors").FullName;
        try
        {
            var path = Path.Combine(dir, "weights.safetensors");
            var options = new ZfNetOptions { ConvChannels = [4, 4, 4, 4, 4], HiddenUnits = [8, 8], BatchNorm = true };
            torch.manual_seed(1);
            using var saved = new ZfNet(options, 1, 8, 3);
            saved.save_safetensors(path);
            torch.manual_seed(2);
            using var loaded = new ZfNet(options, 1, 8, 3);
            Assert.False(saved.parameters().First().allclose(loaded.parameters().First(), 0, 0), "different seeds start apart");
            loaded.load_safetensors(path);
            var a = saved.state_dict();
            var b = loaded.state_dict();
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (name, tensor) in a) Assert.True(tensor.allclose(b[name], 0, 0), name);

            // The format itself (read here without TorchSharp): an 8-byte little-endian header length, a JSON header
            // of dtype, shape and byte offsets per tensor, then the raw data, as Python's safetensors expects.
            var bytes = File.ReadAllBytes(path);
            var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
            var weight = header.RootElement.GetProperty("layer1.conv.weight");
            Assert.Equal("F32", weight.GetProperty("dtype").GetString());
            Assert.Equal([4L, 1, 5, 5], weight.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()));
            var offsets = weight.GetProperty("data_offsets").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            Assert.Equal(4 * 25 * 4, offsets[1] - offsets[0]);
            var first = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + headerLength + (int)offsets[0]));
            Assert.Equal(a["layer1.conv.weight"].flatten()[0].ToSingle(), first);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class ConvolutionGradientTests
{
    /// <summary>
    /// The gradient of sum(g * conv2d(x, w)) with respect to x is conv_transpose2d(g, w), computed here in float64.
    /// With oneDNN's kernels (libtorch 2.10 on AVX-512) float32 batches of 16 came out wrong by ~2-9 and
    /// sometimes NaN; the engine turns oneDNN off at load.
    /// </summary>
    [Theory]
    [InlineData(16, 4, 8)]
    [InlineData(128, 32, 14)]
    public void Float32_convolution_gradients_match_the_transposed_convolution(int n, int c, int size)
    {
        Assert.False(ConvolutionBackend.OneDnnEnabled);
        Assert.False(ConvolutionBackend.NnpackEnabled);
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var x = torch.rand(n, c, size, size).requires_grad_();
        var w = torch.rand(8, c, 3, 3).requires_grad_();
        var g = torch.rand(n, 8, size, size);
        var grads = torch.autograd.grad([(F.conv2d(x, w, padding: [1, 1]) * g).sum()], [x, w]);
        var exactInput = F.conv_transpose2d(g.to(ScalarType.Float64), w.detach().to(ScalarType.Float64), padding: [1, 1]);
        var x64 = x.detach().to(ScalarType.Float64).requires_grad_();
        var w64 = w.detach().to(ScalarType.Float64).requires_grad_();
        var exactWeight = torch.autograd.grad([(F.conv2d(x64, w64, padding: [1, 1]) * g.to(ScalarType.Float64)).sum()], [w64])[0];
        Assert.True((grads[0].to(ScalarType.Float64) - exactInput).abs().max().ToDouble() < 1e-4 * c * 9, "input gradient");
        Assert.True(((grads[1].to(ScalarType.Float64) - exactWeight).abs().max() / exactWeight.abs().max()).ToDouble() < 1e-5, "weight gradient");
    }
}
