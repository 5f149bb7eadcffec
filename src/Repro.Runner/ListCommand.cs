using System.CommandLine;
using Repro.Experiments.Config;

namespace Repro.Runner;

/// <summary><c>repro list</c>: the registered experiments and the config files.</summary>
public static class ListCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var configs = new Option<string>("--configs")
        {
            Description = "Folder of config files to list.",
            DefaultValueFactory = _ => "configs",
            HelpName = "DIR",
        };
        var command = new Command("list", "List the registered experiments and the config files.") { configs };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            var output = environment.Out;
            output.WriteLine("experiments:");
            int width = environment.Registry.All.Select(e => e.Name.Length).DefaultIfEmpty(0).Max();
            foreach (var experiment in environment.Registry.All)
                output.WriteLine($"  {experiment.Name.PadRight(width)}  {experiment.Description}");
            if (environment.Registry.All.Count == 0)
                output.WriteLine("  (none registered)");

            string folder = parsed.GetValue(configs)!;
            output.WriteLine($"configs ({folder}):");
            var files = Directory.Exists(folder)
                ? Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).ToList()
                : [];
            foreach (var file in files)
                output.WriteLine($"  {file}  {Describe(file)}");
            if (files.Count == 0)
                output.WriteLine("  (none)");
            return Cli.Success;
        }));
        return command;
    }

    /// <summary>"experiment: description" of a config, read leniently: listing must not fail on a broken file.</summary>
    private static string Describe(string file)
    {
        try
        {
            var map = YamlConfigReader.ReadFile(file);
            string experiment = (map.Get("experiment") as ConfigScalar)?.Value ?? "(inherits or no experiment)";
            string? description = (map.Get("description") as ConfigScalar)?.Value;
            return description is null ? experiment : $"{experiment}: {description}";
        }
        catch (Repro.Experiments.ReproInputException e)
        {
            return $"(unreadable: {e.Message})";
        }
    }
}
