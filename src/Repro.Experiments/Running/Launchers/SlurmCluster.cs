using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Repro.Experiments.Running.Launchers;

/// <summary>A Slurm task's state as squeue (or sacct) reports it; <see cref="Task"/> is 12_3 in an array, 12 otherwise.</summary>
public sealed record SlurmJobState(string Task, string State, string Nodes = "", string Reason = "")
{
    // Every state in which the task's processes may still run or will run (squeue's long names).
    private static readonly HashSet<string> Active = new(StringComparer.Ordinal)
    {
        "PENDING", "RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING", "RESIZING", "REQUEUED", "REQUEUE_HOLD",
        "REQUEUE_FED", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT", "POWER_UP_NODE",
    };

    /// <summary>Pending, running or on its way out: its run may still be written to.</summary>
    public bool IsActive => Active.Contains(State);

    public bool IsPending => State is "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD";
}

public sealed record SlurmPartition(string Name, bool IsDefault);

/// <summary>A compute node: its Slurm name and the host name it is reached at.</summary>
public sealed record SlurmNode(string Name, string Host);

/// <summary>Slurm could not be asked (controller down, command failed); a claim it would have judged stays untouched.</summary>
public sealed class SlurmUnavailableException(string message) : Exception(message);

/// <summary>What Repro asks of a Slurm cluster. <see cref="SlurmCommands"/> asks the real one through its commands.</summary>
public interface ISlurmCluster
{
    IReadOnlyList<SlurmPartition> Partitions();

    IReadOnlyList<SlurmNode> Nodes();

    /// <summary>Slurm's MaxArraySize: array indices run from 0 to this minus 1.</summary>
    int MaxArraySize();

    /// <summary>Submits a batch script; returns the job id. A script sbatch rejects is a <see cref="ReproInputException"/>.</summary>
    string Submit(string script);

    /// <summary>
    /// States of the tasks of <paramref name="jobs"/> (array job ids, tasks as 12_3, plain job ids), keyed by task;
    /// a task Slurm no longer knows is absent. Throws <see cref="SlurmUnavailableException"/> when Slurm cannot be asked.
    /// </summary>
    IReadOnlyDictionary<string, SlurmJobState> States(IReadOnlyCollection<string> jobs);
}

/// <summary>The real cluster: sinfo, sbatch, squeue, sacct and scontrol found on the PATH.</summary>
public sealed partial class SlurmCommands : ISlurmCluster
{
    /// <summary>The commands a submission needs; sacct and scontrol are asked when present.</summary>
    public static readonly IReadOnlyList<string> Required = ["sbatch", "squeue", "sinfo"];

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    private readonly IReadOnlyDictionary<string, string> tools;

    private SlurmCommands(IReadOnlyDictionary<string, string> tools) => this.tools = tools;

    /// <summary>The Slurm commands on <paramref name="path"/> (default: $PATH); a missing one is a one-line input error.</summary>
    public static SlurmCommands Locate(string? path = null) =>
        TryLocate(path, out var missing) ?? throw new ReproInputException(
            $"--launcher slurm: '{missing}' is not on the PATH; run repro where Slurm's client commands are (the cluster's login node), see docs/slurm.md");

    /// <summary>The Slurm commands on <paramref name="path"/>, or null (with the first missing one) when one is absent.</summary>
    public static SlurmCommands? TryLocate(string? path, out string? missing)
    {
        path ??= Environment.GetEnvironmentVariable("PATH") ?? "";
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tool in Required.Concat(["sacct", "scontrol"]))
        {
            string? location = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, tool))
                .FirstOrDefault(IsExecutable);
            if (location is not null)
                found[tool] = location;
            else if (Required.Contains(tool))
            {
                missing = tool;
                return null;
            }
        }
        missing = null;
        return new SlurmCommands(found);
    }

    private static bool IsExecutable(string file) =>
        File.Exists(file) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    public IReadOnlyList<SlurmPartition> Partitions()
    {
        var output = Checked("sinfo", ["--noheader", "--format=%P"]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => new SlurmPartition(line.TrimEnd('*'), line.EndsWith('*')))
            .DistinctBy(p => p.Name)
            .ToList();
    }

    public IReadOnlyList<SlurmNode> Nodes()
    {
        var output = Checked("sinfo", ["--noheader", "--Node", "--format=%N|%n"]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('|'))
            .Where(f => f.Length == 2)
            .Select(f => new SlurmNode(f[0], f[1]))
            .DistinctBy(n => n.Name)
            .ToList();
    }

    public int MaxArraySize()
    {
        const int slurmDefault = 1001;
        if (!tools.ContainsKey("scontrol"))
            return slurmDefault;
        var (code, output, _) = Run("scontrol", ["show", "config"]);
        var match = MaxArraySizeLine().Match(output);
        return code == 0 && match.Success && int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out int size) && size > 0
            ? size
            : slurmDefault;
    }

    public string Submit(string script)
    {
        var (code, output, error) = Run("sbatch", ["--parsable"], stdin: script);
        if (code != 0)
        {
            string message = LastLine(error).Length > 0 ? LastLine(error) : $"exited with code {code.ToString(CultureInfo.InvariantCulture)}";
            throw new ReproInputException($"sbatch rejected the job: {message.Replace("sbatch: error: ", "")}");
        }
        // --parsable prints "jobid" or "jobid;cluster".
        string id = output.Trim().Split(';')[0];
        if (!JobId().IsMatch(id))
            throw new InvalidOperationException($"sbatch printed no job id: '{output.Trim()}'");
        return id;
    }

    public IReadOnlyDictionary<string, SlurmJobState> States(IReadOnlyCollection<string> jobs)
    {
        var states = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        if (jobs.Count == 0)
            return states;
        string list = string.Join(',', jobs.Distinct(StringComparer.Ordinal));
        // --array: one line per task, pending ones included; --states=all: ended tasks too, while the controller
        // still holds them (MinJobAge, five minutes by default).
        var (code, output, error) = Run("squeue", ["--noheader", "--array", "--states=all", $"--jobs={list}", "--format=%F|%K|%A|%T|%N|%r"]);
        if (code != 0 && !error.Contains("Invalid job id", StringComparison.Ordinal))
            throw new SlurmUnavailableException($"squeue failed: {LastLine(error)}");
        if (code == 0)
            foreach (var state in ParseQueue(output))
                states[state.Task] = state;

        // Older tasks are in the accounting database, where there is one (sacct says so when there is none).
        var unknown = jobs.Where(j => !states.ContainsKey(j) && !states.Keys.Any(k => k.StartsWith(j + "_", StringComparison.Ordinal))).ToList();
        if (unknown.Count > 0 && tools.ContainsKey("sacct"))
        {
            var (accountingCode, accounting, _) = Run("sacct", ["--noheader", "--allocations", "--parsable2", $"--jobs={string.Join(',', unknown)}", "--format=JobID,State,NodeList"]);
            if (accountingCode == 0)
                foreach (var state in ParseAccounting(accounting))
                    states.TryAdd(state.Task, state);
        }
        return states;
    }

    /// <summary>squeue lines "array job|task index|job|state|nodes|reason" (index N/A outside arrays).</summary>
    public static IEnumerable<SlurmJobState> ParseQueue(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 4)
                continue;
            bool inArray = f[1] is { Length: > 0 } index && index != "N/A" && index.All(char.IsAsciiDigit);
            string task = inArray ? $"{f[0]}_{f[1]}" : f[2];
            yield return new SlurmJobState(task, f[3], f.Length > 4 ? f[4] : "", f.Length > 5 ? f[5] : "");
        }
    }

    /// <summary>sacct lines "JobID|State|NodeList"; a state such as "CANCELLED by 0" keeps its first word.</summary>
    public static IEnumerable<SlurmJobState> ParseAccounting(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 2 || f[0].Contains('[') || f[0].Contains('.'))
                continue;
            yield return new SlurmJobState(f[0], f[1].Split(' ')[0], f.Length > 2 ? f[2] : "");
        }
    }

    private string Checked(string tool, IReadOnlyList<string> arguments)
    {
        var (code, output, error) = Run(tool, arguments);
        if (code != 0)
            throw new ReproInputException($"--launcher slurm: {tool} failed: {LastLine(error)}");
        return output;
    }

    private (int Code, string Output, string Error) Run(string tool, IReadOnlyList<string> arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo(tools[tool])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new SlurmUnavailableException($"could not start {tool}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            try
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool ended before reading its input (sbatch refusing its options does): its exit code and
                // message say why, below.
            }
        }
        if (!process.WaitForExit(CommandTimeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            throw new SlurmUnavailableException($"{tool} did not answer within {CommandTimeout.TotalSeconds:F0} s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    [GeneratedRegex(@"^\s*MaxArraySize\s*=\s*([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex MaxArraySizeLine();

    [GeneratedRegex(@"^[0-9]+$")]
    private static partial Regex JobId();
}
