using System.Text;
using System.Text.RegularExpressions;

namespace Repro.Experiments.Running.Launchers;

/// <summary>One sbatch job array: one task per run, all with the same request.</summary>
public sealed record SlurmArray
{
    public required string JobName { get; init; }

    public required SlurmResources Resources { get; init; }

    /// <summary>The repro arguments of each task, in array index order (<c>run-one RUN_DIR ... --claim</c>).</summary>
    public required IReadOnlyList<IReadOnlyList<string>> Tasks { get; init; }

    /// <summary>How to start repro on a node: absolute paths (the dotnet host and repro.dll, or the apphost).</summary>
    public required IReadOnlyList<string> Repro { get; init; }

    /// <summary>Where <c>repro run</c> was started; the tasks start there (relative config paths in provenance).</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Absolute results folder: the tasks write their runs there and their logs under .slurm/logs.</summary>
    public required string ResultsDirectory { get; init; }

    /// <summary>The data folder the submission checked; the tasks read the same one (REPRO_DATA).</summary>
    public required string DataRoot { get; init; }
}

/// <summary>
/// Writes the batch script of a <see cref="SlurmArray"/>. Everything a task needs is in the script with absolute
/// paths (sbatch keeps a copy, so later edits to the results folder do not change a queued job): the request as
/// #SBATCH lines, a check that the node sees the results folder and the build, and a case per array index that
/// starts <c>repro run-one</c> on that index's run.
/// </summary>
public static partial class SlurmBatchScript
{
    public static string Write(SlurmArray array)
    {
        if (array.Tasks.Count == 0)
            throw new ArgumentException("a job array needs at least one task", nameof(array));
        var r = array.Resources;
        string logs = ResultPaths.SlurmLogDirectory(array.ResultsDirectory);
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append("# Written by repro run --launcher slurm: ").Append(Count(array.Tasks.Count, "run")).Append(", one array task each.\n");
        sb.Append("# Each task claims its run before training it (claim.N in the run folder), so that a run is never trained twice.\n");
        Directive(sb, "--job-name", array.JobName);
        Directive(sb, "--array", $"0-{(array.Tasks.Count - 1).ToString(CultureInfo.InvariantCulture)}");
        Directive(sb, "--ntasks", "1");
        Directive(sb, "--cpus-per-task", r.Cpus.ToString(CultureInfo.InvariantCulture));
        if (r.Partition is not null)
            Directive(sb, "--partition", r.Partition);
        if (r.Time is not null)
            Directive(sb, "--time", r.Time);
        if (r.Mem is not null)
            Directive(sb, "--mem", r.Mem);
        if (r.Gpus > 0)
            Directive(sb, "--gres", $"gpu:{r.Gpus.ToString(CultureInfo.InvariantCulture)}");
        Directive(sb, "--chdir", array.WorkingDirectory);
        // %A_%a: array job and task; a literal % in the folder must be doubled in sbatch's file name pattern.
        Directive(sb, "--output", Path.Combine(logs.Replace("%", "%%"), "%A_%a.out"));
        // A task requeued after a node failure appends to its log instead of replacing the first attempt's.
        Directive(sb, "--open-mode", "append");
        foreach (var argument in r.SbatchArgs)
            sb.Append("#SBATCH ").Append(argument).Append('\n');

        sb.Append('\n');
        sb.Append("results=").Append(Shell(array.ResultsDirectory)).Append('\n');
        sb.Append("repro=(").Append(string.Join(' ', array.Repro.Select(Shell))).Append(")\n");
        sb.Append("if [ ! -d \"$results\" ] || [ ! -e \"${repro[-1]}\" ]; then\n");
        sb.Append("  echo \"repro: $(hostname) does not see the results folder $results or the build ${repro[-1]};\" \\\n");
        sb.Append("    \"both must be on a file system that every node mounts at the same path (docs/slurm.md)\" >&2\n");
        sb.Append("  exit 2\n");
        sb.Append("fi\n");
        sb.Append("export REPRO_DATA=").Append(Shell(array.DataRoot)).Append('\n');
        sb.Append("case \"${SLURM_ARRAY_TASK_ID:-}\" in\n");
        for (int i = 0; i < array.Tasks.Count; i++)
            sb.Append("  ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(") run=(")
              .Append(string.Join(' ', array.Tasks[i].Select(Shell))).Append(") ;;\n");
        sb.Append("  *) echo \"repro: no run for array task '${SLURM_ARRAY_TASK_ID:-}'\" >&2; exit 2 ;;\n");
        sb.Append("esac\n");
        sb.Append("exec \"${repro[@]}\" \"${run[@]}\"\n");
        return sb.ToString();
    }

    /// <summary>A word for bash: as it is when it holds only safe characters, else in single quotes.</summary>
    public static string Shell(string word) =>
        word.Length > 0 && ShellSafe().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''") + "'";

    private static void Directive(StringBuilder sb, string option, string value)
    {
        if (value.Contains('"') || value.Contains('\n') || value.Contains('\r'))
            throw new ReproInputException($"{option} {value}: sbatch cannot take a double quote or a line break here");
        // sbatch reads #SBATCH lines itself (no shell); double quotes keep a value with spaces in one piece.
        bool plain = value.Length > 0 && !value.Any(char.IsWhiteSpace);
        sb.Append("#SBATCH ").Append(option).Append('=').Append(plain ? value : $"\"{value}\"").Append('\n');
    }

    private static string Count(int n, string noun) =>
        n == 1 ? $"1 {noun}" : $"{n.ToString(CultureInfo.InvariantCulture)} {noun}s";

    [GeneratedRegex(@"^[A-Za-z0-9_./=:,+@%\-]+$")]
    private static partial Regex ShellSafe();
}
