using System.Globalization;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Spectre.Console;

namespace Repro.Experiments.Running;

/// <summary>
/// The console side of logging. On a terminal lines go through Spectre.Console so they print above the live
/// progress bars instead of through them; otherwise plain lines go to the given writer.
/// </summary>
public static class ConsoleLog
{
    public const string Template = "{Timestamp:HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}";

    public static Logger Create(TextWriter output, bool interactive, LogEventLevel minimum = LogEventLevel.Information) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(minimum)
            .WriteTo.Sink(new Sink(output, interactive))
            .CreateLogger();

    private sealed class Sink(TextWriter output, bool interactive) : ILogEventSink
    {
        private readonly MessageTemplateTextFormatter formatter = new(Template, CultureInfo.InvariantCulture);
        private readonly object gate = new();

        public void Emit(LogEvent logEvent)
        {
            using var text = new StringWriter(CultureInfo.InvariantCulture);
            formatter.Format(logEvent, text);
            lock (gate)
            {
                if (interactive)
                    AnsiConsole.Write(new Text(text.ToString()));
                else
                {
                    output.Write(text.ToString());
                    output.Flush();
                }
            }
        }
    }
}
