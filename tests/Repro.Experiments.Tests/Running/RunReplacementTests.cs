using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Running;

/// <summary>The folder steps of a forced rerun: the swap, and what each kill along the way leaves for the next run to put right.</summary>
public sealed class RunReplacementTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Run => folder.Combine("results", "toy", "0123456789ab");

    private static void Result(string directory, string status, string weights)
    {
        Directory.CreateDirectory(directory);
        new RunSummary("0123456789ab", status, "", [], new Dictionary<string, double>()).Write(ResultPaths.Summary(directory));
        File.WriteAllText(Path.Combine(directory, "model.safetensors"), weights);
    }

    private string Weights(string directory) => File.ReadAllText(Path.Combine(directory, "model.safetensors"));

    [Fact]
    public void Replace_puts_the_new_result_in_place_and_deletes_the_earlier_one()
    {
        Result(Run, RunSummary.Ok, "old");
        Result(ResultPaths.Rerun(Run), RunSummary.Ok, "new");
        RunReplacement.Replace(Run, ResultPaths.Rerun(Run));
        Assert.Equal("new", Weights(Run));
        Assert.False(RunReplacement.HasLeftovers(Run));
        Assert.Equal(["0123456789ab"], Directory.GetFileSystemEntries(Path.GetDirectoryName(Run)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_rerun_killed_while_training_is_removed_and_the_earlier_result_stays()
    {
        Result(Run, RunSummary.Ok, "old");
        Directory.CreateDirectory(ResultPaths.Rerun(Run));
        File.WriteAllText(Path.Combine(ResultPaths.Rerun(Run), "model.safetensors"), "half");
        Assert.NotNull(RunReplacement.Recover(Run));
        Assert.Equal("old", Weights(Run));
        Assert.False(RunReplacement.HasLeftovers(Run));
        Assert.Null(RunReplacement.Recover(Run));
    }

    [Fact]
    public void Killed_between_two_renames_with_the_new_result_complete_the_new_result_takes_the_place()
    {
        Result(ResultPaths.Replaced(Run), RunSummary.Ok, "old");
        Result(ResultPaths.Rerun(Run), RunSummary.Ok, "new");
        Assert.Equal("the rerun had finished: its result is now the run's", RunReplacement.Recover(Run));
        Assert.Equal("new", Weights(Run));
        Assert.False(RunReplacement.HasLeftovers(Run));
    }

    [Fact]
    public void Killed_with_the_earlier_result_moved_aside_and_no_complete_rerun_the_earlier_result_goes_back()
    {
        Result(ResultPaths.Replaced(Run), RunSummary.Ok, "old");
        Directory.CreateDirectory(ResultPaths.Rerun(Run));
        Assert.Equal("the rerun had not finished: the earlier result is back", RunReplacement.Recover(Run));
        Assert.Equal("old", Weights(Run));
        Assert.False(RunReplacement.HasLeftovers(Run));
    }

    [Fact]
    public void Leftover_names_are_hidden_siblings_of_the_run_folder()
    {
        Assert.Equal(folder.Combine("results", "toy", ".0123456789ab.rerun"), ResultPaths.Rerun(Run + "/"));
        Assert.Equal(folder.Combine("results", "toy", ".0123456789ab.lock"), ResultPaths.RunLock(Run));
        Assert.False(ResultPaths.IsRunId(Path.GetFileName(ResultPaths.Replaced(Run))));
    }
}
