using System.Text;

namespace Repro.Experiments.Tests.EndToEnd;

/// <summary>
/// A small terminal: replays what a program wrote to its terminal onto a grid of rows that never scroll away, the
/// way a terminal with endless scrollback shows it. It knows what the live display and the log use (printable
/// text, carriage return, line feed, cursor up, erase to the end of the screen or line, autowrap at the width);
/// other escape sequences are skipped. <see cref="Replay"/> calls back before every erase, when the screen shows
/// a whole frame.
/// </summary>
internal sealed class TerminalScreen(int width)
{
    private readonly List<StringBuilder> rows = [new StringBuilder()];
    private int row;
    private int column;

    public IReadOnlyList<string> Rows => rows.Select(r => r.ToString().TrimEnd()).ToList();

    /// <param name="frame">Called with the rows before each "erase to the end of the screen" and once at the end.</param>
    public void Replay(string output, Action<IReadOnlyList<string>>? frame = null)
    {
        for (int i = 0; i < output.Length; i++)
        {
            char c = output[i];
            if (c == '\u001b')
            {
                i = Escape(output, i, frame);
                continue;
            }
            switch (c)
            {
                case '\r':
                    column = 0;
                    break;
                case '\n':
                    Down();
                    break;
                case '\b':
                    column = Math.Max(0, column - 1);
                    break;
                default:
                    if (char.IsControl(c))
                        break;
                    if (column >= width)
                    {
                        Down();
                        column = 0;
                    }
                    Put(c);
                    break;
            }
        }
        frame?.Invoke(Rows);
    }

    private int Escape(string output, int at, Action<IReadOnlyList<string>>? frame)
    {
        if (at + 1 >= output.Length)
            return at;
        if (output[at + 1] != '[')
            return at + 1; // ESC =, ESC >, and the like: two characters.
        int end = at + 2;
        while (end < output.Length && output[end] is (>= '0' and <= '9') or ';' or '?')
            end++;
        if (end >= output.Length)
            return end;
        string parameter = output[(at + 2)..end];
        int n = int.TryParse(parameter, out int value) ? value : 1;
        switch (output[end])
        {
            case 'A':
                row = Math.Max(0, row - n);
                break;
            case 'B':
                for (int k = 0; k < n; k++)
                    Down();
                break;
            case 'C':
                column += n;
                break;
            case 'D':
                column = Math.Max(0, column - n);
                break;
            case 'G':
                column = Math.Max(0, n - 1);
                break;
            case 'J' when parameter is "" or "0":
                frame?.Invoke(Rows);
                Truncate(rows[row], column);
                rows.RemoveRange(row + 1, rows.Count - row - 1);
                break;
            case 'K' when parameter is "" or "0":
                Truncate(rows[row], column);
                break;
        }
        return end;
    }

    private void Down()
    {
        row++;
        while (rows.Count <= row)
            rows.Add(new StringBuilder());
    }

    private void Put(char c)
    {
        var line = rows[row];
        while (line.Length < column)
            line.Append(' ');
        if (column < line.Length)
            line[column] = c;
        else
            line.Append(c);
        column++;
    }

    private static void Truncate(StringBuilder line, int column)
    {
        if (line.Length > column)
            line.Length = column;
    }
}
