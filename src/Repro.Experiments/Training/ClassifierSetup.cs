using TorchSharp.PyBridge;

namespace Repro.Experiments.Training;

/// <summary>
/// The shared set-up of a classifier experiment: the data set's training and test splits, as tensors on the run's
/// device, the augmentation its transforms ask for, and the ZF-style net built for its image shape and classes;
/// then training it (evaluating on the test split after every epoch) or loading trained weights.
/// The training tensors are made on first use, so a run that loads weights never holds them.
/// </summary>
public sealed class ClassifierSetup : IDisposable
{
    private readonly RunContext context;
    private readonly TransformOptions transforms;
    private TensorDataset? train;
    private Augmentation? augmentation;

    private ClassifierSetup(DataSplits splits, TransformOptions transforms, RunContext context)
    {
        this.context = context;
        this.transforms = transforms;
        Splits = splits;
        Device = ClassifierRun.DeviceOf(context);
        Test = new TensorDataset(splits.Test, Device);
    }

    /// <summary>Loads <paramref name="dataset"/> from the run's data folder.</summary>
    public static ClassifierSetup Load(DatasetOptions dataset, RunContext context) =>
        new(DataSources.LoadTrainTest(dataset, context.DataRoot), dataset.Transforms, context);

    public DataSplits Splits { get; }

    public Device Device { get; }

    public TensorDataset Test { get; }

    public TensorDataset Train => train ??= new TensorDataset(Splits.Train, Device);

    public Augmentation Augmentation => augmentation ??= Augmentation.Create(transforms, Splits.Train);

    /// <summary>The ZF-style net for this data set's image shape and class count, on the run's device.</summary>
    public ZfNet ZfNet(ZfNetOptions options)
    {
        var model = new ZfNet(options, Splits.Train.Channels, Splits.Train.Height, Splits.Train.ClassCount);
        model.to(Device);
        return model;
    }

    /// <summary>Trains <paramref name="model"/> on the training split through the shared loop, evaluating on the test split each epoch.</summary>
    public (Dictionary<string, Evaluation> evaluations, double seconds, TrainingState state) Fit(torch.nn.Module<Tensor, Tensor> model, TrainOptions options) =>
        ClassifierRun.Train(model, Train, options, context, Augmentation, evaluate: [("test", Test)]);

    /// <summary>
    /// Loads a run's saved weights (model.safetensors) into <paramref name="model"/>; <paramref name="key"/> names the
    /// option in messages. A missing file or one that does not fit the configured model is bad input.
    /// </summary>
    public static void LoadWeights(torch.nn.Module model, string path, string key)
    {
        if (!File.Exists(path)) throw new ReproInputException($"{key}: {path}: file not found");
        try
        {
            model.load_safetensors(path);
        }
        catch (Exception e) when (e is not ReproInputException)
        {
            throw new ReproInputException($"{key}: {path}: does not fit the configured model ({e.Message.Split('\n')[0]})");
        }
    }

    public void Dispose()
    {
        train?.Dispose();
        Test.Dispose();
    }
}
