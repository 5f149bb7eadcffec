using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Repro.Experiments.Engine;

/// <summary>
/// What the engine is, for provenance and benchmarks: TorchSharp's and libtorch's versions, the BLAS libtorch was
/// built with (its own build configuration, <c>at::show_config()</c>) and the thread counts in force.
/// </summary>
public static partial class EngineInfo
{
    static readonly Lazy<string> config = new(ReadBuildConfig);

    /// <summary>TorchSharp's package version, e.g. "0.107.0".</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>libtorch's version as it reports it, e.g. "2.10.0".</summary>
    public static string LibtorchVersion
    {
        get
        {
            var v = torch.__version__;
            // TorchSharp pads the version to four parts (2.10.0.0); libtorch itself says 2.10.0.
            return v.EndsWith(".0") && v.Count(c => c == '.') == 3 ? v[..^2] : v;
        }
    }

    /// <summary>libtorch's build configuration, as <c>torch.__config__.show()</c> prints it in Python.</summary>
    public static string BuildConfig => config.Value;

    /// <summary>The BLAS libtorch reports (BLAS_INFO of its build configuration) and its version where it says one.</summary>
    public static string Blas
    {
        get
        {
            var m = BlasInfo().Match(BuildConfig);
            var name = m.Success ? m.Groups[1].Value : "unknown";
            return MklVersion() is { } mkl && name.Equals("mkl", StringComparison.OrdinalIgnoreCase) ? $"mkl ({mkl})" : name;
        }
    }

    /// <summary>libtorch's intra-op threads (OpenMP), which also drive MKL inside its ops.</summary>
    public static int Threads => torch.get_num_threads();

    /// <summary>MKL's own thread limit, or -1 when the library has no MKL.</summary>
    public static int BlasThreads
    {
        get
        {
            try { return mkl_get_max_threads(); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return -1; }
        }
    }


    static string? MklVersion()
    {
        try
        {
            var buffer = new byte[256];
            MKL_Get_Version_String(buffer, buffer.Length);
            var text = System.Text.Encoding.ASCII.GetString(buffer).TrimEnd('\0').Trim();
            var m = MklVersionNumber().Match(text);
            return m.Success ? m.Value : text.Length > 0 ? text : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    static unsafe string ReadBuildConfig()
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        try
        {
            // at::show_config() returns a std::string by value; on x86-64 (System V) the caller passes the address
            // of the result, laid out as { char* data; size_t length; char local[16] }.
            var result = stackalloc byte[32];
            show_config((IntPtr)result);
            var data = *(IntPtr*)result;
            var length = *(ulong*)(result + 8);
            var text = Marshal.PtrToStringUTF8(data, checked((int)length));
            // The string's heap block (if any) is left to the process: this runs once.
            return text;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "";
        }
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at11show_configB5cxx11Ev")]
    private static extern IntPtr show_config(IntPtr result);

    [DllImport("libtorch_cpu", EntryPoint = "MKL_Get_Version_String")]
    private static extern void MKL_Get_Version_String(byte[] buffer, int length);

    [DllImport("libtorch_cpu", EntryPoint = "mkl_get_max_threads")]
    private static extern int mkl_get_max_threads();

    [GeneratedRegex(@"BLAS_INFO=([^,\s]+)")]
    private static partial Regex BlasInfo();

    [GeneratedRegex(@"\d+\.\d+(\.\d+)*")]
    private static partial Regex MklVersionNumber();
}
