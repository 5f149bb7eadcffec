using Repro.Experiments.Running;
using Repro.Experiments.Tests.EndToEnd;
using Xunit;

namespace Repro.Experiments.Tests.Running;

public sealed class SweepTallyTests : IDisposable
{
    readonly DirectoryInfo root = Directory.CreateTempSubdirectory("repro-tally-");

    public void Dispose() => root.Delete(recursive: true);

    [Fact]
    public void The_closing_table_has_a_line_per_experiment_and_a_total()
    {
        var text = SweepTally.Format(
        [
            new ExperimentTally("baseline", "quick", 3, 2, 1, 0, 125.4, 125.4, 1, 1),
            new ExperimentTally("detection", "quick", 3, 2, 0, 1, 3725, 3790, 3, 4),
            new ExperimentTally("toy", null, 1, 1, 0, 0, 0.4, 3900, null, null),
        ], 3900);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Equal(["experiment", "profile", "runs", "ran", "done", "before", "failed", "wall", "time", "done", "at", "claims", "holding"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["baseline", "quick", "3", "2", "1", "0", "2", "min", "05", "s", "2", "min", "05", "s", "1", "of", "1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["detection", "quick", "3", "2", "0", "1", "1", "h", "02", "min", "1", "h", "03", "min", "3", "of", "4"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["toy", "-", "1", "1", "0", "0", "0", "s", "1", "h", "05", "min", "-"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["total", "7", "5", "1", "1", "1", "h", "05", "min", "1", "h", "05", "min", "4", "of", "5"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(lines, l => Assert.Equal(lines[0].Length, l.Length)); // columns aligned, the last right-aligned
    }

    [Fact]
    public void Repro_run_ends_with_the_closing_table_of_its_experiments()
    {
        string results = Path.Combine(root.FullName, "results");
        var (code, output, error) = ReproProcess.Run(TimeSpan.FromMinutes(4),
            "run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results, "--set", "sweep.seed=[0,1]");
        Assert.True(code == 0, output + error);
        var table = output[output.LastIndexOf("experiment", StringComparison.Ordinal)..].TrimEnd().Split('\n');
        Assert.Equal(3, table.Length);
        var baseline = table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["baseline", "smoke", "2", "2", "0", "0"], baseline[..6]);
        Assert.StartsWith("total", table[2]);

        // Again: both runs are done before, and this sweep spent no training time on them.
        (code, output, error) = ReproProcess.Run(TimeSpan.FromMinutes(4),
            "run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results, "--set", "sweep.seed=[0,1]");
        Assert.True(code == 0, output + error);
        table = output[output.LastIndexOf("experiment", StringComparison.Ordinal)..].TrimEnd().Split('\n');
        Assert.Equal(["baseline", "smoke", "2", "0", "2", "0", "0", "s", "-"], table[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..9]);
    }
}
