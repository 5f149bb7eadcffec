using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Repro.Torch.Tests;

/// <summary>Same seed on CPU: bitwise-identical losses across processes (the probe prints them with "R").</summary>
public class DeterminismTests
{
    const int Steps = 30;

    static string ProbePath()
    {
        // The test project references the probe, so the build copies it (and its runtimeconfig) here.
        var path = Path.Combine(AppContext.BaseDirectory, "Repro.Torch.Probe.dll");
        Assert.True(File.Exists(path), $"probe not built: {path}");
        return path;
    }

    static string[] RunProbe(long seed)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProbePath());
        start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(Steps.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("probe did not finish within two minutes");
        }
        Assert.True(process.ExitCode == 0, $"probe exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Fact]
    public void SameSeedGivesIdenticalLossesInTwoProcesses()
    {
        var runs = new[] { 11L, 11L, 12L }.AsParallel().AsOrdered().Select(RunProbe).ToArray();
        var (first, second, other) = (runs[0], runs[1], runs[2]);
        Assert.Equal(Steps, first.Length);
        Assert.All(first, line => Assert.True(double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v), line));
        Assert.Equal(first, second);
        Assert.Equal(Steps, other.Length);
        Assert.NotEqual(first, other);
        Assert.True(first.Zip(other).Count(p => p.First != p.Second) > Steps / 2);
    }
}
