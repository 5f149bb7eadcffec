namespace Repro.Experiments.Config;

/// <summary>
/// Every problem found while resolving a sweep, in the order found, so that one <c>repro run</c> reports all of them
/// at once. The same problem met by many runs of a sweep (a bad value outside the swept keys) is listed once.
/// </summary>
public sealed class ConfigProblems
{
    private readonly List<string> problems = new();
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);

    /// <summary>Problems met so far, repeats included: a step that added any was refused, listed before or not.</summary>
    public int Met { get; private set; }

    public IReadOnlyList<string> All => problems;

    public bool Contains(string problem) => seen.Contains(problem);

    public void Add(string problem)
    {
        Met++;
        if (seen.Add(problem))
            problems.Add(problem);
    }

    public void Add(ReproInputException e)
    {
        foreach (var problem in e.Problems)
            Add(problem);
    }

    /// <summary>Runs one step; bad input it throws is recorded and <paramref name="fallback"/> returned, so the next step still runs.</summary>
    public T Collect<T>(Func<T> step, T fallback)
    {
        try
        {
            return step();
        }
        catch (ReproInputException e)
        {
            Add(e);
            return fallback;
        }
    }

    public void ThrowIfAny()
    {
        if (problems.Count > 0)
            throw new ReproInputException(problems.ToList());
    }
}
