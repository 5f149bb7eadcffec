namespace Repro.Experiments.Reporting;

/// <summary>The checkout the harness runs from: the nearest folder upwards that holds Repro.sln.</summary>
public static class RepositoryRoot
{
    public const string MarkerFile = "Repro.sln";

    /// <summary>
    /// Looks upwards from the current directory, then from the assembly's folder (tests and the built CLI run
    /// from bin/ inside the checkout, often with another working directory).
    /// </summary>
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            if (TryFindFrom(start) is { } root)
                return root;
        throw new ReproInputException(
            $"no {MarkerFile} found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; run from inside the repository");
    }

    public static string? TryFindFrom(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, MarkerFile)))
                return dir.FullName;
        return null;
    }
}
