using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Repro.Experiments.Running;

/// <summary>
/// The version of the code that produced a run, part of every run id: a hash of the git object ids of the source
/// folders as they are on disk, computed here from the files (git's blob and tree hashing), not asked of git.
/// So the version is the same whether git can read the checkout or not (another user's checkout, which git refuses
/// as "dubious ownership"; a copy without .git), a clean checkout has the version of its commit's trees, and
/// committing results or docs leaves it alone. Git, where it answers, only adds the commit and whether the code
/// differs from it (provenance).
/// </summary>
public sealed record CodeVersion(string Version, string? Commit, bool Dirty)
{
    /// <summary>Folders (and files) whose content decides what a run computes.</summary>
    public static readonly string[] CodePaths = ["src", "Directory.Build.props"];

    /// <summary>Folders inside the code paths that hold no code: build outputs and editor state (.gitignore's).</summary>
    public static readonly string[] SkippedFolders = ["bin", "obj", "build", ".vs", ".idea"];

    /// <summary>Files inside the code paths that hold no code (.gitignore's).</summary>
    public static readonly string[] SkippedSuffixes = [".swp", ".log"];

    /// <summary>
    /// The version of the checkout that holds <paramref name="workingDirectory"/> (default: the current
    /// directory, then the folder of the running assembly), found by its Repro.sln.
    /// </summary>
    public static CodeVersion Detect(string? workingDirectory = null)
    {
        string root = (workingDirectory is null ? null : RepositoryRoot.TryFindFrom(workingDirectory))
                      ?? (workingDirectory is null ? RepositoryRoot.Find()
                          : throw new ReproInputException(
                              $"no {RepositoryRoot.MarkerFile} found above {workingDirectory}: the code version hashes the checkout's {CodePaths[0]}/ folder"));

        string trees = ObjectIds(root);
        string version = Hash(Encoding.UTF8.GetBytes(trees))[..16];

        // Provenance only: the commit, and whether the code on disk differs from it. Git's answer for a checkout
        // it refuses, or for another repository around a copy, is left out.
        string? commit = null;
        bool dirty = false;
        if (Git(root, "rev-parse", "--show-toplevel") is { } top && SameFolder(top.Trim(), root)
            && Git(root, "rev-parse", "HEAD")?.Trim() is { Length: > 0 } head)
        {
            commit = head;
            var committed = new StringBuilder();
            foreach (var path in CodePaths)
                committed.Append(path).Append('=').Append(Git(root, "rev-parse", $"HEAD:{path}")?.Trim() ?? "absent").Append('\n');
            dirty = committed.ToString() != trees;
        }
        return new CodeVersion(version, commit, dirty);
    }

    /// <summary>"path=&lt;git object id&gt;\n" for each code path, as <c>git rev-parse HEAD:path</c> prints it for a clean checkout.</summary>
    public static string ObjectIds(string root)
    {
        var ids = new StringBuilder();
        foreach (var path in CodePaths)
        {
            string full = Path.Combine(root, path);
            string? id = Directory.Exists(full) ? TreeId(full) : File.Exists(full) ? BlobId(full).Id : null;
            ids.Append(path).Append('=').Append(id ?? "absent").Append('\n');
        }
        return ids.ToString();
    }

    /// <summary>Git's tree id of a folder; null for a folder without files, which git does not record.</summary>
    private static string? TreeId(string directory)
    {
        var entries = new List<(string SortKey, byte[] Entry)>();
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            string name = entry.Name;
            bool isFolder = entry is DirectoryInfo && entry.LinkTarget is null;
            if (isFolder ? SkippedFolders.Contains(name) : SkippedSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal)))
                continue;
            var (id, mode) = isFolder ? (TreeId(entry.FullName), "40000") : BlobId(entry.FullName);
            if (id is null)
                continue;
            var bytes = new List<byte>(Encoding.UTF8.GetBytes($"{mode} {name}\0"));
            bytes.AddRange(Convert.FromHexString(id));
            // Git orders entries by name bytes, a folder's name as if it ended in '/'.
            entries.Add((isFolder ? name + "/" : name, bytes.ToArray()));
        }
        if (entries.Count == 0)
            return null;
        entries.Sort((a, b) => CompareBytes(a.SortKey, b.SortKey));
        return ObjectId("tree", entries.SelectMany(e => e.Entry).ToArray());
    }

    /// <summary>Git's blob id and file mode of a file (a symbolic link is a blob of its target).</summary>
    private static (string Id, string Mode) BlobId(string file)
    {
        var info = new FileInfo(file);
        if (info.LinkTarget is { } target)
            return (ObjectId("blob", Encoding.UTF8.GetBytes(target)), "120000");
        bool executable = !OperatingSystem.IsWindows() && (info.UnixFileMode & UnixFileMode.UserExecute) != 0;
        byte[] content;
        try
        {
            content = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproInputException($"{file}: cannot read it for the code version: {e.Message}", e);
        }
        return (ObjectId("blob", content), executable ? "100755" : "100644");
    }

    private static string ObjectId(string kind, byte[] content)
    {
        byte[] header = Encoding.ASCII.GetBytes($"{kind} {content.Length}\0");
        // SHA-1 because git's object ids are SHA-1: the version must equal the commit's trees.
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. content]));
    }

    private static int CompareBytes(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)),
            StringComparison.Ordinal);

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
