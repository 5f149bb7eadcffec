using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Repro.Experiments.Running;
using Repro.Experiments.Training;

namespace Repro.Experiments.Tests.Running;

public enum LabelMode
{
    True,
    Random,
    ShuffledPixels,
}

public sealed class ToyTrainOptions
{
    public double LearningRate { get; set; } = 0.1;

    public int Epochs { get; set; } = 2;

    public List<int> Milestones { get; set; } = [5];
}

public sealed class ToyOptions
{
    public int TrainSubset { get; set; } = 100;

    public LabelMode Labels { get; set; } = LabelMode.True;

    public ToyTrainOptions Train { get; set; } = new();

    public double? WeightDecay { get; set; }

    public string Dataset { get; set; } = "fashion-mnist";

    public bool Augment { get; set; }

    public long Steps { get; set; } = 10;
}

/// <summary>
/// A test experiment that trains nothing: it logs one loss per epoch and reports an accuracy computed from its
/// options, and fails with a non-finite loss when the learning rate is above 10 (as a diverging SGD would).
/// </summary>
public sealed class ToyExperiment : Experiment<ToyOptions>
{
    private int runs;

    public override string Name => "toy";

    public override string Description => "test experiment with typed options";

    public int RunCount => runs;

    public List<string> RunIds { get; } = new();

    public override RunResult Run(ToyOptions options, RunContext context)
    {
        Interlocked.Increment(ref runs);
        lock (RunIds)
            RunIds.Add(context.RunId);
        for (int epoch = 1; epoch <= options.Train.Epochs; epoch++)
        {
            double loss = options.Train.LearningRate > 10 ? double.NaN : 1.0 / epoch;
            if (double.IsNaN(loss))
                throw new NonFiniteLossException(loss, epoch);
            context.Metrics.Log(epoch, "train", "loss", loss);
            context.Progress.Report(new EpochProgress(epoch, options.Train.Epochs));
        }
        double accuracy = options.Labels == LabelMode.True ? 0.9 : 0.1;
        return RunResult.Of(("test_accuracy", accuracy), ("seed", context.Seed));
    }
}

/// <summary>An experiment whose options hold only a name, so that registry and did-you-mean tests have two names.</summary>
public sealed class OtherExperiment : Experiment<OtherOptions>
{
    public override string Name => "transfer";

    public override string Description => "second test experiment";

    public override RunResult Run(OtherOptions options, RunContext context) => RunResult.Of(("accuracy", 0.5));
}

public sealed class OtherOptions
{
    public int CopiedDepth { get; set; } = 3;
}

/// <summary>Records what the runner asked of the engine instead of calling libtorch.</summary>
public sealed class FakeEngine : IRunEnvironment
{
    public List<(int Seed, int Threads)> Prepared { get; } = new();

    public void Prepare(int seed, int threads)
    {
        lock (Prepared)
            Prepared.Add((seed, threads));
    }

    public string ResolveDevice(string requested) => requested == "auto" ? "cpu" : requested;

    public string? LibtorchVersion => "test";

    public string? Blas => "none";
}

public sealed class RecordedReport
{
    public List<(string ResultsDirectory, string Experiment, IReadOnlyList<ClaimSpec> Claims, string ReportDirectory)> Calls { get; } = new();

    public void Build(string resultsDirectory, string experiment, IExperiment _, IReadOnlyList<ClaimSpec> claims, string reportDirectory) =>
        Calls.Add((resultsDirectory, experiment, claims, reportDirectory));
}

/// <summary>A temporary folder for config files and results, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "repro-tests-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string content)
    {
        string file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content.Replace("\r\n", "\n"));
        return file;
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
