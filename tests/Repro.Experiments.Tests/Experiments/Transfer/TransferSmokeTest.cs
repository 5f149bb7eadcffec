using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Transfer;

public sealed class TransferSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-transfer-");

    public void Dispose() => results.Delete(recursive: true);

    static string Config => Path.Combine(RepositoryRoot.Find(), "configs", "transfer.yaml");

    static string[] Lines(string report, string file) => File.ReadAllLines(Path.Combine(report, file));

    [Fact]
    public void Smoke_profile_writes_both_tables_both_figures_and_a_measured_value_for_every_claim()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "transfer");
        // Smoke depths 1, 4, 7 of one run (split 0, seed 0): one value per cell, so no spread columns.
        var depth = Lines(report, "transfer_by_depth.csv");
        Assert.Equal("n,runs,bnb,bnb_plus,anb,anb_plus,anb_plus_minus_base_b", depth[0]);
        Assert.Equal(["1,1,", "4,1,", "7,1,"], depth.Skip(1).Select(l => l[..4]));

        var bases = Lines(report, "base_networks.csv");
        Assert.Equal(["baseA", "baseB", "pretrained (all classes)"], bases.Skip(1).Select(l => l.Split(',')[0]));

        // K = 1 and 5 measured; the paper's K = 15, 30, 45, 60 rows carry only the Caltech numbers.
        var fewShot = Lines(report, "pretrained_vs_scratch.csv");
        Assert.Equal(1 + 6, fewShot.Length);
        Assert.StartsWith("1,1,", fewShot[1]);
        Assert.StartsWith("5,1,", fewShot[2]);
        Assert.Equal("15,0,,,,22.8,1.5,83.8,0.5,9.0,1.4,65.7,0.2", fewShot[3]);
        Assert.Equal("60,0,,,,,,,,38.8,1.4,74.2,0.3", fewShot[6]);

        foreach (var figure in new[] { "accuracy_vs_depth", "accuracy_vs_k" })
            foreach (var extension in new[] { ".png", ".svg", ".data.csv" })
                Assert.True(new FileInfo(Path.Combine(report, figure + extension)).Length > 0, $"{figure}{extension} missing or empty");

        // Every claim of the config is checked against a measured number, whether it holds or not at this scale.
        var claims = Lines(report, "claims.csv");
        Assert.Equal("claim,paper,measured,threshold,comparison,status", claims[0]);
        Assert.Equal(1 + 4, claims.Length);
        var measures = Lines(report, "measures.csv").Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[1]);
        foreach (var name in new[] { "off_the_shelf_minus_scratch_min_k_le_15", "fine_tuned_minus_off_the_shelf_largest_k",
                     "anb_plus_minus_base_b_mean", "bnb_plus_minus_anb_middle_n" })
            Assert.True(double.IsFinite(double.Parse(measures[name], System.Globalization.CultureInfo.InvariantCulture)), name);
        Assert.Equal("4", measures["middle_n"]);
        Assert.Equal("5", measures["largest_k"]);
        Assert.All(claims.Skip(1), line => Assert.True(line.EndsWith(",pass") || line.EndsWith(",fail"), line));
    }
}
