using Xunit;

namespace Repro.Setup.Tests;

/// <summary>Where the real inputs live on a Debian 12 machine with the TorchSharp packages restored.</summary>
static class TestFiles
{
    public const string SystemLibStdcxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

    static string PackagesRoot =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static string TorchSharpPackage => Path.Combine(PackagesRoot, "torchsharp", "0.107.0");
    public static string LibTorchNativeFolder =>
        Path.Combine(PackagesRoot, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native");

    public static string? TorchSharpLibrary =>
        Directory.Exists(TorchSharpPackage)
            ? Directory.EnumerateFiles(TorchSharpPackage, "libLibTorchSharp.so", SearchOption.AllDirectories)
                .FirstOrDefault(f => f.Contains("linux-x64", StringComparison.Ordinal))
            : null;
}

public sealed class NeedsTorchSharpLibraryFactAttribute : FactAttribute
{
    public NeedsTorchSharpLibraryFactAttribute(bool withLibTorch = false)
    {
        if (TestFiles.TorchSharpLibrary is null)
            Skip = $"libLibTorchSharp.so not found under {TestFiles.TorchSharpPackage} (restore TorchSharp 0.107.0 first)";
        else if (!File.Exists(TestFiles.SystemLibStdcxx))
            Skip = $"{TestFiles.SystemLibStdcxx} not found (these checks assume Debian/Ubuntu x86-64)";
        else if (withLibTorch && !File.Exists(Path.Combine(TestFiles.LibTorchNativeFolder, "libtorch_cpu.so")))
            Skip = $"libtorch_cpu.so not found in {TestFiles.LibTorchNativeFolder} (restore libtorch-cpu-linux-x64 2.10.0 first)";
    }
}

public sealed class NeedsSystemLibStdcxxFactAttribute : FactAttribute
{
    public NeedsSystemLibStdcxxFactAttribute()
    {
        if (!File.Exists(TestFiles.SystemLibStdcxx))
            Skip = $"{TestFiles.SystemLibStdcxx} not found (these checks assume Debian/Ubuntu x86-64)";
    }
}

/// <summary>A fresh folder per test, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("repro-setup-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
