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
            results.Add(new ClaimResult(r[claim], r[paper], data.OptionalNumber(r, measured), data.Number(r, threshold),
                r[comparison], data.OneOf(r, status, Pass, Fail, Missing)));
        return results;
    }

    /// <summary>
    /// <c>repro verify DIR</c>: prints every claim of every report (one per profile) of every experiment under
    /// <paramref name="resultsDirectory"/> (or of the one experiment folder it names), and checks that no claim a
    /// config declares for a profile went unmeasured: one its report left out, or one of a profile whose runs are
    /// there but whose report is not (another profile's sweep took its place). Each of those is a line on
    /// <paramref name="error"/> naming the claim and the config. 0 when all hold, 1 when one fails or is missing,
    /// 2 when there is no claims.csv at all.
    /// </summary>
    public static int Verify(string resultsDirectory, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var experiments = ExperimentFolders(resultsDirectory);
        var reports = experiments.SelectMany(e => ReportFolders.In(e, ResultPaths.ClaimsFileName)).ToList();
        if (reports.Count == 0)
        {
            error.WriteLine($"{resultsDirectory}: no {ResultPaths.ClaimsFileName} found; run 'repro report' first");
            return 2;
        }
        var table = new ResultTable("verify", "Claims",
            ResultColumn.Text("experiment"), ResultColumn.Text("profile"), ResultColumn.Text("claim"), ResultColumn.Text("paper"),
            ResultColumn.Number("measured"), ResultColumn.Text("check"), ResultColumn.Text("status"));
        int failed = 0, total = 0;
        void Add(string experiment, string? profile, ClaimResult r)
        {
            total++;
            if (!r.Passed)
                failed++;
            table.AddRow(experiment, profile ?? "", r.Claim, r.Paper, ResultCell.Of(r.Measured),
                $"{r.Comparison} {CellFormat.Number(r.Threshold)}", r.Passed ? Pass : r.Status.ToUpperInvariant());
        }

        foreach (var experimentDirectory in experiments)
        {
            string experiment = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(experimentDirectory)));
            var own = ReportFolders.In(experimentDirectory, ResultPaths.ClaimsFileName);
            foreach (var report in own)
            {
                string claimsFile = ResultPaths.Claims(report.Directory);
                var measured = ReadCsv(claimsFile);
                foreach (var r in measured)
                    Add(experiment, report.Profile, r);
                var (declared, config) = DeclaredBy(report);
                foreach (var claim in declared.Where(c => measured.All(m => m.Claim != c.Name)))
                {
                    Add(experiment, report.Profile, Unmeasured(claim));
                    error.WriteLine($"{claimsFile}: claim '{claim.Name}' that {config} declares for profile {report.Profile ?? "(none)"} " +
                                    $"is missing (repro report {experimentDirectory} measures it)");
                }
            }

            // Runs of a profile that has no report: the claims their configs declare were measured by nothing.
            var reported = own.Select(r => r.Profile).ToHashSet();
            foreach (var (profile, runs) in RunsByProfile(experimentDirectory).Where(p => !reported.Contains(p.Key)))
            {
                string config = runs.Select(r => r.Provenance.ConfigFile).FirstOrDefault(c => c is not null) ?? "its config";
                string results = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(experimentDirectory)) is { Length: > 0 } parent ? parent : ".";
                foreach (var claim in runs.SelectMany(r => r.Record.ReadClaims()).DistinctBy(c => c.Name))
                {
                    Add(experiment, profile, Unmeasured(claim));
                    error.WriteLine($"{experimentDirectory}: claim '{claim.Name}' that {config} declares for profile {profile} is in no report " +
                                    $"(repro run {config} --profile {profile} --results {results} builds it)");
                }
            }
        }
        output.Write(new MarkdownTableExporter().Export(table));
        output.WriteLine($"{total - failed} of {total} claims hold");
        return failed > 0 ? 1 : 0;
    }

    /// <summary>A run folder for its config.yaml alone (read when asked), whatever its summary says.</summary>
    private static RunRecord Unread(string runDirectory) =>
        new(Path.GetFileName(runDirectory), RunRecord.Missing, "", [], [], runDirectory);

    private static ClaimResult Unmeasured(ClaimSpec claim) =>
        new(claim.Name, claim.Paper ?? "", null, claim.Threshold, claim.Compare, Missing);

    /// <summary>The claims of a report's sweep (the config.yaml of its first listed run) and the config file they came from.</summary>
    private static (IReadOnlyList<ClaimSpec> Claims, string Config) DeclaredBy(ReportFolder report)
    {
        foreach (var runId in ReportFolders.ListedRuns(report.Directory))
        {
            string run = Path.Combine(report.ExperimentDirectory, runId);
            if (File.Exists(ResultPaths.Config(run)))
                return (Unread(run).ReadClaims(), RunProvenance.Read(run)?.ConfigFile ?? ResultPaths.Config(run));
        }
        return ([], "");
    }

    /// <summary>The run folders of an experiment folder that say (provenance.json) which profile they ran, by profile.</summary>
    private static IEnumerable<KeyValuePair<string, List<(RunRecord Record, RunProvenance Provenance)>>> RunsByProfile(string experimentDirectory)
    {
        var byProfile = new SortedDictionary<string, List<(RunRecord, RunProvenance)>>(StringComparer.Ordinal);
        foreach (var run in Directory.EnumerateDirectories(experimentDirectory).Order(StringComparer.Ordinal))
        {
            string runId = Path.GetFileName(run);
            if (!ResultPaths.IsRunId(runId) || !File.Exists(ResultPaths.Config(run)) || RunProvenance.Read(run) is not { Profile: { } profile } provenance)
                continue;
            if (!byProfile.TryGetValue(profile, out var runs))
                byProfile[profile] = runs = new();
            runs.Add((Unread(run), provenance));
        }
        return byProfile;
    }

    /// <summary><paramref name="directory"/> itself when it is an experiment folder (a report or run folders in it), else its subfolders that are.</summary>
    private static List<string> ExperimentFolders(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        if (IsExperimentFolder(directory))
            return [directory];
        return Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal).Where(IsExperimentFolder).ToList();
    }

    private static bool IsExperimentFolder(string directory) =>
        ReportFolders.In(directory, ResultPaths.ClaimsFileName).Count > 0
        || ReportFolders.In(directory).Count > 0
        || Directory.EnumerateDirectories(directory).Any(d => ResultPaths.IsRunId(Path.GetFileName(d)));
}
