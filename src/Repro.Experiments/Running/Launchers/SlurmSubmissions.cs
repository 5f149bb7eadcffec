namespace Repro.Experiments.Running.Launchers;

/// <summary>One array task of a submission: which run it trains.</summary>
public sealed record SlurmTask(string JobId, int Index, string Experiment, string RunId)
{
    /// <summary>The task as squeue and scancel name it: 12_3.</summary>
    public string Task => $"{JobId}_{Index.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The record of what was submitted, kept in the results folder beside the runs: per job, the batch script
/// (<c>.slurm/ID.sbatch</c>) and its tasks (<c>.slurm/ID.tasks.csv</c>: task, experiment, run_id). <c>repro status</c>
/// and later submissions read it to tell a queued run from one that nobody will train.
/// </summary>
public static class SlurmSubmissions
{
    private static readonly string[] Columns = ["task", "experiment", "run_id"];

    public static void Record(string resultsDirectory, string jobId, string script, IReadOnlyList<PlannedRun> tasks)
    {
        AtomicFile.WriteAllText(ResultPaths.SlurmScript(resultsDirectory, jobId), script);
        var rows = tasks.Select((run, index) => (IReadOnlyList<string>)
            [index.ToString(CultureInfo.InvariantCulture), run.Run.Experiment.Name, run.RunId]);
        AtomicFile.WriteAllText(ResultPaths.SlurmTasks(resultsDirectory, jobId), CsvFiles.Write(Columns, rows));
    }

    /// <summary>Every recorded task, oldest job first; unreadable records are skipped (a status must not fail on one).</summary>
    public static IReadOnlyList<SlurmTask> Read(string resultsDirectory)
    {
        string folder = ResultPaths.SlurmDirectory(resultsDirectory);
        if (!Directory.Exists(folder))
            return [];
        var tasks = new List<SlurmTask>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.tasks.csv"))
        {
            string jobId = Path.GetFileName(file)[..^".tasks.csv".Length];
            if (!long.TryParse(jobId, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                continue;
            CsvData data;
            try
            {
                data = CsvFiles.Read(file);
            }
            catch (ReproInputException)
            {
                continue;
            }
            int task = data.IndexOf("task"), experiment = data.IndexOf("experiment"), runId = data.IndexOf("run_id");
            if (task < 0 || experiment < 0 || runId < 0)
                continue;
            foreach (var record in data.Records)
                if (int.TryParse(record[task], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                    tasks.Add(new SlurmTask(jobId, index, record[experiment], record[runId]));
        }
        return tasks.OrderBy(t => long.Parse(t.JobId, CultureInfo.InvariantCulture)).ThenBy(t => t.Index).ToList();
    }
}
