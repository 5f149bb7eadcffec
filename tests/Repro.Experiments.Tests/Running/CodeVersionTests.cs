using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Runner;
using Xunit;

namespace Repro.Experiments.Tests.Running;

/// <summary>
/// The code version hashes the source tree as it is on disk, so a run id does not depend on whether git can read
/// the repository (another user's checkout, a copy without .git).
/// </summary>
public sealed class CodeVersionTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>A small checkout: the marker, the props file and source folders with build outputs beside them.</summary>
    private string WriteTree(string name)
    {
        folder.Write($"{name}/{RepositoryRoot.MarkerFile}", "solution\n");
        folder.Write($"{name}/Directory.Build.props", "<Project />\n");
        folder.Write($"{name}/src/A/Model.cs", "class Model { }\n");
        // git orders a tree's entries as if folder names ended in '/': "a.b" < "a/" < "a0".
        folder.Write($"{name}/src/a/x.cs", "x\n");
        folder.Write($"{name}/src/a.b", "dotted\n");
        folder.Write($"{name}/src/a0", "zero\n");
        folder.Write($"{name}/src/empty.txt", "");
        folder.Write($"{name}/src/A/bin/Release/Model.dll", "build output\n");
        folder.Write($"{name}/src/A/obj/project.assets.json", "{}\n");
        string script = folder.Write($"{name}/src/A/run.sh", "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute);
        folder.Write($"{name}/docs/notes.md", "not code\n");
        return folder.Combine(name);
    }

    private static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var git = Process.Start(start)!;
        string output = git.StandardOutput.ReadToEnd();
        string error = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)}: {error}");
        return output.Trim();
    }

    private static void Commit(string tree)
    {
        Git(tree, "init", "-q");
        Git(tree, "add", "-A", "src", "Directory.Build.props", RepositoryRoot.MarkerFile);
        Git(tree, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "code");
    }

    [Fact]
    public void A_committed_tree_hashes_to_its_git_trees_and_a_copy_without_git_to_the_same_version()
    {
        string tree = WriteTree("checkout");
        // Build outputs are ignored by git as by the version.
        folder.Write("checkout/.gitignore", "bin/\nobj/\n");
        Commit(tree);
        string trees = $"src={Git(tree, "rev-parse", "HEAD:src")}\nDirectory.Build.props={Git(tree, "rev-parse", "HEAD:Directory.Build.props")}\n";
        string expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(trees)))[..16];

        var withGit = CodeVersion.Detect(tree);
        Assert.Equal(expected, withGit.Version);
        Assert.Equal(Git(tree, "rev-parse", "HEAD"), withGit.Commit);
        Assert.False(withGit.Dirty);

        string copy = WriteTree("copy");
        var withoutGit = CodeVersion.Detect(copy);
        Assert.Equal(expected, withoutGit.Version);
        Assert.Null(withoutGit.Commit);

        // A changed source file is another version, committed or not; a changed build output or doc is not.
        File.WriteAllText(Path.Combine(copy, "src", "A", "bin", "Release", "Model.dll"), "rebuilt\n");
        File.WriteAllText(Path.Combine(copy, "docs", "notes.md"), "edited\n");
        Assert.Equal(expected, CodeVersion.Detect(copy).Version);
        File.WriteAllText(Path.Combine(tree, "src", "A", "Model.cs"), "class Model { int x; }\n");
        File.WriteAllText(Path.Combine(copy, "src", "A", "Model.cs"), "class Model { int x; }\n");
        var edited = CodeVersion.Detect(tree);
        Assert.NotEqual(expected, edited.Version);
        Assert.True(edited.Dirty);
        Assert.Equal(edited.Version, CodeVersion.Detect(copy).Version);
    }

    [Fact]
    public void This_checkout_has_the_same_version_when_git_refuses_it()
    {
        string root = RepositoryRoot.Find();
        var usable = CodeVersion.Detect(root);
        string? before = Environment.GetEnvironmentVariable("GIT_DIR");
        try
        {
            Environment.SetEnvironmentVariable("GIT_DIR", folder.Combine("no-such-git-dir"));
            var refused = CodeVersion.Detect(root);
            Assert.Equal(usable.Version, refused.Version);
            Assert.Null(refused.Commit);
        }
        finally
        {
            Environment.SetEnvironmentVariable("GIT_DIR", before);
        }
    }

    [Fact]
    public void A_finished_run_is_not_run_again_when_git_refuses_the_repository()
    {
        var toy = new ToyExperiment();
        (int, string, string) Repro(params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = Runner.Cli.Invoke(args, new CliEnvironment
            {
                Out = output, Error = error, Registry = new ExperimentRegistry([toy]), Engine = () => new FakeEngine(),
                ReportBuilder = new RecordedReport().Build,
            });
            return (code, output.ToString(), error.ToString());
        }
        string config = folder.Write("toy.yaml", "experiment: toy\n");
        string results = folder.Combine("results");
        Assert.Equal(0, Repro("run", config, "--results", results).Item1);
        string? before = Environment.GetEnvironmentVariable("GIT_DIR");
        try
        {
            // What git says to another user's checkout: it is not a repository it will read.
            Environment.SetEnvironmentVariable("GIT_DIR", folder.Combine("no-such-git-dir"));
            var (code, output, _) = Repro("run", config, "--results", results);
            Assert.Equal(0, code);
            Assert.Contains("1 runs: 0 ran (0 failed), 1 already done", output);
        }
        finally
        {
            Environment.SetEnvironmentVariable("GIT_DIR", before);
        }
        Assert.Equal(1, toy.RunCount);
    }
}
