using System.Text;

namespace Repro.Experiments.Running;

/// <summary>
/// The live region of a terminal: a few status lines kept at the bottom of the screen, with every log line
/// printed above them. Writing a log line erases the status lines (cursor up, erase to the end of the screen),
/// writes the line whole and draws the status lines again below it, all in one write, so a log line never
/// shares a screen line with the status and the status never lands inside a log line. Status lines are cut to
/// the terminal's width, so none wraps and the count of lines to erase stays right.
/// </summary>
public sealed class LiveDisplay : IDisposable
{
    private const string Escape = "\u001b[";
    private static LiveDisplay? active;
    private readonly TextWriter output;
    private readonly Func<int> width;
    private readonly object gate = new();
    private IReadOnlyList<string> shown = [];
    private bool closed;

    private LiveDisplay(TextWriter output, Func<int> width)
    {
        this.output = output;
        this.width = width;
    }

    /// <summary>The display that owns the terminal now; log lines of the console go through it. Null when none.</summary>
    public static LiveDisplay? Active => Volatile.Read(ref active);

    /// <summary>Takes the terminal: the cursor is hidden until <see cref="Dispose"/>.</summary>
    /// <param name="width">The terminal's columns; null reads the console's (80 when it says nothing).</param>
    public static LiveDisplay Open(TextWriter output, Func<int>? width = null)
    {
        var display = new LiveDisplay(output, width ?? ConsoleWidth);
        display.Write(Escape + "?25l");
        Volatile.Write(ref active, display);
        return display;
    }

    /// <summary>A log line (or several, one per '\n') above the status lines.</summary>
    public void WriteLine(string text)
    {
        lock (gate)
        {
            var sb = new StringBuilder();
            Erase(sb);
            sb.Append(text.Replace("\r", ""));
            if (!text.EndsWith('\n'))
                sb.Append('\n');
            if (!closed)
                Draw(sb, shown);
            Write(sb.ToString());
        }
    }

    /// <summary>Replaces the status lines.</summary>
    public void Show(IReadOnlyList<string> lines)
    {
        lock (gate)
        {
            if (closed)
                return;
            var fitted = lines.Select(Fit).ToList();
            if (fitted.SequenceEqual(shown))
                return;
            var sb = new StringBuilder();
            Erase(sb);
            Draw(sb, fitted);
            shown = fitted;
            Write(sb.ToString());
        }
    }

    /// <summary>Erases the status lines, leaves <paramref name="last"/> (if any) as ordinary lines and gives the cursor back.</summary>
    public void Close(IReadOnlyList<string>? last = null)
    {
        lock (gate)
        {
            if (closed)
                return;
            closed = true;
            Interlocked.CompareExchange(ref active, null, this);
            var sb = new StringBuilder();
            Erase(sb);
            foreach (var line in last ?? [])
                sb.Append(Fit(line)).Append('\n');
            sb.Append(Escape).Append("?25h");
            shown = [];
            Write(sb.ToString());
        }
    }

    public void Dispose() => Close();

    // The cursor sits at the end of the last status line: back to the first one's start, erase to the end of the screen.
    private void Erase(StringBuilder sb)
    {
        if (shown.Count == 0)
            return;
        sb.Append('\r');
        if (shown.Count > 1)
            sb.Append(Escape).Append(shown.Count - 1).Append('A');
        sb.Append(Escape).Append('J');
    }

    private static void Draw(StringBuilder sb, IReadOnlyList<string> lines) => sb.Append(string.Join('\n', lines));

    private string Fit(string line)
    {
        line = line.Replace("\r", "").Replace('\n', ' ');
        int columns = Math.Max(20, width() - 1);
        return line.Length <= columns ? line : line[..(columns - 1)] + "…";
    }

    // Each line feed goes with a carriage return, so lines start at the left edge whether or not the terminal adds one.
    private void Write(string text)
    {
        output.Write(text.Replace("\n", "\r\n"));
        output.Flush();
    }

    private static int ConsoleWidth()
    {
        try
        {
            return Console.WindowWidth is > 0 and var w ? w : 80;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or PlatformNotSupportedException)
        {
            return 80;
        }
    }
}
