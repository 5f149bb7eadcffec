using System.Diagnostics;
using Repro.Experiments.Reporting;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>Runs the real repro CLI (repro.dll beside the tests) as a separate process.</summary>
internal static class ReproProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "repro.dll");

    public static string Config(string name) => Path.Combine(RepositoryRoot.Find(), "configs", name);

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Find() };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public static (int code, string output, string error) Run(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"repro {string.Join(' ', args)} did not finish in {timeout}");
        }
        return (p.ExitCode, output.Result, error.Result);
    }
}
