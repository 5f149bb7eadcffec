using System.Collections;
using System.Reflection;

namespace Repro.Experiments.Running;

/// <summary>
/// Checks that go beyond binding and must hold before any run starts: every data set that any run of the
/// sweep names exists and has the files it needs, so a missing file fails in a second, not mid-sweep. Every
/// missing data set is reported, not only the first.
/// </summary>
public static class InputChecks
{
    public static void CheckData(IEnumerable<ResolvedRun> runs, string dataRoot)
    {
        var problems = new ConfigProblems();
        var seen = new HashSet<string>();
        foreach (var run in runs)
            foreach (var (path, dataset) in DatasetsIn(run.Options, "options"))
            {
                // The same data set in many runs of a sweep is checked once.
                if (!seen.Add($"{run.SourceFile}|{path}|{dataset.Name}|{dataset.Root}|{dataset.TrainSubset}|{dataset.PerClass}")) continue;
                try
                {
                    DataSources.Validate(dataset, dataRoot, checkFiles: true);
                }
                catch (ReproInputException e)
                {
                    problems.Add(path == "options.dataset" ? $"{run.SourceFile}: {e.Message}" : $"{run.SourceFile}: {path}: {e.Message}");
                }
            }
        problems.ThrowIfAny();
    }

    /// <summary>
    /// The results folder (created if need be) and the folders of the sweep's experiments in it can be written: a
    /// file in the way or a folder another user owns fails now, with one line, not after the first run has trained.
    /// </summary>
    public static void CheckResultsFolder(string resultsDirectory, IEnumerable<ResolvedRun> runs)
    {
        string option = $"--results {resultsDirectory}";
        WritableFolder.Check(resultsDirectory, option);
        foreach (var experiment in runs.Select(r => r.Experiment.Name).Distinct(StringComparer.Ordinal))
        {
            string folder = ResultPaths.ExperimentDirectory(resultsDirectory, experiment);
            if (Directory.Exists(folder) || File.Exists(folder))
                WritableFolder.Check(folder, $"{option}: {folder}");
        }
    }

    /// <summary>Every <see cref="DatasetOptions"/> reachable from an options object, with its config path.</summary>
    public static IEnumerable<(string path, DatasetOptions dataset)> DatasetsIn(object? options, string path)
    {
        if (options is null) yield break;
        if (options is DatasetOptions d)
        {
            yield return (path, d);
            yield break;
        }
        var type = options.GetType();
        if (type.IsPrimitive || type.IsEnum || options is string || options is IEnumerable) yield break;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead) continue;
            var value = property.GetValue(options);
            foreach (var found in DatasetsIn(value, $"{path}.{KeyNames.ToSnakeCase(property.Name)}"))
                yield return found;
        }
    }
}
