using System.Text.Json;

namespace Repro.Experiments.Running;

/// <summary>One report folder of an experiment: where it is and the profile of the sweep it reports.</summary>
public sealed record ReportFolder(string ResultsDirectory, string Experiment, string Directory, string? Profile)
{
    public string ExperimentDirectory => ResultPaths.ExperimentDirectory(ResultsDirectory, Experiment);
}

/// <summary>
/// An experiment folder holds one report per profile, so that a run of another profile (a smoke test into a folder
/// of quick results) leaves the report and claims of the folder's own profile alone: <c>report/</c> is the report
/// of the profile whose sweep it already holds (the folder's first), <c>report-&lt;profile&gt;/</c> that of any other.
/// A run's profile comes from its provenance.json.
/// </summary>
public static class ReportFolders
{
    /// <summary>The report folder of the sweep of <paramref name="profile"/> (null: report/).</summary>
    public static string For(string resultsDirectory, string experiment, string? profile)
    {
        string own = ResultPaths.ReportDirectory(resultsDirectory, experiment);
        if (profile is null)
            return own;
        if (profile.Length == 0 || profile.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || profile.IndexOf('\\') >= 0
            || profile is "." or "..")
            throw new ReproInputException($"profile '{profile}': not usable in a folder name (report-{profile})");
        string other = ResultPaths.ProfileReportDirectory(resultsDirectory, experiment, profile);
        if (File.Exists(ResultPaths.Runs(other)))
            return other;
        string? holder = ProfileOf(own);
        return holder is null || holder == profile ? own : other;
    }

    /// <summary>
    /// The profile of the sweep a report folder holds: the name's for report-&lt;profile&gt;/, else that of the first
    /// run its runs.csv lists that has a provenance.json; null when none says.
    /// </summary>
    public static string? ProfileOf(string reportDirectory)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(reportDirectory));
        if (name.StartsWith(ResultPaths.ProfileReportPrefix, StringComparison.Ordinal))
            return name[ResultPaths.ProfileReportPrefix.Length..];
        string experimentDirectory = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(reportDirectory))!;
        foreach (var runId in ListedRuns(reportDirectory))
            if (RunProvenance.Read(Path.Combine(experimentDirectory, runId)) is { Profile: { } profile })
                return profile;
        return null;
    }

    /// <summary>The report folders of an experiment folder that hold <paramref name="file"/>: report/ first, then report-&lt;profile&gt;/ by name.</summary>
    public static IReadOnlyList<ReportFolder> In(string experimentDirectory, string file = ResultPaths.RunsFileName)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(experimentDirectory));
        string results = Path.GetDirectoryName(full)!, experiment = Path.GetFileName(full);
        if (!System.IO.Directory.Exists(full))
            return [];
        var folders = System.IO.Directory.EnumerateDirectories(full)
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => n == ResultPaths.ReportFolderName
                        || (n.StartsWith(ResultPaths.ProfileReportPrefix, StringComparison.Ordinal) && n.Length > ResultPaths.ProfileReportPrefix.Length))
            .Where(n => File.Exists(Path.Combine(full, n, file)))
            .OrderBy(n => n == ResultPaths.ReportFolderName ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal);
        return folders
            .Select(n => Path.Combine(experimentDirectory, n))
            .Select(d => new ReportFolder(results, experiment, d, ProfileOf(d)))
            .ToList();
    }

    /// <summary>
    /// <c>repro report DIR</c>'s folders: those of the experiment folder <paramref name="directory"/>, or of every
    /// experiment folder in it, that have a runs.csv.
    /// </summary>
    public static IReadOnlyList<ReportFolder> Find(string directory)
    {
        CheckResultsFolder(directory);
        var own = In(directory);
        if (own.Count > 0)
            return own;
        var found = System.IO.Directory.GetDirectories(directory)
            .Order(StringComparer.Ordinal)
            .SelectMany(d => In(d).Select(f => f with { ResultsDirectory = directory }))
            .ToList();
        if (found.Count == 0)
            throw new ReproInputException(
                $"{directory}: no {ResultPaths.ReportFolderName}/{ResultPaths.RunsFileName} found here or in its experiment folders");
        return found;
    }

    /// <summary>A results folder given on the command line must be one: a missing one or a file is bad input.</summary>
    public static void CheckResultsFolder(string directory)
    {
        if (File.Exists(directory))
            throw new ReproInputException($"{directory}: a file, not a results folder");
        if (!System.IO.Directory.Exists(directory))
            throw new ReproInputException($"{directory}: results folder not found");
    }

    /// <summary>The run ids a report folder's runs.csv lists (first column), in order; none without the file.</summary>
    public static IReadOnlyList<string> ListedRuns(string reportDirectory)
    {
        string path = ResultPaths.Runs(reportDirectory);
        if (!File.Exists(path))
            return [];
        var data = Reporting.CsvFiles.Read(path);
        int column = data.Require("run_id");
        return data.Records.Select(r => r[column].Trim())
            .Where(id => id.Length > 0 && id.IndexOfAny(['/', '\\']) < 0 && id is not ("." or ".."))
            .Distinct(StringComparer.Ordinal).ToList();
    }
}

/// <summary>What a run's provenance.json says of where it came from: the profile and the config file it ran.</summary>
public sealed record RunProvenance(string? Profile, string? ConfigFile)
{
    /// <summary>Null when the run has no provenance.json or it cannot be read as one.</summary>
    public static RunProvenance? Read(string runDirectory)
    {
        string path = ResultPaths.Provenance(runDirectory);
        if (!File.Exists(path))
            return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            return new RunProvenance(Text(json.RootElement, "profile"), Text(json.RootElement, "config_file"));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
