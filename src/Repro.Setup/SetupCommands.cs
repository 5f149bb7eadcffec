namespace Repro.Setup;

/// <summary>The repro-setup command line: parses arguments and turns fix results into one line per file.</summary>
public static class SetupCommands
{
    const string Usage = "usage: repro-setup fix-libstdcxx [--system-libstdcxx PATH] FILE...";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] != "fix-libstdcxx")
        {
            stderr.WriteLine(args.Length == 0 ? Usage : $"unknown command '{args[0]}'\n{Usage}");
            return 1;
        }

        string? systemLibStdcxx = null;
        var files = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--system-libstdcxx")
            {
                if (++i == args.Length) { stderr.WriteLine($"--system-libstdcxx needs a path\n{Usage}"); return 1; }
                systemLibStdcxx = args[i];
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal)) { stderr.WriteLine($"unknown option '{args[i]}'\n{Usage}"); return 1; }
            else files.Add(args[i]);
        }
        if (files.Count == 0) { stderr.WriteLine($"no FILE given\n{Usage}"); return 1; }

        int exit = 0;
        try
        {
            systemLibStdcxx ??= LibStdcxxMarkerFix.FindSystemLibStdcxx();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
        foreach (var file in files)
        {
            try
            {
                stdout.WriteLine($"{file}: {Describe(LibStdcxxMarkerFix.Apply(file, systemLibStdcxx))}");
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Report every file, so one bad path does not hide the state of the others.
                stderr.WriteLine($"error: {e.Message}");
                exit = 1;
            }
        }
        return exit;
    }

    public static string Describe(LibStdcxxFixResult result)
    {
        var versions = string.Join(", ", result.Versions);
        return result.Outcome switch
        {
            LibStdcxxFixOutcome.Patched =>
                $"{versions} marked weak (system libstdc++ lacks it; only std::ios_base_library_init refers to it)",
            LibStdcxxFixOutcome.AlreadyWeak => $"{versions} already weak",
            LibStdcxxFixOutcome.NotNeeded when result.Versions.Count > 0 => $"nothing to do: system libstdc++ has {versions}",
            LibStdcxxFixOutcome.NotNeeded => "nothing to do: system libstdc++ has every version it requires",
            _ => $"nothing to do: no version requirement on {LibStdcxxMarkerFix.LibStdcxxSoname}",
        };
    }
}
