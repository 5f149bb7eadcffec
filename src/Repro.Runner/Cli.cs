using System.CommandLine;
using System.CommandLine.Help;
using Repro.Experiments;
using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;
using Spectre.Console;

namespace Repro.Runner;

/// <summary>What every verb needs from its surroundings; tests supply writers and a registry of their own.</summary>
public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public ExperimentRegistry Registry { get; init; } = ExperimentRegistry.CreateDefault();

    /// <summary>Progress bars instead of plain lines (stdout is a terminal).</summary>
    public bool Interactive { get; init; }

    public CancellationToken Cancel { get; init; }

    /// <summary>The engine a run seeds and sizes; replaceable so CLI tests need no native library.</summary>
    public Func<IRunEnvironment> Engine { get; init; } = () => new TorchRunEnvironment();

    /// <summary>Builds reports after a sweep and for <c>repro report</c>; null uses the reporting layer.</summary>
    public SweepRunner.ReportBuilderHook? ReportBuilder { get; init; }

    /// <summary>
    /// The Slurm cluster of <c>--launcher slurm</c>, <c>status</c> and <c>run-one --claim</c>: by default its commands
    /// on the PATH, where a missing sbatch is bad input. Tests supply a cluster of their own.
    /// </summary>
    public Func<ISlurmCluster> Slurm { get; init; } = () => SlurmCommands.Locate();

    /// <summary>How often <c>run --launcher slurm --wait</c> looks at the sweep.</summary>
    public TimeSpan SlurmPollInterval { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// The <c>repro</c> command line. Exit codes: 0 success; 1 a run failed, a claim failed or a comparison found a
/// regression; 2 bad input (config, data file, arguments), reported as one line on stderr.
/// </summary>
public static class Cli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    /// <summary>The process entry point: real console, Ctrl+C cancels the run in flight.</summary>
    public static int InvokeFromConsole(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops after the run in flight is abandoned; a second one kills the process.
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        };
        bool interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        return Invoke(args, new CliEnvironment
        {
            Out = Console.Out,
            Error = Console.Error,
            Interactive = interactive,
            Cancel = cancel.Token,
        });
    }

    /// <summary>In-process entry point with captured output.</summary>
    public static int Invoke(string[] args, TextWriter output, TextWriter error, ExperimentRegistry? registry = null) =>
        Invoke(args, new CliEnvironment { Out = output, Error = error, Registry = registry ?? ExperimentRegistry.CreateDefault() });

    public static int Invoke(string[] args, CliEnvironment environment)
    {
        var root = CreateRootCommand(environment);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            string verb = parsed.CommandResult.Command is RootCommand ? "" : " " + parsed.CommandResult.Command.Name;
            string messages = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')).Distinct());
            environment.Error.WriteLine($"repro{verb}: {messages} (see repro{verb} --help)");
            return BadInput;
        }
        return parsed.Invoke(new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
            EnableDefaultExceptionHandler = false,
        });
    }

    public static RootCommand CreateRootCommand(CliEnvironment environment)
    {
        var root = new RootCommand(
            "repro: runs the experiments of the \"understanding ConvNets\" papers from YAML configs and reports them as " +
            "tables, figures and claim checks.\nExit codes: 0 success; 1 a run failed, a claim failed or a comparison found " +
            "a regression; 2 bad input (config, data file or arguments).");
        root.Subcommands.Add(RunCommand.Create(environment));
        root.Subcommands.Add(ListCommand.Create(environment));
        root.Subcommands.Add(ReportCommand.Create(environment));
        root.Subcommands.Add(VerifyCommand.Create(environment));
        root.Subcommands.Add(CompareCommand.Create(environment));
        root.Subcommands.Add(NightlyCommand.Create(environment));
        root.Subcommands.Add(StatusCommand.Create(environment));
        root.Subcommands.Add(RunOneCommand.Create(environment));
        root.Subcommands.Add(VocEvalCommand.Create(environment));
        root.Subcommands.Add(EngineCommand.Create(environment));
        return root;
    }

    /// <summary>
    /// Runs a verb's work and maps failures to exit codes: bad input and missing files give one line on stderr
    /// per problem and exit code 2.
    /// </summary>
    internal static int Guard(CliEnvironment environment, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (ReproInputException e)
        {
            foreach (var problem in e.Problems)
                environment.Error.WriteLine(OneLine(problem));
            return BadInput;
        }
        catch (FileNotFoundException e)
        {
            environment.Error.WriteLine(OneLine(e.FileName is { } f ? $"{f}: file not found" : e.Message));
            return BadInput;
        }
        catch (DirectoryNotFoundException e)
        {
            environment.Error.WriteLine(OneLine(e.Message));
            return BadInput;
        }
        catch (ReportFailedException e)
        {
            environment.Error.WriteLine(OneLine(e.Message));
            return Failure;
        }
        catch (Exception e) when (FileSystemError(e) is { } cause)
        {
            // A folder that cannot be written (another user's, read-only) or a file where a folder should be: the
            // checks before a run or report catch the usual cases; whatever gets past them is still one line.
            environment.Error.WriteLine(OneLine(cause));
            return BadInput;
        }
    }

    /// <summary>The one-line message of a file system error (also inside the AggregateException of parallel runs); null for others.</summary>
    private static string? FileSystemError(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } all => all.InnerExceptions.Select(FileSystemError).All(m => m is not null)
            ? FileSystemError(all.InnerExceptions[0])
            : null,
        UnauthorizedAccessException when PathIn(e.Message) is { } path => $"{path}: {WritableFolder.Reason(e)}",
        UnauthorizedAccessException or IOException => WritableFolder.Reason(e),
        _ => null,
    };

    /// <summary>The path .NET quotes in its messages ("Access to the path '/x' is denied.").</summary>
    private static string? PathIn(string message) =>
        System.Text.RegularExpressions.Regex.Match(message, "'([^']+)'") is { Success: true } m ? m.Groups[1].Value : null;

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', '\r').Select(s => s.Trim()).Where(s => s.Length > 0));
}
