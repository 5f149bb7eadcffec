using System.CommandLine;
using Repro.Experiments.Engine;

namespace Repro.Runner;

/// <summary><c>repro engine</c>: what the engine is on this machine, and whether its settings hold here.</summary>
public static class EngineCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var threads = new Option<int>("--threads")
        {
            Description = "libtorch threads, set before the first tensor as a run sets them (detection's runs use 1).",
            DefaultValueFactory = _ => 1,
            HelpName = "N",
        };
        var command = new Command("engine",
            "Show the engine (TorchSharp, libtorch, BLAS, threads, heap policy, convolution kernels) and check it on this machine: " +
            "exact float32 convolution gradients, and reuse of large buffers. Exit code 1 when a check fails.") { threads };
        command.SetAction(parsed => Cli.Guard(environment, () =>
        {
            int count = parsed.GetValue(threads);
            if (count < 1) throw new Repro.Experiments.ReproInputException($"--threads: {count} is not a thread count (1 or more)");
            new Repro.Experiments.Running.TorchRunEnvironment().Prepare(0, count);
            var output = environment.Out;
            output.WriteLine($"torchsharp:   {EngineInfo.TorchSharpVersion}");
            output.WriteLine($"libtorch:     {EngineInfo.LibtorchVersion}");
            output.WriteLine($"blas:         {EngineInfo.Blas} ({EngineInfo.BlasThreads} threads)");
            output.WriteLine($"threads:      {EngineInfo.Threads}");
            output.WriteLine($"heap:         {HeapPolicy.Description}");
            output.WriteLine($"convolutions: {ConvolutionBackend.Description}");
            var checks = EngineCheck.RunAll();
            foreach (var check in checks)
                output.WriteLine($"check {check.Name}: {(check.Holds ? "ok" : "FAILED")}, {check.Measured}");
            return checks.All(c => c.Holds) ? Cli.Success : Cli.Failure;
        }));
        return command;
    }
}
