namespace Repro.Experiments;

/// <summary>
/// Bad user input: a config, a data file or a command-line argument. The message is one line that names the
/// file, line, key or value at fault; the CLI prints it and exits with code 2.
/// </summary>
public sealed class ReproInputException : Exception
{
    public ReproInputException(string message) : base(message) { }

    public ReproInputException(string message, Exception inner) : base(message, inner) { }
}
