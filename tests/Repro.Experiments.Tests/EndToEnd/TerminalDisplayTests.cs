using System.Diagnostics;
using System.Text.RegularExpressions;
using Repro.Experiments.Reporting;
using Repro.Experiments.Tests.Data;
using Xunit;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>
/// <c>repro run</c> on a terminal: a smoke sweep under a pseudo-terminal (util-linux <c>script</c>), its output
/// replayed onto a <see cref="TerminalScreen"/> frame by frame.
/// </summary>
public sealed partial class TerminalDisplayTests : IDisposable
{
    private const int Width = 100;

    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [GeneratedRegex(@"\d\d:\d\d:\d\d \[(INF|WRN|ERR)\]")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"sweep (\d+)/(\d+) runs [█░]+ (\d+)%")]
    private static partial Regex SweepLine();

    [GeneratedRegex(@"epoch \d+/\d+  step (\d+)/(\d+)  loss \d+\.\d{4}")]
    private static partial Regex StepLine();

    [Fact]
    public void Log_lines_print_above_the_live_display_and_the_bar_moves_while_the_first_run_trains()
    {
        string results = folder.File("results");
        string output = UnderTerminal(ReproProcess.Dll, "run", ReproProcess.Config("baseline.yaml"), "--profile", "smoke", "--results", results);

        // No screen line, at any frame, holds a log line and the display, or a log line that starts mid-line.
        int frames = 0;
        var screen = new TerminalScreen(Width);
        screen.Replay(output, rows =>
        {
            frames++;
            foreach (var line in rows)
            {
                if (LogLine().Match(line) is { Success: true } log)
                {
                    Assert.True(log.Index == 0, $"a log line starts at column {log.Index}: '{line}'");
                    Assert.False(SweepLine().IsMatch(line) || line.Contains('█') || line.Contains('░') || StepLine().IsMatch(line),
                        $"a log line shares its screen line with the display: '{line}'");
                }
                if (SweepLine().Match(line) is { Success: true } bar)
                    Assert.True(bar.Index == 0, $"the display starts mid-line: '{line}'");
            }
        });
        Assert.True(frames > 3, $"{frames} frames");
        var final = screen.Rows;
        Assert.Contains(final, l => l.StartsWith("sweep 1/1 runs ", StringComparison.Ordinal) && l.Contains("100%"));
        Assert.Contains(final, l => LogLine().IsMatch(l) && l.Contains("run 1/1 baseline") && l.EndsWith(" ok", StringComparison.Ordinal));
        Assert.DoesNotContain(final, l => StepLine().IsMatch(l));

        // Before the run ends, the bar has moved off 0% and the run's line has shown its steps and loss.
        int ended = output.IndexOf("] run 1/1 baseline", StringComparison.Ordinal);
        Assert.True(ended > 0, output);
        string beforeEnd = output[..ended];
        var percents = SweepLine().Matches(beforeEnd).Where(m => m.Groups[1].Value == "0").Select(m => int.Parse(m.Groups[3].Value)).ToList();
        Assert.Contains(0, percents);
        Assert.Contains(percents, p => p > 0);
        var steps = StepLine().Matches(beforeEnd).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToList();
        Assert.NotEmpty(steps);
    }

    /// <summary>Runs <c>dotnet args</c> in a pseudo-terminal <see cref="Width"/> columns wide; returns what it wrote to it.</summary>
    private string UnderTerminal(params string[] args)
    {
        string typescript = folder.File("typescript");
        string command = $"stty cols {Width} rows 40; exec dotnet " + string.Join(' ', args.Select(Quote));
        var info = new ProcessStartInfo("script")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Find(),
        };
        foreach (var a in new[] { "--quiet", "--return", "--command", command, typescript })
            info.ArgumentList.Add(a);
        info.Environment["TERM"] = "xterm";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("repro run under script did not finish in 4 minutes");
        }
        Assert.True(process.ExitCode == 0, $"script exited {process.ExitCode}: {stderr.Result}\n{stdout.Result}");
        // script frames the session with a line of its own at each end.
        var text = File.ReadAllText(typescript);
        int start = text.IndexOf('\n') + 1;
        int end = text.LastIndexOf("\nScript done", StringComparison.Ordinal);
        return text[start..(end > start ? end + 1 : text.Length)];
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''") + "'";
}
