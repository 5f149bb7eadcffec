// The fix and its inputs (ELF libraries, libstdc++, Unix file modes) exist only on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
