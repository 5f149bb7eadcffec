using Xunit;
using static Repro.Setup.Tests.LibStdcxxMarkerFixTests;

namespace Repro.Setup.Tests;

public class SetupCommandsTests
{
    static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = SetupCommands.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void FixLibStdcxx_PrintsOneLinePerFile_AndIsIdempotent()
    {
        using var dir = new TempFolder();
        var a = Write(dir, "a.so", Library((LibStdcxxMarkerFix.MarkerSymbol, 3)));
        var b = Write(dir, "b.so", Library((LibStdcxxMarkerFix.MarkerSymbol, 3)));
        var system = Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4", "GLIBCXX_3.4.30"));

        var first = Run("fix-libstdcxx", "--system-libstdcxx", system, a, b);
        var second = Run("fix-libstdcxx", "--system-libstdcxx", system, a);

        Assert.Equal(0, first.Exit);
        Assert.Equal(
            $"{a}: GLIBCXX_3.4.32 marked weak (system libstdc++ lacks it; only std::ios_base_library_init refers to it)\n" +
            $"{b}: GLIBCXX_3.4.32 marked weak (system libstdc++ lacks it; only std::ios_base_library_init refers to it)\n",
            first.Out.ReplaceLineEndings("\n"));
        Assert.Equal((0, $"{a}: GLIBCXX_3.4.32 already weak\n", ""), (second.Exit, second.Out.ReplaceLineEndings("\n"), second.Err));
    }

    [Fact]
    public void FixLibStdcxx_SaysNothingToDo_WhenTheSystemHasTheVersion()
    {
        using var dir = new TempFolder();
        var a = Write(dir, "a.so", Library((LibStdcxxMarkerFix.MarkerSymbol, 3)));
        var system = Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4.30", "GLIBCXX_3.4.32"));

        var (exit, output, _) = Run("fix-libstdcxx", "--system-libstdcxx", system, a);

        Assert.Equal(0, exit);
        Assert.Equal($"{a}: nothing to do: system libstdc++ has GLIBCXX_3.4.32", output.TrimEnd());
    }

    [Fact]
    public void FixLibStdcxx_ExitsOne_OnAMissingFile_ButStillFixesTheOthers()
    {
        using var dir = new TempFolder();
        var good = Write(dir, "good.so", Library((LibStdcxxMarkerFix.MarkerSymbol, 3)));
        var missing = dir.File("missing.so");
        var system = Write(dir, "libstdc++.so.6", SystemWith("GLIBCXX_3.4", "GLIBCXX_3.4.30"));

        var (exit, output, error) = Run("fix-libstdcxx", "--system-libstdcxx", system, missing, good);

        Assert.Equal(1, exit);
        Assert.Contains(missing, error);
        Assert.Contains($"{good}: GLIBCXX_3.4.32 marked weak", output);
    }

    [Theory]
    [InlineData]
    [InlineData("fix-everything", "x.so")]
    [InlineData("fix-libstdcxx")]
    [InlineData("fix-libstdcxx", "x.so", "--system-libstdcxx")]
    [InlineData("fix-libstdcxx", "--force", "x.so")]
    public void BadArguments_ExitOne_WithUsage(params string[] args)
    {
        var (exit, output, error) = Run(args);

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("usage: repro-setup fix-libstdcxx", error);
    }
}
