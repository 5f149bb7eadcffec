using System.Text;

namespace Repro.Experiments.Running;

/// <summary>One experiment's line of a sweep's closing table.</summary>
public sealed record ExperimentTally(string Experiment, string? Profile, int Runs, int Ran, int AlreadyDone, int Failed,
    double WallSeconds, double? DoneAtSeconds, int? ClaimsHolding, int? Claims);

/// <summary>
/// The closing table of <c>repro run</c>: per experiment the runs of this sweep (trained now, already done, failed),
/// the wall time this invocation spent on them (from its first run's start to its last run's end, which overlap other
/// experiments' runs under <c>--jobs</c>), when its last run ended counted from the sweep's start (null when none ran),
/// and how many of its claims hold in the report just built (read from the report's claims.csv).
/// </summary>
public static class SweepTally
{
    public static int? HoldingClaims(string reportDirectory, out int? total)
    {
        total = null;
        string path = ResultPaths.Claims(reportDirectory);
        if (!File.Exists(path)) return null;
        var csv = CsvFiles.Read(path);
        int status = csv.Require("status");
        total = csv.Records.Count;
        return csv.Records.Count(r => csv.OneOf(r, status, "pass", "FAIL", "fail", "missing", "MISSING") == "pass");
    }

    /// <summary>The table as aligned text lines, with a total line (wall time of the whole sweep, claims over all).</summary>
    public static string Format(IReadOnlyList<ExperimentTally> tallies, double totalWallSeconds)
    {
        var rows = new List<string[]> { new[] { "experiment", "profile", "runs", "ran", "done before", "failed", "wall time", "done at", "claims holding" } };
        foreach (var t in tallies)
            rows.Add([t.Experiment, t.Profile ?? "-", Count(t.Runs), Count(t.Ran), Count(t.AlreadyDone), Count(t.Failed), Duration(t.WallSeconds), t.DoneAtSeconds is { } doneAt ? Duration(doneAt) : "-",
                t.Claims is null or 0 ? "-" : $"{t.ClaimsHolding} of {t.Claims}"]);
        int claims = tallies.Sum(t => t.Claims ?? 0), holding = tallies.Sum(t => t.ClaimsHolding ?? 0);
        rows.Add(["total", "", Count(tallies.Sum(t => t.Runs)), Count(tallies.Sum(t => t.Ran)), Count(tallies.Sum(t => t.AlreadyDone)),
            Count(tallies.Sum(t => t.Failed)), Duration(totalWallSeconds), Duration(totalWallSeconds), claims == 0 ? "-" : $"{holding} of {claims}"]);
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                bool left = c < 2;
                string cell = left ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]);
                text.Append(c == 0 ? "" : "  ").Append(cell);
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>"12 s", "3 min 05 s", "1 h 02 min".</summary>
    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:00} min"
            : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds:00} s"
            : $"{t.Seconds} s";
    }
}
