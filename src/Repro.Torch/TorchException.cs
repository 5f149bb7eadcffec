namespace Repro.Torch;

/// <summary>An error raised inside libtorch (or the shim), carrying libtorch's own message.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string operation, string nativeMessage)
        : base($"{operation}: {FirstLines(nativeMessage)}")
    {
        Operation = operation;
        NativeMessage = nativeMessage;
    }

    /// <summary>The operator or binding call that failed, e.g. "aten::conv2d".</summary>
    public string Operation { get; }

    /// <summary>libtorch's message, unabridged.</summary>
    public string NativeMessage { get; }

    static string FirstLines(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" ", lines.Take(3));
    }
}
