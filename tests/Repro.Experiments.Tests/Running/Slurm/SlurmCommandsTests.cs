using System.Runtime.Versioning;
using Repro.Experiments.Running.Launchers;
using Xunit;

namespace Repro.Experiments.Tests.Running.Slurm;

/// <summary>
/// The real command runner against small shell scripts standing in for Slurm's commands on a PATH of their own:
/// finding them, and reading what sinfo, sbatch, squeue and sacct print.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class SlurmCommandsTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Bin => folder.Combine("bin");

    private void Command(string name, string body)
    {
        string path = folder.Write($"bin/{name}", "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private SlurmCommands WithAll()
    {
        Command("sinfo", """
            case "$*" in
              *--Node*) printf 'node1|node1.cluster\nnode2|node2.cluster\nnode1|node1.cluster\n' ;;
              *) printf 'debug*\ngpu\ndebug*\n' ;;
            esac
            """);
        Command("sbatch", "cat > \"$(dirname \"$0\")/../submitted.sh\"; echo \"$@\" > \"$(dirname \"$0\")/../sbatch-args\"; echo '42;main'");
        Command("squeue", "echo \"$@\" > \"$(dirname \"$0\")/../squeue-args\"; printf '12|0|13|RUNNING|node1|None\\n12|1|12|PENDING||Resources\\n20|N/A|20|COMPLETED|node2|None\\n'");
        Command("sacct", "printf '7_3|CANCELLED by 0|node2\\n7_[4-5]|PENDING|None\\n7_3.batch|CANCELLED|node2\\n'");
        Command("scontrol", "printf 'KillWait                = 30 sec\\nMaxArraySize            = 5000\\n'");
        return SlurmCommands.Locate(Bin);
    }

    [Fact]
    public void Without_sbatch_on_the_path_the_launcher_stops_with_one_line()
    {
        Command("squeue", "true");
        var e = Assert.Throws<ReproInputException>(() => SlurmCommands.Locate(Bin + ":" + folder.Combine("nothing")));
        Assert.Equal("--launcher slurm: 'sbatch' is not on the PATH; run repro where Slurm's client commands are (the cluster's login node), see docs/slurm.md",
            e.Message);
    }

    [Fact]
    public void Partitions_nodes_and_the_array_limit_are_read_from_sinfo_and_scontrol()
    {
        var slurm = WithAll();
        Assert.Equal([new SlurmPartition("debug", true), new SlurmPartition("gpu", false)], slurm.Partitions());
        Assert.Equal([new SlurmNode("node1", "node1.cluster"), new SlurmNode("node2", "node2.cluster")], slurm.Nodes());
        Assert.Equal(5000, slurm.MaxArraySize());
    }

    [Fact]
    public void The_script_goes_to_sbatch_on_stdin_and_the_job_id_comes_back()
    {
        var slurm = WithAll();
        Assert.Equal("42", slurm.Submit("#!/bin/bash\necho hi\n"));
        Assert.Equal("#!/bin/bash\necho hi\n", File.ReadAllText(folder.Combine("submitted.sh")));
        Assert.Equal("--parsable\n", File.ReadAllText(folder.Combine("sbatch-args")));
    }

    [Fact]
    public void A_job_sbatch_rejects_is_bad_input_with_sbatchs_reason()
    {
        WithAll();
        Command("sbatch", "echo 'sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)' >&2; exit 1");
        var e = Assert.Throws<ReproInputException>(() => SlurmCommands.Locate(Bin).Submit("#!/bin/bash\n"));
        Assert.Equal("sbatch rejected the job: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)", e.Message);
    }

    [Fact]
    public void Task_states_come_from_squeue_per_array_task_then_from_sacct_for_older_ones()
    {
        var slurm = WithAll();
        var states = slurm.States(["12", "20", "7_3"]);
        Assert.Equal("--noheader --array --states=all --jobs=12,20,7_3 --format=%F|%K|%A|%T|%N|%r\n", File.ReadAllText(folder.Combine("squeue-args")));
        Assert.Equal(new SlurmJobState("12_0", "RUNNING", "node1", "None"), states["12_0"]);
        Assert.True(states["12_1"].IsPending);
        Assert.False(states["20"].IsActive);
        Assert.Equal(new SlurmJobState("7_3", "CANCELLED", "node2"), states["7_3"]);
        Assert.Equal(["12_0", "12_1", "20", "7_3"], states.Keys.Order());
    }

    [Fact]
    public void Jobs_slurm_has_forgotten_are_absent_and_a_controller_that_does_not_answer_is_unavailable()
    {
        var slurm = WithAll();
        Command("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
        Command("sacct", "echo 'Slurm accounting storage is disabled'");
        Assert.Empty(slurm.States(["99"]));
        Command("squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1");
        var e = Assert.Throws<SlurmUnavailableException>(() => slurm.States(["99"]));
        Assert.Contains("Unable to contact slurm controller", e.Message);
    }
}
