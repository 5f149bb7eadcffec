using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>The baseline experiment through the real CLI in separate processes: resumption after a kill,
/// determinism across processes, and bad input.</summary>
[Collection("processes")]
public sealed class BaselineProcessTests : IDisposable
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-e2e-");

    public void Dispose() => root.Delete(recursive: true);

    string Results(string name) => Path.Combine(root.FullName, name);

    static string[] SmokeSweep(string results, string seeds) =>
        ["run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results, "--set", $"sweep.seed={seeds}"];

    static List<string> RunFolders(string results) =>
        Directory.Exists(Path.Combine(results, "baseline"))
            ? Directory.GetDirectories(Path.Combine(results, "baseline")).Where(d => Path.GetFileName(d) != "report").ToList()
            : [];

    static bool Finished(string runFolder) => File.Exists(Path.Combine(runFolder, ResultPaths.SummaryFileName));

    [Fact]
    public void Killed_sweep_resumes_and_keeps_finished_runs()
    {
        var results = Results("killed");
        using (var p = ReproProcess.Start(SmokeSweep(results, "[0,1,2]")))
        {
            // Kill the sweep as soon as it reports its first finished run.
            using var firstDone = new ManualResetEventSlim();
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            void Watch(string? line)
            {
                if (line is null) return;
                log.Enqueue(line);
                if (line.Contains("run 1/3")) firstDone.Set();
            }
            p.OutputDataReceived += (_, e) => Watch(e.Data);
            p.ErrorDataReceived += (_, e) => Watch(e.Data);
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            Assert.True(firstDone.Wait(Limit), "no run finished: " + string.Join("\n", log));
            Assert.False(p.HasExited, "the sweep ended before it could be killed");
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.NotEqual(0, p.ExitCode);
        }
        var finished = RunFolders(results).Where(Finished).ToList();
        Assert.NotEmpty(finished);
        Assert.True(finished.Count < 3, $"all runs finished before the kill at {DateTime.UtcNow:O}: " + string.Join(", ", finished.Select(f => File.GetLastWriteTimeUtc(Path.Combine(f, ResultPaths.SummaryFileName)).ToString("O"))));
        var kept = finished.ToDictionary(d => d, d => File.ReadAllBytes(Path.Combine(d, ResultPaths.MetricsFileName)));
        // No half-written files are left where a reader would take them for results.
        foreach (var d in RunFolders(results))
            Assert.DoesNotContain(Directory.GetFiles(d), f => f.EndsWith(ResultPaths.SummaryFileName) && new FileInfo(f).Length == 0);

        var (code, output, error) = ReproProcess.Run(Limit, SmokeSweep(results, "[0,1,2]"));
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        Assert.Equal(3, RunFolders(results).Count(Finished));
        foreach (var (dir, metrics) in kept)
            Assert.Equal(metrics, File.ReadAllBytes(Path.Combine(dir, ResultPaths.MetricsFileName)));
        Assert.Contains($"{kept.Count} already done", output + error);
    }

    [Fact]
    public void Same_config_and_seed_in_two_processes_write_identical_metrics()
    {
        var first = Results("first");
        var second = Results("second");
        foreach (var results in new[] { first, second })
        {
            var (code, output, error) = ReproProcess.Run(Limit, SmokeSweep(results, "[4]"));
            Assert.True(code == 0, $"exit {code}: {error}\n{output}");
        }
        var a = Assert.Single(RunFolders(first));
        var b = Assert.Single(RunFolders(second));
        Assert.Equal(Path.GetFileName(a), Path.GetFileName(b));
        var metrics = File.ReadAllText(Path.Combine(a, ResultPaths.MetricsFileName));
        Assert.Contains("test,accuracy", metrics);
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(b, ResultPaths.MetricsFileName)));
    }

    [Fact]
    public void Missing_data_file_exits_2_naming_the_folder_before_any_run()
    {
        var results = Results("missing");
        var (code, _, error) = ReproProcess.Run(Limit,
            ["run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results, "--set", "options.dataset.root=/nonexistent/fashion"]);
        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("baseline.yaml", line);
        Assert.Contains("/nonexistent/fashion", line);
        Assert.Empty(RunFolders(results));
    }

    [Fact]
    public void Corrupt_data_file_exits_2_naming_the_file()
    {
        var data = Directory.CreateDirectory(Path.Combine(root.FullName, "fashion"));
        foreach (var f in Directory.GetFiles("/usr/share/datasets/fashion-mnist"))
            File.Copy(f, Path.Combine(data.FullName, Path.GetFileName(f)));
        var corrupt = Path.Combine(data.FullName, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(corrupt)[..40]);
        var (code, _, error) = ReproProcess.Run(Limit,
            ["run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", Results("corrupt"), "--set", $"options.dataset.root={data.FullName}"]);
        Assert.Equal(2, code);
        Assert.Contains("t10k-labels-idx1-ubyte.gz", error);
    }
}
