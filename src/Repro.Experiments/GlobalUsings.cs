// The namespaces every experiment, metric and model file uses: the project's own layers and TorchSharp.
global using System.Globalization;
global using Repro.Experiments.Config;
global using Repro.Experiments.Data;
global using Repro.Experiments.Metrics;
global using Repro.Experiments.Models;
global using Repro.Experiments.Reporting;
global using Repro.Experiments.Running;
global using Repro.Experiments.Training;
global using TorchSharp;
global using static TorchSharp.torch;
