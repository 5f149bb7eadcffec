using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Repro.Experiments.Running;

/// <summary>
/// The console side of logging. On a terminal, while a live display shows a sweep, lines go through it so they
/// print above its status lines, never through them (<see cref="LiveDisplay"/>); otherwise plain lines go to the
/// given writer.
/// </summary>
public static class ConsoleLog
{
    public const string Template = "{Timestamp:HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}";

    /// <summary>Bare lines, for a child process whose lines the parent prints with its own timestamps.</summary>
    public const string ChildTemplate = "{Message:lj}{NewLine}";

    public static Logger Create(TextWriter output, bool interactive, string template = Template) =>
        new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Sink(new Sink(output, interactive, template))
            .CreateLogger();

    private sealed class Sink(TextWriter output, bool interactive, string template) : ILogEventSink
    {
        private readonly MessageTemplateTextFormatter formatter = new(template, CultureInfo.InvariantCulture);
        private readonly object gate = new();

        public void Emit(LogEvent logEvent)
        {
            using var text = new StringWriter(CultureInfo.InvariantCulture);
            formatter.Format(logEvent, text);
            lock (gate)
            {
                if (interactive && LiveDisplay.Active is { } display)
                {
                    display.WriteLine(text.ToString());
                }
                else
                {
                    output.Write(text.ToString());
                    output.Flush();
                }
            }
        }
    }
}
