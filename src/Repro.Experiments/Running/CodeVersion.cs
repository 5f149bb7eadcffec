using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Repro.Experiments.Running;

/// <summary>
/// The version of the code that produced a run, part of every run id. It hashes the git tree of the source
/// folders at HEAD, not the commit: committing results or docs makes a new commit but leaves the code, and
/// the committed runs must keep their ids. Uncommitted changes under the source folders add a hash of their
/// diff (and of new untracked files). Without git it falls back to the assembly version.
/// </summary>
public sealed record CodeVersion(string Version, string? Commit, bool Dirty)
{
    /// <summary>Folders (and files) whose content decides what a run computes.</summary>
    public static readonly string[] CodePaths = ["src", "Directory.Build.props"];

    public static CodeVersion Detect(string? workingDirectory = null)
    {
        workingDirectory ??= Directory.GetCurrentDirectory();
        string? root = Git(workingDirectory, "rev-parse", "--show-toplevel")?.Trim();
        string? commit = root is null ? null : Git(root, "rev-parse", "HEAD")?.Trim();
        if (root is null || string.IsNullOrEmpty(commit))
            return FromAssembly();

        var trees = new StringBuilder();
        foreach (var path in CodePaths)
            trees.Append(path).Append('=').Append(Git(root, "rev-parse", $"HEAD:{path}")?.Trim() ?? "absent").Append('\n');

        string status = Git(root, ["status", "--porcelain", "--untracked-files=all", "--", .. CodePaths]) ?? "";
        bool dirty = status.Trim().Length > 0;
        string version = Hash(trees.ToString())[..16];
        if (dirty)
        {
            var change = new StringBuilder(Git(root, ["diff", "HEAD", "--binary", "--", .. CodePaths]) ?? "");
            foreach (var line in status.Split('\n'))
            {
                if (!line.StartsWith("?? ", StringComparison.Ordinal))
                    continue;
                string file = Path.Combine(root, line[3..].Trim().Trim('"'));
                change.Append("untracked ").Append(line[3..]).Append(' ')
                      .Append(File.Exists(file) ? Hash(File.ReadAllBytes(file)) : "gone").Append('\n');
            }
            version += "+dirty." + Hash(change.ToString())[..12];
        }
        return new CodeVersion(version, commit, dirty);
    }

    public static CodeVersion FromAssembly()
    {
        var assembly = typeof(CodeVersion).Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                         ?? assembly.GetName().Version?.ToString() ?? "unknown";
        return new CodeVersion("assembly-" + version, null, false);
    }

    private static string Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string? Git(string directory, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in arguments)
                start.ArgumentList.Add(a);
            using var process = Process.Start(start);
            if (process is null)
                return null;
            var stderr = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = stderr.Result;
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
