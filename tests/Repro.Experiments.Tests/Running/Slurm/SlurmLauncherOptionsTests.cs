using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;
using Xunit;

namespace Repro.Experiments.Tests.Running.Slurm;

public sealed class SlurmLauncherOptionsTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ConfigResolver resolver = new(new ExperimentRegistry([new ToyExperiment()]));

    public void Dispose() => folder.Dispose();

    private (string Path, IReadOnlyList<ResolvedRun> Runs) Resolve(string yaml, string? profile = ConfigResolver.DefaultProfile,
        params string[] overrides)
    {
        string path = folder.Write("sweep.yaml", yaml);
        return (path, resolver.Resolve(path, profile, overrides));
    }

    private ReproInputException Rejected(string yaml)
    {
        string path = folder.Write("bad.yaml", yaml);
        return Assert.Throws<ReproInputException>(() => resolver.Resolve(path));
    }

    [Fact]
    public void The_launcher_section_binds_every_setting_and_remembers_its_lines()
    {
        var (path, runs) = Resolve("""
            experiment: toy
            launcher:
              partition: gpu
              time: "2:00:00"
              cpus_per_run: 4
              mem: 16G
              gpus_per_run: 1
              sbatch_args: [--account=proj]
            """);
        var launcher = Assert.Single(runs).Launcher;
        Assert.Equal(("gpu", "2:00:00", 4, "16G", 1), (launcher.Partition, launcher.Time, launcher.CpusPerRun, launcher.Mem, launcher.GpusPerRun));
        Assert.Equal(["--account=proj"], launcher.SbatchArgs);
        Assert.Equal($"{path}:3", launcher.SourceOf("partition"));
        Assert.Equal($"{path}:7", launcher.SourceOf("gpus_per_run"));
    }

    [Fact]
    public void Unknown_keys_and_wrong_values_name_file_line_and_key()
    {
        var typo = Rejected("experiment: toy\nlauncher:\n  partiton: gpu\n");
        Assert.EndsWith("bad.yaml:3: unknown key 'partiton' in launcher (did you mean 'partition'?)", typo.Message);
        var type = Rejected("experiment: toy\nlauncher:\n  cpus_per_run: two\n");
        Assert.EndsWith("bad.yaml:3: 'launcher.cpus_per_run' expects an integer, got 'two'", type.Message);
        var time = Rejected("experiment: toy\nlauncher:\n  time: 2h\n");
        Assert.EndsWith("bad.yaml:3: 'launcher.time' expects a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got '2h'", time.Message);
        var mem = Rejected("experiment: toy\nlauncher:\n  mem: lots\n");
        Assert.Contains("bad.yaml:3: 'launcher.mem' expects a Slurm memory size", mem.Message);
        var cpus = Rejected("experiment: toy\nlauncher:\n  cpus_per_run: 0\n");
        Assert.EndsWith("bad.yaml:3: 'launcher.cpus_per_run' must be at least 1, got 0", cpus.Message);
        var section = Rejected("experiment: toy\nlauncher: slurm\n");
        Assert.EndsWith("bad.yaml:2: 'launcher' must be a section of keys, got 'slurm'", section.Message);
        var topLevel = Rejected("experiment: toy\nlaucher: {partition: gpu}\n");
        Assert.EndsWith("bad.yaml:2: unknown key 'laucher' in the config (did you mean 'launcher'?)", topLevel.Message);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("30:00")]
    [InlineData("2:00:00")]
    [InlineData("1-12")]
    [InlineData("1-12:30")]
    [InlineData("1-12:30:00")]
    [InlineData("UNLIMITED")]
    public void Slurm_time_formats_are_accepted(string time) => Assert.Null(SlurmLauncherOptions.TimeError(time));

    [Fact]
    public void A_profile_and_set_can_change_the_launcher()
    {
        const string yaml = """
            experiment: toy
            launcher: {partition: debug, time: 10}
            profiles:
              quick: {}
              full:
                launcher: {partition: gpu, gpus_per_run: 1}
            """;
        var full = Assert.Single(Resolve(yaml, "full").Runs).Launcher;
        Assert.Equal(("gpu", "10", 1), (full.Partition, full.Time, full.GpusPerRun));
        var set = Assert.Single(Resolve(yaml, ConfigResolver.DefaultProfile, "launcher.mem=8G").Runs).Launcher;
        Assert.Equal(("debug", "8G"), (set.Partition, set.Mem));
        Assert.Equal("--set launcher.mem=8G", set.SourceOf("mem"));
    }

    [Fact]
    public void The_launcher_is_not_part_of_the_run_or_its_id()
    {
        var plain = Assert.Single(Resolve("experiment: toy\n").Runs);
        var onSlurm = Assert.Single(Resolve("experiment: toy\nlauncher: {partition: gpu, cpus_per_run: 8}\n").Runs);
        Assert.Equal(plain.RunId("v"), onSlurm.RunId("v"));
        Assert.Equal(plain.ConfigYaml, onSlurm.ConfigYaml);
        Assert.DoesNotContain("launcher", onSlurm.ConfigYaml);
    }

    [Fact]
    public void The_command_line_wins_value_by_value_and_its_sbatch_options_come_last()
    {
        var config = new SlurmLauncherOptions { Partition = "debug", Time = "10", Mem = "2G", SbatchArgs = ["--account=a"] };
        config.Sources["partition"] = "x.yaml:3";
        config.Sources["time"] = "x.yaml:4";
        var commandLine = new SlurmLauncherOptions { Partition = "gpu", CpusPerRun = 2, SbatchArgs = ["--account=b"] };
        commandLine.Sources["partition"] = "--partition";
        var merged = SlurmLauncherOptions.Over(config, commandLine);
        Assert.Equal(("gpu", "10", 2, "2G", (int?)null), (merged.Partition, merged.Time, merged.CpusPerRun, merged.Mem, merged.GpusPerRun));
        Assert.Equal(["--account=a", "--account=b"], merged.SbatchArgs);
        Assert.Equal("--partition", merged.SourceOf("partition"));
        Assert.Equal("x.yaml:4", merged.SourceOf("time"));
    }

    [Fact]
    public void A_bad_command_line_value_names_the_flag()
    {
        var options = new SlurmLauncherOptions { Time = "soon" };
        options.Sources["time"] = "--time";
        var e = Assert.Throws<ReproInputException>(options.Validate);
        Assert.StartsWith("--time expects a Slurm time limit", e.Message);
    }

    [Fact]
    public void Cpus_default_to_the_configs_threads_over_its_jobs_and_auto_picks_cuda_with_a_gpu()
    {
        var run = Assert.Single(Resolve("experiment: toy\nthreads: 4\njobs: 2\n").Runs);
        Assert.Equal(2, SlurmResources.For(new SlurmLauncherOptions(), run, "auto").Cpus);
        Assert.Equal("cpu", SlurmResources.For(new SlurmLauncherOptions(), run, "auto").Device);
        Assert.Equal(1, SlurmResources.For(new SlurmLauncherOptions(), Assert.Single(Resolve("experiment: toy\n").Runs), "auto").Cpus);
        var gpu = SlurmResources.For(new SlurmLauncherOptions { GpusPerRun = 1, CpusPerRun = 6 }, run, "auto");
        Assert.Equal((6, 1, "cuda"), (gpu.Cpus, gpu.Gpus, gpu.Device));
        var e = Assert.Throws<ReproInputException>(() => SlurmResources.For(new SlurmLauncherOptions(), run, "cuda"));
        Assert.Contains("--device cuda needs a GPU per run", e.Message);
    }

    [Fact]
    public void Equal_requests_share_a_key_and_different_ones_do_not()
    {
        var a = new SlurmResources("gpu", null, 1, null, 0, "cpu", ["--qos=x"]);
        var b = new SlurmResources("gpu", null, 1, null, 0, "cpu", ["--qos=x"]);
        Assert.Equal(a.Key, b.Key);
        Assert.NotEqual(a.Key, (b with { SbatchArgs = ["--qos=y"] }).Key);
        Assert.NotEqual(a.Key, (b with { Cpus = 2 }).Key);
    }
}
