using Repro.Experiments.Running;
using Repro.Experiments.Tests.EndToEnd;
using Xunit;

namespace Repro.Experiments.Tests.Cli;

/// <summary>
/// Smoke runs of configs/baseline.yaml through the real CLI, made once for the comparison and nightly tests and
/// only when a test asks for them (training is what costs): <see cref="First"/>, a results folder of
/// <c>repro run</c>, and <see cref="Nightly"/>, <c>repro nightly</c> of the same config against it, whose results
/// folder is <see cref="Second"/>: the same runs again, with other timings.
/// </summary>
public sealed class SmokeRuns : IDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-smoke-runs-");
    private readonly Lazy<string> first;
    private readonly Lazy<(int Code, string Out, string Error, string Results)> nightly;

    public SmokeRuns()
    {
        first = new Lazy<string>(() =>
        {
            string results = Path.Combine(root.FullName, "first");
            var (code, output, error) = ReproProcess.Run(Limit, "run", Config, "--profile", "smoke", "--results", results);
            Assert.True(code == 0, $"repro run exited {code}: {error}\n{output}");
            return results;
        });
        nightly = new Lazy<(int, string, string, string)>(() =>
        {
            string results = Path.Combine(root.FullName, "nightly");
            var (code, output, error) = ReproProcess.Run(Limit, "nightly", Config, "--profile", "smoke", "--baseline", First, "--results", results);
            return (code, output, error, results);
        });
    }

    public static string Config => ReproProcess.Config("baseline.yaml");

    public string First => first.Value;

    /// <summary>Exit code, output and results folder of <c>repro nightly --profile smoke --baseline First</c>.</summary>
    public (int Code, string Out, string Error, string Results) Nightly => nightly.Value;

    public string Second
    {
        get
        {
            var (code, output, error, results) = Nightly;
            Assert.True(code == 0, $"repro nightly exited {code}: {error}\n{output}");
            return results;
        }
    }

    /// <summary>A folder of its own under the fixture's, for a test's own results.</summary>
    public string Folder(string name) => Path.Combine(root.FullName, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    /// <summary>The single run folder of the baseline experiment in a results folder.</summary>
    public static string RunFolder(string results) =>
        Assert.Single(Directory.GetDirectories(Path.Combine(results, "baseline")), d => ResultPaths.IsRunId(Path.GetFileName(d)));

    public void Dispose() => root.Delete(recursive: true);
}

[CollectionDefinition(Name)]
public sealed class SmokeRunsCollection : ICollectionFixture<SmokeRuns>
{
    public const string Name = "smoke runs of configs/baseline.yaml";
}
