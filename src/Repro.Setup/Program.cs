using Repro.Setup;

return SetupCommands.Run(args, Console.Out, Console.Error);
