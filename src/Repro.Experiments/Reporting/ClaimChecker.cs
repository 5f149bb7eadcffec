using Repro.Experiments.Config;
using Repro.Experiments.Running;

namespace Repro.Experiments.Reporting;

/// <summary>One line of claims.csv: a paper claim, what was measured, and whether it held.</summary>
public sealed record ClaimResult(string Claim, string Paper, double? Measured, double Threshold, string Comparison, string Status)
{
    public bool Passed => Status == ClaimChecker.Pass;
}

/// <summary>
/// Checks paper claims against measured numbers. A claim's metric is a measure (measures.csv) when it names one
/// and has no <c>where:</c>; otherwise it is a summary metric aggregated (mean, min or max) over the ok runs whose
/// parameters match <c>where:</c>. No value at all is <c>missing</c>, which counts as a failure.
/// </summary>
public static class ClaimChecker
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string Missing = "missing";

    public static readonly string[] CsvColumns = ["claim", "paper", "measured", "threshold", "comparison", "status"];

    public static ClaimResult Evaluate(
        ClaimSpec claim, IReadOnlyList<KeyValuePair<string, double>> measures, IEnumerable<RunRecord> runs)
    {
        double? measured = Measure(claim, measures, runs);
        string status = measured is not { } m ? Missing : claim.Holds(m) ? Pass : Fail;
        return new ClaimResult(claim.Name, claim.Paper ?? "", measured, claim.Threshold, claim.Compare, status);
    }

    public static IReadOnlyList<ClaimResult> EvaluateAll(
        IEnumerable<ClaimSpec> claims, IReadOnlyList<KeyValuePair<string, double>> measures, IReadOnlyList<RunRecord> runs) =>
        claims.Select(c => Evaluate(c, measures, runs)).ToList();

    /// <summary>The number a claim is checked on, or null when nothing was measured for it.</summary>
    public static double? Measure(ClaimSpec claim, IReadOnlyList<KeyValuePair<string, double>> measures, IEnumerable<RunRecord> runs)
    {
        if (claim.Where.Count == 0)
            foreach (var (name, value) in measures)
                if (name == claim.Metric)
                    return value;

        var values = runs
            .Where(r => r.IsOk && Matches(r, claim.Where))
            .Select(r => r.Metric(claim.Metric))
            .OfType<double>()
            .ToList();
        if (values.Count == 0)
            return null;
        return claim.Aggregate switch
        {
            "mean" => values.Average(),
            "min" => values.Min(),
            "max" => values.Max(),
            _ => throw new ArgumentException($"claim '{claim.Name}': unknown aggregate '{claim.Aggregate}' (mean, min, max)"),
        };
    }

    /// <summary>True when every <c>where:</c> key of the run (swept parameter or resolved config) has that value.</summary>
    public static bool Matches(RunRecord run, IReadOnlyDictionary<string, string> where)
    {
        foreach (var (key, wanted) in where)
            if (run.ConfigValue(key) is not { } actual || !SameValue(actual, wanted))
                return false;
        return true;
    }

    /// <summary>
    /// Config values compare as YAML reads them: "0.5" equals "0.50" and "True" equals "true", so a claim does not
    /// fail on how a number happened to be written.
    /// </summary>
    public static bool SameValue(string a, string b)
    {
        if (a == b)
            return true;
        if (CellFormat.TryParse(a, out double x) && CellFormat.TryParse(b, out double y))
            return x == y;
        if (bool.TryParse(a, out bool p) && bool.TryParse(b, out bool q))
            return p == q;
        return false;
    }

    /// <summary>claims.csv as a table: claim, paper, measured, threshold, comparison, status.</summary>
    public static ResultTable ToTable(IEnumerable<ClaimResult> results)
    {
        var table = new ResultTable("claims", "Claims",
            ResultColumn.Text(CsvColumns[0]), ResultColumn.Text(CsvColumns[1]), ResultColumn.Number(CsvColumns[2]),
            ResultColumn.Number(CsvColumns[3]), ResultColumn.Text(CsvColumns[4]), ResultColumn.Text(CsvColumns[5]));
        foreach (var r in results)
            table.AddRow(r.Claim, r.Paper, ResultCell.Of(r.Measured), r.Threshold, r.Comparison, r.Status);
        return table;
    }

    public static string ToCsv(IEnumerable<ClaimResult> results) => new CsvTableExporter().Export(ToTable(results));

    public static IReadOnlyList<ClaimResult> ReadCsv(string path)
    {
        var data = CsvFiles.Read(path);
        int claim = data.Require("claim"), paper = data.Require("paper"), measured = data.Require("measured"),
            threshold = data.Require("threshold"), comparison = data.Require("comparison"), status = data.Require("status");
        var results = new List<ClaimResult>();
        foreach (var r in data.Records)
        {
            double? m = r[measured].Length == 0 ? null
                : CellFormat.TryParse(r[measured], out double v) ? v
                : throw new ReproInputException($"{path}:{r.Line}: measured '{r[measured]}' is not a number");
            if (!CellFormat.TryParse(r[threshold], out double t))
                throw new ReproInputException($"{path}:{r.Line}: threshold '{r[threshold]}' is not a number");
            if (r[status] is not (Pass or Fail or Missing))
                throw new ReproInputException($"{path}:{r.Line}: status '{r[status]}' is not pass, fail or missing");
            results.Add(new ClaimResult(r[claim], r[paper], m, t, r[comparison], r[status]));
        }
        return results;
    }

    /// <summary>
    /// <c>repro verify DIR</c>: prints every claim of every experiment under <paramref name="resultsDirectory"/>
    /// (or of the one experiment folder it names). 0 when all pass, 1 when one fails or is missing, 2 when there
    /// is no claims.csv at all.
    /// </summary>
    public static int Verify(string resultsDirectory, TextWriter? output = null)
    {
        output ??= Console.Out;
        var files = FindClaimFiles(resultsDirectory);
        if (files.Count == 0)
        {
            output.WriteLine($"{resultsDirectory}: no {ResultPaths.ClaimsFileName} found; run 'repro report' first");
            return 2;
        }
        var table = new ResultTable("verify", "Claims",
            ResultColumn.Text("experiment"), ResultColumn.Text("claim"), ResultColumn.Text("paper"),
            ResultColumn.Number("measured"), ResultColumn.Text("check"), ResultColumn.Text("status"));
        int failed = 0, total = 0;
        foreach (var (experiment, file) in files)
        {
            foreach (var r in ReadCsv(file))
            {
                total++;
                if (!r.Passed)
                    failed++;
                table.AddRow(experiment, r.Claim, r.Paper, ResultCell.Of(r.Measured),
                    $"{r.Comparison} {CellFormat.Number(r.Threshold)}", r.Passed ? Pass : r.Status.ToUpperInvariant());
            }
        }
        output.Write(new MarkdownTableExporter().Export(table));
        output.WriteLine($"{total - failed} of {total} claims hold");
        return failed > 0 ? 1 : 0;
    }

    private static List<(string Experiment, string File)> FindClaimFiles(string directory)
    {
        var found = new List<(string, string)>();
        if (!Directory.Exists(directory))
            return found;
        string own = ResultPaths.Claims(Path.Combine(directory, ResultPaths.ReportFolderName));
        if (File.Exists(own))
        {
            found.Add((Path.GetFileName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)), own));
            return found;
        }
        foreach (var experiment in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            string file = ResultPaths.Claims(Path.Combine(experiment, ResultPaths.ReportFolderName));
            if (File.Exists(file))
                found.Add((Path.GetFileName(experiment), file));
        }
        return found;
    }
}
