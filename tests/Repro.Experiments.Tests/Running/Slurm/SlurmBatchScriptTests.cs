using Repro.Experiments.Running.Launchers;
using Xunit;

namespace Repro.Experiments.Tests.Running.Slurm;

public sealed class SlurmBatchScriptTests
{
    private static SlurmArray Array(SlurmResources resources, params string[][] tasks) => new()
    {
        JobName = "repro-baseline",
        Resources = resources,
        Tasks = tasks,
        Repro = ["/usr/share/dotnet/dotnet", "/home/u/repro/src/Repro.Runner/bin/Release/net10.0/repro.dll"],
        WorkingDirectory = "/home/u/repro",
        ResultsDirectory = "/shared/results",
        DataRoot = "/home/u/repro/data",
    };

    private static readonly SlurmResources OneCpu = new(null, null, 1, null, 0, "cpu", []);

    [Fact]
    public void A_two_run_array_has_one_case_per_task_and_absolute_paths_throughout()
    {
        string script = SlurmBatchScript.Write(Array(OneCpu,
            ["run-one", "/shared/results/baseline/aaaaaaaaaaaa", "--device", "cpu", "--threads", "1", "--source", "configs/baseline.yaml", "--claim"],
            ["run-one", "/shared/results/baseline/bbbbbbbbbbbb", "--device", "cpu", "--threads", "1", "--source", "configs/baseline.yaml", "--claim"]));
        Assert.Equal("""
            #!/bin/bash
            # Written by repro run --launcher slurm: 2 runs, one array task each.
            # Each task claims its run before training it (claim.N in the run folder), so that a run is never trained twice.
            #SBATCH --job-name=repro-baseline
            #SBATCH --array=0-1
            #SBATCH --ntasks=1
            #SBATCH --cpus-per-task=1
            #SBATCH --chdir=/home/u/repro
            #SBATCH --output=/shared/results/.slurm/logs/%A_%a.out
            #SBATCH --open-mode=append

            results=/shared/results
            repro=(/usr/share/dotnet/dotnet /home/u/repro/src/Repro.Runner/bin/Release/net10.0/repro.dll)
            if [ ! -d "$results" ] || [ ! -e "${repro[-1]}" ]; then
              echo "repro: $(hostname) does not see the results folder $results or the build ${repro[-1]};" \
                "both must be on a file system that every node mounts at the same path (docs/slurm.md)" >&2
              exit 2
            fi
            export REPRO_DATA=/home/u/repro/data
            case "${SLURM_ARRAY_TASK_ID:-}" in
              0) run=(run-one /shared/results/baseline/aaaaaaaaaaaa --device cpu --threads 1 --source configs/baseline.yaml --claim) ;;
              1) run=(run-one /shared/results/baseline/bbbbbbbbbbbb --device cpu --threads 1 --source configs/baseline.yaml --claim) ;;
              *) echo "repro: no run for array task '${SLURM_ARRAY_TASK_ID:-}'" >&2; exit 2 ;;
            esac
            exec "${repro[@]}" "${run[@]}"

            """.Replace("\r\n", "\n"), script);
    }

    [Fact]
    public void The_request_becomes_sbatch_lines_and_extra_options_come_last()
    {
        var resources = new SlurmResources("gpu", "02:00:00", 4, "16G", 2, "cuda", ["--account=proj", "--qos=short"]);
        string script = SlurmBatchScript.Write(Array(resources, ["run-one", "/r/x/aaaaaaaaaaaa"]));
        Assert.Contains("#SBATCH --array=0-0\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=4\n#SBATCH --partition=gpu\n" +
                        "#SBATCH --time=02:00:00\n#SBATCH --mem=16G\n#SBATCH --gres=gpu:2\n", script);
        Assert.Contains("#SBATCH --open-mode=append\n#SBATCH --account=proj\n#SBATCH --qos=short\n\n", script);
    }

    [Fact]
    public void Words_bash_would_split_or_expand_are_single_quoted()
    {
        Assert.Equal("configs/baseline.yaml", SlurmBatchScript.Shell("configs/baseline.yaml"));
        Assert.Equal("'my configs/a b.yaml'", SlurmBatchScript.Shell("my configs/a b.yaml"));
        Assert.Equal("'it'\\''s'", SlurmBatchScript.Shell("it's"));
        Assert.Equal("'$HOME'", SlurmBatchScript.Shell("$HOME"));
        Assert.Equal("''", SlurmBatchScript.Shell(""));
        string script = SlurmBatchScript.Write(Array(OneCpu, ["run-one", "/r/a b/aaaaaaaaaaaa", "--set", "x=$(rm -rf /)"]));
        Assert.Contains("  0) run=(run-one '/r/a b/aaaaaaaaaaaa' --set 'x=$(rm -rf /)') ;;", script);
    }

    [Fact]
    public void Folders_with_spaces_are_quoted_for_sbatch_and_a_percent_is_doubled_in_the_log_pattern()
    {
        var array = Array(OneCpu, ["run-one", "x"]) with { ResultsDirectory = "/shared/my results/100%", WorkingDirectory = "/home/u/my repro" };
        string script = SlurmBatchScript.Write(array);
        Assert.Contains("#SBATCH --chdir=\"/home/u/my repro\"\n", script);
        Assert.Contains("#SBATCH --output=\"/shared/my results/100%%/.slurm/logs/%A_%a.out\"\n", script);
        Assert.Contains("results='/shared/my results/100%'\n", script);
    }

    [Fact]
    public void A_double_quote_in_a_folder_is_refused()
    {
        var array = Array(OneCpu, ["run-one", "x"]) with { WorkingDirectory = "/home/u/\"repro\"" };
        var e = Assert.Throws<ReproInputException>(() => SlurmBatchScript.Write(array));
        Assert.StartsWith("--chdir /home/u/\"repro\": sbatch cannot take", e.Message);
    }
}
