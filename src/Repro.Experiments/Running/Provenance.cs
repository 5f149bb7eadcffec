using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Repro.Experiments.Running;

/// <summary>Where and how a run was produced; written to provenance.json at the start and again at the end.</summary>
public sealed class Provenance
{
    [JsonPropertyName("run_id")] public required string RunId { get; init; }
    [JsonPropertyName("experiment")] public required string Experiment { get; init; }
    [JsonPropertyName("config_file")] public string? ConfigFile { get; init; }
    [JsonPropertyName("profile")] public string? Profile { get; init; }
    [JsonPropertyName("code_version")] public required string CodeVersion { get; init; }
    [JsonPropertyName("git_commit")] public string? GitCommit { get; init; }
    [JsonPropertyName("git_dirty")] public bool GitDirty { get; init; }
    [JsonPropertyName("dotnet")] public string DotNet { get; init; } = RuntimeInformation.FrameworkDescription;
    [JsonPropertyName("os")] public string Os { get; init; } = RuntimeInformation.OSDescription;
    [JsonPropertyName("binding")] public string? Binding { get; init; }
    [JsonPropertyName("libtorch")] public string? Libtorch { get; init; }
    [JsonPropertyName("blas")] public string? Blas { get; init; }
    [JsonPropertyName("device")] public required string Device { get; init; }
    [JsonPropertyName("cpu_model")] public string CpuModel { get; init; } = ReadCpuModel();
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("heap")] public string? Heap { get; init; }
    [JsonPropertyName("convolutions")] public string? Convolutions { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("start_time")] public DateTimeOffset StartTime { get; init; }
    [JsonPropertyName("end_time")] public DateTimeOffset? EndTime { get; set; }
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("hostname")] public string Hostname { get; init; } = Environment.MachineName;
    [JsonPropertyName("command_line")] public string CommandLine { get; init; } = string.Join(' ', Environment.GetCommandLineArgs());

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");

    public static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var i and >= 0)
                        return line[(i + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
