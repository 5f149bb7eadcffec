return Repro.Runner.Cli.InvokeFromConsole(args);
