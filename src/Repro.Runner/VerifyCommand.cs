using System.CommandLine;

namespace Repro.Runner;

/// <summary><c>repro verify DIR</c>: exit code 1 when a claim in the reports fails.</summary>
public static class VerifyCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var directory = new Argument<string>("DIR") { Description = "A results folder." };
        var command = new Command("verify",
            "Check the claims of every report under a results folder. Exit code 1 when a claim fails or is missing.")
        {
            directory,
        };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            string dir = parsed.GetValue(directory)!;
            if (!Directory.Exists(dir))
                throw new Repro.Experiments.ReproInputException($"{dir}: results folder not found");
            return Repro.Experiments.Reporting.ClaimChecker.Verify(dir, environment.Out);
        }));
        return command;
    }
}
