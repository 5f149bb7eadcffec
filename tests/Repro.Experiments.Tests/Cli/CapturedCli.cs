using Repro.Runner;

namespace Repro.Experiments.Tests.Cli;

/// <summary>The CLI in process with its output and error captured: the one harness of the in-process CLI tests.</summary>
internal static class CapturedCli
{
    /// <summary>Runs <c>repro args</c> in an environment made by <paramref name="environment"/> around the two writers.</summary>
    public static (int Code, string Out, string Error) Invoke(string[] args, Func<TextWriter, TextWriter, CliEnvironment> environment)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(args, environment(output, error));
        return (code, output.ToString(), error.ToString());
    }
}
