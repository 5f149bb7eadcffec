using System.Globalization;
using System.Text.RegularExpressions;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;

namespace Repro.Experiments.Tests.Running.Slurm;

/// <summary>
/// A cluster in memory for the tests that need no Slurm: it keeps the scripts it is given, numbers the jobs from
/// 100 and holds a queue of task states the test moves along (pending, running, completed, cancelled).
/// </summary>
internal sealed partial class FakeCluster : ISlurmCluster
{
    private int nextJob = 100;

    public List<SlurmPartition> PartitionList { get; } = [new("debug", true), new("gpu", false)];

    public List<SlurmNode> NodeList { get; } = [new(Hosts.ThisHost, Hosts.ThisHost)];

    public int ArraySize { get; set; } = 1001;

    public List<(string JobId, string Script)> Submitted { get; } = new();

    public Dictionary<string, SlurmJobState> Queue { get; } = new(StringComparer.Ordinal);

    /// <summary>Called after each submission, with the job id and the script: a test can run the tasks here.</summary>
    public Action<string, string>? OnSubmit { get; set; }

    /// <summary>squeue fails (controller down).</summary>
    public bool Unavailable { get; set; }

    public IReadOnlyList<SlurmPartition> Partitions() => PartitionList;

    public IReadOnlyList<SlurmNode> Nodes() => NodeList;

    public int MaxArraySize() => ArraySize;

    public string Submit(string script)
    {
        string id = (nextJob++).ToString(CultureInfo.InvariantCulture);
        Submitted.Add((id, script));
        for (int i = 0; i < TasksOf(script).Count; i++)
            Set($"{id}_{i}", "PENDING");
        OnSubmit?.Invoke(id, script);
        return id;
    }

    public IReadOnlyDictionary<string, SlurmJobState> States(IReadOnlyCollection<string> jobs)
    {
        if (Unavailable)
            throw new SlurmUnavailableException("squeue failed: slurm_load_jobs error: Unable to contact slurm controller");
        lock (Queue)
            return Queue.Where(q => jobs.Any(j => q.Key == j || q.Key.StartsWith(j + "_", StringComparison.Ordinal)))
                .ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal);
    }

    /// <summary>Moves a task to <paramref name="state"/>; tasks may run on other threads than the one following them.</summary>
    public void Set(string task, string state, string nodes = "node1")
    {
        lock (Queue)
            Queue[task] = new SlurmJobState(task, state, state == "PENDING" ? "" : nodes, state == "PENDING" ? "Resources" : "None");
    }

    /// <summary>The repro arguments of each array task of a script, from its <c>N) run=(...)</c> lines.</summary>
    public static IReadOnlyList<string[]> TasksOf(string script) =>
        TaskLine().Matches(script).Select(m => m.Groups[1].Value.Split(' ')).ToList();

    [GeneratedRegex(@"^  [0-9]+\) run=\((.*)\) ;;$", RegexOptions.Multiline)]
    private static partial Regex TaskLine();
}
