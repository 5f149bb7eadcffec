using Repro.Experiments.Data;
using Repro.Experiments.Experiments;
using Repro.Experiments.Reporting;
using Repro.Experiments.Tests.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Transfer;

public sealed class TransferReportTests
{
    static ImageSet Pool(params int[] countsPerClass)
    {
        var labels = countsPerClass.SelectMany((n, c) => Enumerable.Repeat(c, n)).ToArray();
        var names = countsPerClass.Select((_, c) => $"digit{c}").ToArray();
        return new ImageSet(new float[labels.Length], labels, names, 1, 1, 1);
    }

    [Fact]
    public void Few_shot_draws_take_exactly_K_per_class_for_training_and_the_same_disjoint_test_set_for_every_K()
    {
        // Uneven classes, as the MNIST digits are (about 1,000 a class, not exactly).
        var pool = Pool(170, 161, 180, 175, 166, 190, 162, 171, 168, 185);
        int[] ks = [1, 5, 15, 30, 60];
        var draws = TransferExperiment.FewShotDraws(pool, ks, testPerClass: 100, seed: 3);
        Assert.Equal(ks, draws.Select(d => d.perClass));
        foreach (var (k, split) in draws)
        {
            Assert.All(Sampling.ClassCounts(split.Train.Select(i => pool.Labels[i]).ToArray(), 10), n => Assert.Equal(k, n));
            Assert.All(Sampling.ClassCounts(split.Test.Select(i => pool.Labels[i]).ToArray(), 10), n => Assert.Equal(100, n));
            Assert.Empty(split.Train.Intersect(split.Test));
            Assert.Equal(split.Train.Length, split.Train.Distinct().Count());
            Assert.Equal(draws[0].split.Test, split.Test);
        }
        // Another split seed draws other training images.
        Assert.NotEqual(draws[2].split.Train, TransferExperiment.FewShotDraws(pool, ks, 100, seed: 4)[2].split.Train);
        // A class too small for the largest K plus the test images is named.
        var error = Assert.Throws<ReproInputException>(() => TransferExperiment.FewShotDraws(Pool(170, 150), [60], 100, seed: 0));
        Assert.Contains("digit1", error.Message);
    }

    [Theory]
    // K = 1: ten images, one full batch of 10, so 150 epochs of one step; K = 60: 600 images, 10 batches of <= 64.
    [InlineData(10, 10, 150)]
    [InlineData(600, 64, 15)]
    [InlineData(150, 64, 50)]
    public void Few_shot_schedules_take_the_same_number_of_steps_for_every_K(int images, int batch, int epochs)
    {
        var options = new FewShotOptions { Steps = 150 };
        var schedule = TransferExperiment.FewShotSchedule(options, images);
        Assert.Equal(batch, schedule.BatchSize);
        Assert.Equal(epochs, schedule.Epochs);
        Assert.Equal(150, schedule.MaxSteps);
        Assert.Equal(64, options.Train.BatchSize);
        Assert.Null(options.Train.MaxSteps);
    }

    [Fact]
    public void Report_measures_follow_the_hand_computed_means_of_the_runs()
    {
        using var results = new FakeResults();
        // Two runs; accuracies in fractions. Depths 1..3 (middle n = 2), K = 1, 15, 60.
        (string, double)[] Run(double shift) =>
        [
            ("base_a_accuracy", 0.90), ("base_b_accuracy", 0.80 + shift),
            ("bnb_n1_accuracy", 0.80), ("bnb_plus_n1_accuracy", 0.81), ("anb_n1_accuracy", 0.79), ("anb_plus_n1_accuracy", 0.82 + shift),
            ("bnb_n2_accuracy", 0.78), ("bnb_plus_n2_accuracy", 0.80 + shift), ("anb_n2_accuracy", 0.74), ("anb_plus_n2_accuracy", 0.80),
            ("bnb_n3_accuracy", 0.79), ("bnb_plus_n3_accuracy", 0.80), ("anb_n3_accuracy", 0.70), ("anb_plus_n3_accuracy", 0.78),
            ("scratch_k1_accuracy", 0.20), ("off_the_shelf_k1_accuracy", 0.40 + shift), ("fine_tuned_k1_accuracy", 0.35),
            ("scratch_k15_accuracy", 0.60), ("off_the_shelf_k15_accuracy", 0.68), ("fine_tuned_k15_accuracy", 0.70),
            ("scratch_k60_accuracy", 0.85), ("off_the_shelf_k60_accuracy", 0.86), ("fine_tuned_k60_accuracy", 0.90 + shift),
        ];
        var config = FakeResults.Config("transfer", [("options.split", "0")]);
        results.AddRun("transfer", "r0", "ok", [("seed", "0")], Run(0.00), configYaml: config);
        results.AddRun("transfer", "r1", "ok", [("seed", "1")], Run(0.02), configYaml: config);
        results.WriteRunsCsv("transfer", "r0", "r1");
        var context = ReportContext.Load(results.Root, "transfer");
        new TransferExperiment().Report(context);
        var measures = context.Measures.ToDictionary(m => m.Key, m => m.Value);

        // baseB mean 0.81. AnB+ means: n1 0.83, n2 0.80, n3 0.78 -> gaps +2, -1, -3 points: mean -2/3.
        Assert.Equal(0.81, measures["base_b_accuracy"], 10);
        Assert.Equal(-2.0 / 3, measures["anb_plus_minus_base_b_mean"], 8);
        Assert.Equal(2, measures["middle_n"]);
        // n = 2: BnB+ mean 0.81, AnB 0.74 -> +7 points.
        Assert.Equal(7, measures["bnb_plus_minus_anb_middle_n"], 8);
        // K <= 15: off-the-shelf - scratch = +21 (K=1: 0.41 - 0.20) and +8 (K=15): the smallest is 8.
        Assert.Equal(8, measures["off_the_shelf_minus_scratch_min_k_le_15"], 8);
        // K = 60: fine-tuned 0.91 vs off-the-shelf 0.86 -> +5 points.
        Assert.Equal(60, measures["largest_k"]);
        Assert.Equal(5, measures["fine_tuned_minus_off_the_shelf_largest_k"], 8);

        var depth = context.Tables.Single(t => t.Name == "transfer_by_depth");
        Assert.Equal(3, depth.Rows.Count);
        Assert.Equal(81, depth.Number(1, "bnb_plus")!.Value, 8);
        var fewShot = context.Tables.Single(t => t.Name == "pretrained_vs_scratch");
        // K = 1, 15, 60 measured and the paper's 30 and 45 (Caltech numbers only), ascending.
        Assert.Equal([1, 15, 30, 45, 60], Enumerable.Range(0, fewShot.Rows.Count).Select(i => (int)fewShot.Number(i, "k")!.Value));
        Assert.Equal(83.8, fewShot.Number(1, "paper_caltech101_pretrained")!.Value, 8);
        Assert.Equal(38.8, fewShot.Number(4, "paper_caltech256_scratch")!.Value, 8);
        Assert.Null(fewShot.Number(2, "scratch"));
        Assert.Equal(70, fewShot.Number(1, "fine_tuned")!.Value, 8);
        Assert.Equal(["accuracy_vs_depth", "accuracy_vs_k"], context.Figures.Select(f => f.Name));
    }
}
