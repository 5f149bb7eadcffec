using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Adversarial;

public sealed class AdversarialSmokeTest : IDisposable
{
    private readonly DirectoryInfo results = Directory.CreateTempSubdirectory("repro-adversarial-");

    public void Dispose() => results.Delete(recursive: true);

    static string Config => Path.Combine(RepositoryRoot.Find(), "configs", "adversarial.yaml");

    [Fact]
    public void Smoke_profile_writes_every_table_figure_and_measure()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName], output, error);
        Assert.True(code == 0, $"exit {code}: {error}\n{output}");

        string report = ResultPaths.ReportDirectory(results.FullName, "adversarial");
        int Rows(string table) => File.ReadAllLines(Path.Combine(report, table + ".csv")).Length - 1;
        // One data set (MNIST digits); four models: softmax, MLP, ConvNet, adversarially trained ConvNet.
        Assert.Equal(4, Rows("fgsm"));
        Assert.Equal(1, Rows("adversarial_training"));
        Assert.Equal(4 + 1, Rows("transfer"));
        Assert.Equal(4, Rows("minimal_perturbation"));
        Assert.Equal(2, Rows("fooling"));
        Assert.Equal(1, Rows("fooling_class"));
        foreach (var figure in new[] { "fgsm_error_vs_eps", "fooling_ascent", "fgsm_examples_mnist_digits", "minimal_examples_mnist_digits", "fooling_images_mnist_digits" })
        {
            Assert.True(File.Exists(Path.Combine(report, figure + ".png")), figure + ".png");
            Assert.True(File.Exists(Path.Combine(report, figure + ".data.csv")), figure + ".data.csv");
        }
        // The curve: 4 models x the smoke profile's 3 eps.
        Assert.Equal(4 * 3, File.ReadAllLines(Path.Combine(report, "fgsm_error_vs_eps.data.csv")).Length - 1);
        // Fooling grid: one 28x28 image per class, before and after the fooling class.
        Assert.Equal(2 * 10 * 28 * 28, File.ReadAllLines(Path.Combine(report, "fooling_images_mnist_digits.data.csv")).Length - 1);

        var measures = File.ReadAllLines(Path.Combine(report, "measures.csv")).Skip(1).Select(l => l.Split(',')[0]).ToHashSet();
        foreach (var name in new[] { "mnist_digits_zf_fgsm_error_eps25", "mnist_digits_zf_adversarial_training_error_ratio",
                     "mnist_digits_transfer_min_excess_error", "mnist_digits_fooling_min_confidence", "mnist_digits_fooling_after_min_confidence" })
            Assert.Contains(name, measures);

        // The run's summary holds every metric the quick profile's claims name.
        string summary = File.ReadAllLines(Path.Combine(Assert.Single(Directory.GetDirectories(Path.Combine(results.FullName, "adversarial")),
            d => ResultPaths.IsRunId(Path.GetFileName(d))), "summary.csv"))[0];
        foreach (var metric in new[] { "zf_fgsm_error_eps25", "zf_adversarial_training_error_ratio", "transfer_min_excess_error", "fooling_min_confidence", "fooling_after_min_confidence" })
            Assert.Contains(metric, summary.Split(','));
    }

    [Theory]
    [InlineData("options.dataset.transforms.normalize=true", "options.dataset.transforms.normalize")]
    [InlineData("options.dataset.transforms.crop_padding=2", "options.dataset.transforms.crop_padding")]
    [InlineData("options.fgsm.table_eps=[0.5]", "options.fgsm.eps")]
    public void Settings_that_would_change_what_eps_means_are_refused_before_training(string setting, string key)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Runner.Cli.Invoke(["run", Config, "--profile", "smoke", "--results", results.FullName, "--set", setting], output, error);
        Assert.Equal(2, code);
        Assert.Contains(key, error.ToString() + output);
        Assert.DoesNotContain("   at ", error.ToString());
        Assert.False(Directory.Exists(Path.Combine(results.FullName, "adversarial")) &&
                     Directory.GetDirectories(Path.Combine(results.FullName, "adversarial")).Any(d => ResultPaths.IsRunId(Path.GetFileName(d))));
    }
}
