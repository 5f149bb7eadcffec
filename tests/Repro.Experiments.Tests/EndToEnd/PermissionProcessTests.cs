using System.Diagnostics;
using Repro.Experiments.Reporting;
using Xunit;
using FakeResults = Repro.Experiments.Tests.Reporting.FakeResults;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>A test that needs root, to run the real repro as user nobody (setpriv), where a folder can be read-only.</summary>
public sealed class AsNobodyFactAttribute : FactAttribute
{
    public AsNobodyFactAttribute()
    {
        if (Environment.UserName != "root")
            Skip = "runs repro as user nobody, which needs root";
        else if (!File.Exists("/usr/bin/setpriv"))
            Skip = "runs repro as user nobody with setpriv (util-linux), not found";
    }
}

/// <summary>
/// Folders repro cannot write, as another user meets them (the tests run as root, which writes anywhere): one line
/// and exit code 2, before anything trains or is rewritten.
/// </summary>
[Collection("processes")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PermissionProcessTests : IDisposable
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-perm-");

    public PermissionProcessTests()
    {
        // Readable by nobody, writable by root alone.
        File.SetUnixFileMode(root.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    public void Dispose() => root.Delete(recursive: true);

    static (int Code, string Output, string Error) RunAsNobody(params string[] args)
    {
        var info = new ProcessStartInfo("/usr/bin/setpriv")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Find(),
        };
        foreach (var a in (string[])["--reuid=nobody", "--regid=nogroup", "--clear-groups", "dotnet", ReproProcess.Dll, .. args])
            info.ArgumentList.Add(a);
        info.Environment["HOME"] = "/tmp";
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"repro {string.Join(' ', args)} did not finish in {Limit}");
        }
        return (p.ExitCode, output.Result, error.Result);
    }

    [AsNobodyFact]
    public void Run_into_a_results_folder_it_cannot_write_exits_2_with_one_line()
    {
        string results = Path.Combine(root.FullName, "results");
        var (code, output, error) = RunAsNobody("run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results);
        Assert.True(code == 2, $"exit {code}: {error}\n{output}");
        Assert.Equal($"--results {results}: cannot create the folder (permission denied){Environment.NewLine}", error);
        Assert.False(Directory.Exists(results));

        Directory.CreateDirectory(Path.Combine(results, "baseline"));
        (code, output, error) = RunAsNobody("run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results);
        Assert.True(code == 2, $"exit {code}: {error}\n{output}");
        Assert.Equal($"--results {results}: cannot write there (permission denied){Environment.NewLine}", error);
    }

    [AsNobodyFact]
    public void Report_on_a_folder_it_cannot_write_exits_2_with_one_line_and_leaves_the_report()
    {
        string results = Path.Combine(root.FullName, "results");
        string report = Path.Combine(results, "baseline", "report");
        FakeResults.CopyDirectory(Path.Combine(RepositoryRoot.Find(), "results", "baseline"), Path.Combine(results, "baseline"));
        var before = Directory.GetFiles(report).ToDictionary(f => f, File.ReadAllBytes);

        var (code, output, error) = RunAsNobody("report", results);
        Assert.True(code == 2, $"exit {code}: {error}\n{output}");
        Assert.Equal($"{report}: cannot write there (permission denied){Environment.NewLine}", error);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(report).Order());
        foreach (var (file, bytes) in before)
            Assert.Equal(bytes, File.ReadAllBytes(file));
    }
}
