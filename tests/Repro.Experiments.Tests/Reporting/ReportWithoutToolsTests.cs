using System.Diagnostics;
using Repro.Experiments.Tests.EndToEnd;
using Xunit;

namespace Repro.Experiments.Tests.Reporting;

/// <summary>
/// <c>repro report</c> draws every figure in its own process: run with a PATH that holds nothing but dotnet, it
/// still rebuilds the figures, so no external program is called.
/// </summary>
[Collection("processes")]
public sealed class ReportWithoutToolsTests : IDisposable
{
    private readonly FakeResults results = new();
    private readonly DirectoryInfo bin = Directory.CreateTempSubdirectory("repro-path-");

    public void Dispose()
    {
        results.Dispose();
        bin.Delete(recursive: true);
    }

    private static string Dotnet() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("no dotnet on PATH");

    [Fact]
    public async Task Report_rebuilds_figures_with_only_dotnet_on_the_path()
    {
        const string run = "0123456789ab";
        results.AddRun("baseline", run, "ok", [],
            [("test_accuracy", 0.9), ("train_accuracy", 0.95), ("parameters", 1000), ("train_seconds", 2)],
            configYaml: FakeResults.Config("baseline", [], seed: 0),
            metricsCsv: "step,split,metric,value\n1,train,loss,2.3\n50,train,loss,1.1\n100,train,loss,0.5\n100,test,accuracy,0.9\n");
        results.WriteRunsCsv("baseline", run);
        File.CreateSymbolicLink(Path.Combine(bin.FullName, "dotnet"), Dotnet());

        var info = new ProcessStartInfo(Path.Combine(bin.FullName, "dotnet"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = results.Root,
        };
        info.Environment["PATH"] = bin.FullName;
        info.ArgumentList.Add(ReproProcess.Dll);
        info.ArgumentList.Add("report");
        info.ArgumentList.Add(Path.Combine(results.Root, "baseline"));
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            await process.WaitForExitAsync(limit.Token);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await error}\n{await output}");

        string report = Path.Combine(results.Root, "baseline", "report");
        foreach (var file in new[] { "curves.data.csv", "curves.png", "curves.svg" })
            Assert.True(new FileInfo(Path.Combine(report, file)).Length > 0, file);
        // The figure is its data, its PNG and its SVG: no script or other file beside them.
        Assert.Equal(["curves.data.csv", "curves.png", "curves.svg"],
            Directory.GetFiles(report, "curves.*").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("seed 0", FigurePixels.SvgTexts(File.ReadAllBytes(Path.Combine(report, "curves.svg"))));
    }
}
