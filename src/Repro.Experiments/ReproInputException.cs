namespace Repro.Experiments;

/// <summary>
/// Bad user input: a config, a data file or a command-line argument. Each problem is one line that names the
/// file, line, key or value at fault; the CLI prints them, one a line, and exits with code 2.
/// </summary>
public sealed class ReproInputException : Exception
{
    public ReproInputException(string message) : base(message) => Problems = [message];

    public ReproInputException(string message, Exception inner) : base(message, inner) => Problems = [message];

    /// <summary>Several problems found at once (every bad value of a sweep), reported together.</summary>
    public ReproInputException(IReadOnlyList<string> problems) : base(string.Join("\n", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
