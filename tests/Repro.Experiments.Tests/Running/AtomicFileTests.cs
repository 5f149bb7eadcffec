using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Running;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Replaces_the_content_and_leaves_no_temporary_file()
    {
        string path = folder.Combine("a.csv");
        AtomicFile.WriteAllText(path, "old\n");
        AtomicFile.WriteAllText(path, "new\n");
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_write_that_fails_midway_keeps_the_old_file()
    {
        string path = folder.Combine("a.csv");
        AtomicFile.WriteAllText(path, "old\n");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new IOException("disk full");
        }));
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Summary_round_trips_through_its_file()
    {
        string path = folder.Combine("summary.csv");
        var summary = new RunSummary("0123456789ab", "failed", "loss went NaN, at step 3", [new("options.labels", "random")],
            new Dictionary<string, double> { ["z"] = 0.1, ["a"] = 2 });
        summary.Write(path);
        Assert.Equal("run_id,status,reason,param.options.labels,a,z\n0123456789ab,failed,\"loss went NaN, at step 3\",random,2,0.1\n",
            File.ReadAllText(path));
        var read = RunSummary.TryRead(path)!;
        Assert.Equal(("0123456789ab", "failed", "loss went NaN, at step 3"), (read.RunId, read.Status, read.Reason));
        Assert.Equal(summary.Parameters, read.Parameters);
        Assert.Equal(0.1, read.Metrics["z"]);
    }
}
