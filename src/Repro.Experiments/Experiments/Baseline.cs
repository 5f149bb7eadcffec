using TorchSharp.PyBridge;

namespace Repro.Experiments.Experiments;

public sealed class BaselineOptions
{
    public DatasetOptions Dataset { get; set; } = new();
    public ZfNetOptions Model { get; set; } = new();
    public TrainOptions Train { get; set; } = new();

    /// <summary>Write the trained weights (model.safetensors) into the run folder for later experiments.</summary>
    public bool SaveWeights { get; set; } = true;
}

/// <summary>
/// Trains the ZF-style network that the ablation, invariance and transfer experiments share, and reports
/// its test accuracy per seed.
/// </summary>
public sealed class BaselineExperiment : Experiment<BaselineOptions>
{
    public override string Name => "baseline";

    public override string Description => "ZF-style ConvNet (5 conv + 3 fc) trained on Fashion-MNIST; test accuracy";

    public override MeasureCatalog Measures { get; } = new(
        ["test_accuracy", "test_loss", "train_accuracy", "train_loss", "parameters", "steps", "train_seconds"]);

    public const string WeightsFile = "model.safetensors";

    public override RunResult Run(BaselineOptions options, RunContext context)
    {
        using var setup = ClassifierSetup.Load(options.Dataset, context);
        using var model = setup.ZfNet(options.Model);
        context.Log.Information("ZF-style net: layers {Layers}, {Parameters} parameters; {Train} training and {Test} test images",
            string.Join(",", model.Layers), model.parameters().Sum(p => p.numel()), setup.Train.Count, setup.Test.Count);
        var (evaluations, seconds, state) = setup.Fit(model, options.Train);
        var trainEval = Evaluator.Evaluate(model, setup.Train);
        if (options.SaveWeights) model.save_safetensors(Path.Combine(context.RunDirectory, WeightsFile));
        return RunResult.Of(
            ("test_accuracy", evaluations["test"].Accuracy),
            ("test_loss", evaluations["test"].Loss),
            ("train_accuracy", trainEval.Accuracy),
            ("train_loss", trainEval.Loss),
            ("parameters", model.parameters().Sum(p => p.numel())),
            ("steps", state.Step),
            ("train_seconds", seconds));
    }

    public override void Report(ReportContext context)
    {
        var runs = context.OkRuns.ToList();
        var accuracy = RunStatistics.MeanStd(runs, "test_accuracy");
        var table = new ResultTable("accuracy", "ZF-style net on Fashion-MNIST: test accuracy",
            ResultColumn.Text("model"), ResultColumn.Integer("runs"), ResultColumn.Percent("test_accuracy", "test accuracy (%)", 2),
            ResultColumn.Percent("train_accuracy", "train accuracy (%)", 2), ResultColumn.Integer("parameters"), ResultColumn.Number("train_seconds", "train time (s)", 1));
        table.AddRow("ZF-style (5 conv + 3 fc)", runs.Count, RunStatistics.Cell(accuracy), RunStatistics.Cell(runs, "train_accuracy"),
            runs.FirstOrDefault()?.Metric("parameters") ?? double.NaN, RunStatistics.Mean(runs, "train_seconds"));
        context.AddTable(table);
        context.AddMeasure("test_accuracy", accuracy.mean);

        // Learning curves: training loss (logged every few steps) and test accuracy after each epoch, per run.
        var curves = new ResultTable("curves", "Training loss and test accuracy",
            ResultColumn.Text("curve"), ResultColumn.Integer("step"), ResultColumn.Number("value"));
        foreach (var run in runs)
            foreach (var row in run.ReadMetrics())
                if ((row.Split, row.Metric) is ("train", "loss") or ("test", "accuracy"))
                    curves.AddRow($"{row.Split}_{row.Metric}:{run.RunId}", row.Step, row.Value);
        if (curves.Rows.Count > 0)
        {
            var loss = new PlotPanel { Title = "training loss", XLabel = "step", YLabel = "cross-entropy", Series = Curves(runs, "train_loss", SeriesStyle.Lines) };
            var acc = new PlotPanel { Title = "test accuracy", XLabel = "step", YLabel = "accuracy", Series = Curves(runs, "test_accuracy", SeriesStyle.LinesPoints) };
            context.AddFigure(FigureSpec.Grid("curves", "ZF-style net on Fashion-MNIST", curves, 1, 2, [loss, acc]));
        }
    }

    static List<FigureSeries> Curves(List<RunRecord> runs, string curve, SeriesStyle style) =>
        runs.Select(r => new FigureSeries($"seed {r.Seed}", "step", "value") { Style = style }
            .Where("curve", $"{curve}:{r.RunId}")).ToList();
}
