using System.CommandLine;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;

namespace Repro.Runner;

/// <summary><c>repro verify DIR</c>: exit code 1 when a claim in the reports fails.</summary>
public static class VerifyCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var directory = new Argument<string>("DIR") { Description = "A results folder." };
        var command = new Command("verify",
            "Check the claims of every report (each profile's) under a results folder. Exit code 1 when a claim fails, " +
            "or is declared by a config for a profile but measured by no report.")
        {
            directory,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            string dir = parsed.GetValue(directory)!;
            ReportFolders.CheckResultsFolder(dir);
            return ClaimChecker.Verify(dir, environment.Out, environment.Error);
        }));
        return command;
    }
}
