using System.Diagnostics;
using System.Globalization;
using Repro.Experiments.Data;
using Repro.Experiments.Engine;
using Repro.Experiments.Running;
using Repro.Experiments.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Repro.Bench;

/// <summary>
/// The engine benchmark's Repro side: one epoch of Fashion-MNIST with the reference CNN, step for step
/// the workload of bench/pytorch_bench.py. The training set lives in one native tensor; each batch is
/// gathered with index_select from a seeded permutation; the model is TorchSharp's modules; one
/// dispose scope per step. Prints key=value lines for bench/run.sh.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var options = BenchOptions.Parse(args);
        if (options is null) return 2;

        // Seed and thread settings exactly as a run gets them (libtorch's threads, which also run MKL).
        new TorchRunEnvironment().Prepare(checked((int)options.Seed), options.Threads);

        var train = IdxFormat.LoadSplit(options.Data, "train", ClassNames.FashionMnist);
        var n = train.Count;
        var labels = new long[n];
        for (var i = 0; i < n; i++) labels[i] = train.Labels[i];

        long liveBefore, liveAfter;
        double msPerStep, cpuMsPerStep, faultsPerStep, finalLoss;
        int timed;
        using (var xAll = torch.tensor(train.Pixels, [n, train.Channels, train.Height, train.Width]).DetachFromDisposeScope())
        using (var yAll = torch.tensor(labels, [n]).DetachFromDisposeScope())
        using (var model = ReferenceCnn())
        using (var optimizer = torch.optim.SGD(model.parameters(), options.LearningRate))
        using (var order = torch.randperm(n).DetachFromDisposeScope())
        {
            // Counted with the data, model and optimiser alive: the loop itself must leave nothing behind.
            liveBefore = torch.Tensor.TotalCount;
            model.train();
            var fullBatches = n / options.Batch;
            var total = options.Steps == 0 ? fullBatches : Math.Min(fullBatches, options.Warmup + options.Steps);

            double Step(int b)
            {
                using var scope = torch.NewDisposeScope();
                var index = order.slice(0, (long)b * options.Batch, (long)(b + 1) * options.Batch, 1);
                var x = xAll.index_select(0, index);
                var y = yAll.index_select(0, index);
                optimizer.ClearGradients();
                var loss = F.cross_entropy(model.forward(x), y);
                loss.backward();
                optimizer.step();
                // Only the last step reads the loss back, as the PyTorch loop does.
                return b == total - 1 ? loss.ToSingle() : double.NaN;
            }

            for (var b = 0; b < options.Warmup; b++) Step(b);
            var faultsBefore = MinorPageFaults();
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var last = double.NaN;
            for (var b = options.Warmup; b < total; b++) last = Step(b);
            clock.Stop();
            timed = total - options.Warmup;
            msPerStep = clock.Elapsed.TotalMilliseconds / timed;
            cpuMsPerStep = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds / timed;
            faultsPerStep = (double)(MinorPageFaults() - faultsBefore) / timed;
            finalLoss = last;
            optimizer.ClearGradients();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            liveAfter = torch.Tensor.TotalCount;
        }

        Console.WriteLine($"engine=repro TorchSharp {EngineInfo.TorchSharpVersion}, libtorch {EngineInfo.LibtorchVersion}");
        Console.WriteLine($"blas={EngineInfo.Blas}");
        Console.WriteLine(Invariant($"threads={torch.get_num_threads()}"));
        Console.WriteLine(Invariant($"blas_threads={EngineInfo.BlasThreads}"));
        Console.WriteLine(Invariant($"heap_policy={(HeapPolicy.Active ? "retain" : "glibc-default")}"));
        Console.WriteLine(Invariant($"steps={timed}"));
        Console.WriteLine(Invariant($"ms_per_step={msPerStep:F3}"));
        Console.WriteLine(Invariant($"cpu_ms_per_step={cpuMsPerStep:F3}"));
        Console.WriteLine(Invariant($"page_faults_per_step={faultsPerStep:F1}"));
        Console.WriteLine(Invariant($"final_loss={finalLoss:F6}"));
        Console.WriteLine(Invariant($"peak_rss_mb={PeakRssMegabytes():F1}"));
        Console.WriteLine(Invariant($"live_tensors_before={liveBefore}"));
        Console.WriteLine(Invariant($"live_tensors_after={liveAfter}"));
        return liveAfter <= liveBefore ? 0 : 1;
    }

    /// <summary>conv 1->32 3x3 pad 1, relu, maxpool 2; conv 32->64 3x3 pad 1, relu, maxpool 2; fc 3136->128, relu; fc 128->10.</summary>
    static torch.nn.Module<Tensor, Tensor> ReferenceCnn() => torch.nn.Sequential(
        ("conv1", torch.nn.Conv2d(1, 32, 3, padding: 1)),
        ("relu1", torch.nn.ReLU()),
        ("pool1", torch.nn.MaxPool2d(2)),
        ("conv2", torch.nn.Conv2d(32, 64, 3, padding: 1)),
        ("relu2", torch.nn.ReLU()),
        ("pool2", torch.nn.MaxPool2d(2)),
        ("flatten", torch.nn.Flatten()),
        ("fc1", torch.nn.Linear(64 * 7 * 7, 128)),
        ("relu3", torch.nn.ReLU()),
        ("fc2", torch.nn.Linear(128, 10)));

    /// <summary>The process's peak resident set (VmHWM), as getrusage's ru_maxrss reports it to the Python side.</summary>
    static double PeakRssMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    /// <summary>Minor page faults of this process so far (/proc/self/stat field 10, as getrusage's ru_minflt).</summary>
    static long MinorPageFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

sealed class BenchOptions
{
    public string Data { get; private set; } = "/usr/share/datasets/fashion-mnist";
    public int Threads { get; private set; } = 2;
    public int Batch { get; private set; } = 128;
    public double LearningRate { get; private set; } = 0.05;
    public int Warmup { get; private set; } = 5;
    public int Steps { get; private set; }
    public long Seed { get; private set; } = 1;

    /// <summary>The same flags as pytorch_bench.py; null (after a message) on a bad one.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var flag = args[i];
            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"{flag}: missing value");
                return null;
            }
            var value = args[++i];
            var ci = CultureInfo.InvariantCulture;
            switch (flag)
            {
                case "--data": o.Data = value; break;
                case "--threads": o.Threads = int.Parse(value, ci); break;
                case "--batch": o.Batch = int.Parse(value, ci); break;
                case "--lr": o.LearningRate = double.Parse(value, ci); break;
                case "--warmup": o.Warmup = int.Parse(value, ci); break;
                case "--steps": o.Steps = int.Parse(value, ci); break;
                case "--seed": o.Seed = long.Parse(value, ci); break;
                default:
                    Console.Error.WriteLine($"unknown flag {flag}; expected --data --threads --batch --lr --warmup --steps --seed");
                    return null;
            }
        }
        return o;
    }
}
