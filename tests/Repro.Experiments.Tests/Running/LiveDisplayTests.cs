using Repro.Experiments.Data;
using Repro.Experiments.Models;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.EndToEnd;
using Repro.Experiments.Training;
using TorchSharp;
using Xunit;

namespace Repro.Experiments.Tests.Running;

/// <summary>The live display's screen lines, the run progress channel and what the training loop reports to it.</summary>
public sealed class LiveDisplayTests
{
    [Fact]
    public void Log_lines_go_above_the_status_lines_which_are_cut_to_the_width_and_replaced_at_the_close()
    {
        var terminal = new StringWriter();
        var display = LiveDisplay.Open(terminal, () => 40);
        Assert.Same(display, LiveDisplay.Active);
        display.Show(["sweep 0/2 runs", "  toy a  epoch 1/2"]);
        display.WriteLine("12:00:00 [INF] first\n");
        display.Show(["sweep 1/2 runs " + new string('x', 60), "  toy b  epoch 1/2"]);
        display.WriteLine("12:00:01 [INF] second");
        display.Close(["sweep 2/2 runs"]);
        Assert.Null(LiveDisplay.Active);

        var screen = new TerminalScreen(40);
        var frames = new List<IReadOnlyList<string>>();
        screen.Replay(terminal.ToString(), frames.Add);
        Assert.Equal(["12:00:00 [INF] first", "12:00:01 [INF] second", "sweep 2/2 runs"], screen.Rows.Where(r => r.Length > 0));
        Assert.All(frames.SelectMany(f => f), row => Assert.True(row.Length < 40, row));
        Assert.Contains(frames, f => f.Contains("12:00:00 [INF] first") && f.Contains("  toy b  epoch 1/2"));
        Assert.EndsWith("\u001b[?25h", terminal.ToString());
    }

    [Fact]
    public void A_childs_progress_lines_carry_its_epochs_and_steps_to_the_sweeps_channel()
    {
        var lines = new StringWriter();
        var child = RunProgress.Lines("toy", "abc", lines, TimeSpan.Zero);
        child.Report(new EpochProgress(1, 3, "loss 0.5"));
        child.Step(new StepProgress(2, 3, 17, 30, 0.25));
        var parent = new RunProgress("toy", "abc", null);
        foreach (var line in lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.True(parent.TryApplyLine(line.TrimEnd('\r')));
        Assert.Equal(child.Activity, parent.Activity);
        Assert.False(parent.TryApplyLine("12:00:00 [INF] epoch 1/3"));
        Assert.Equal("epoch 2/3  step 17/30  loss 0.2500", parent.Activity.Describe());
    }

    [Theory]
    // The loop's own epochs: steps over all steps.
    [InlineData(1, 4, null, 2, 4, 50, 200, 0.25, "epoch 2/4  step 50/200  loss 1.0000")]
    // Networks trained (an experiment's own unit), then the share of the network in training.
    [InlineData(3, 10, "AnB3", 1, 2, 10, 40, 0.325, "3/10 AnB3  epoch 1/2  step 10/40  loss 1.0000")]
    // A detector's loop: no step total, its epochs from the epoch reports.
    [InlineData(2, 8, "Fast R-CNN", 3, 0, 37, 0, 0.25, "epoch 3/8  step 37  loss 1.0000")]
    public void A_runs_share_done_and_its_line_follow_the_units_it_reports(int done, int of, string? detail, int epoch, int epochs,
        long step, long steps, double fraction, string line)
    {
        var activity = new RunActivity("x", "y", new EpochProgress(done, of, detail), new StepProgress(epoch, epochs, step, steps, 1.0));
        Assert.Equal(fraction, activity.Fraction, 9);
        Assert.Equal(line, activity.Describe());
    }

    [Fact]
    public void The_training_loop_reports_every_step_with_its_loss_to_the_runs_channel_and_nothing_outside_a_run()
    {
        torch.manual_seed(1);
        using var train = new TensorDataset(new ImageSet(Enumerable.Range(0, 40 * 64).Select(i => (i % 7) / 7f).ToArray(),
            Enumerable.Range(0, 40).Select(i => i % 2).ToArray(), ["a", "b"], 1, 8, 8));
        using var model = new ZfNet(new ZfNetOptions { ConvChannels = [2, 2, 2, 2, 2], HiddenUnits = [4, 4] }, 1, 8, 2);
        var steps = new List<StepProgress>();
        var channel = new RunProgress("toy", "abc", a => steps.Add(a.LastStep!.Value));
        var options = new TrainOptions { Epochs = 2, BatchSize = 8, LogEvery = 100 };
        using (channel.Enter())
            new Trainer(options, seed: 1).Fit(model, train);
        Assert.Null(RunProgress.Current);
        Assert.Equal(Enumerable.Range(1, 10).Select(s => (long)s), steps.Select(s => s.Step));
        Assert.All(steps, s => Assert.Equal((2, 10L), (s.Epochs, s.Steps)));
        Assert.Equal([1, 1, 1, 1, 1, 2, 2, 2, 2, 2], steps.Select(s => s.Epoch));
        Assert.All(steps, s => Assert.True(double.IsFinite(s.Loss) && s.Loss > 0));

        new Trainer(options, seed: 1).Fit(model, train);
        Assert.Equal(10, steps.Count);
    }
}
