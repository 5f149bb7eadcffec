namespace Repro.Experiments.Training;

/// <summary>
/// Thrown by training when the loss becomes NaN or infinite. The runner records the run as failed with this
/// message as the reason and carries on with the rest of the sweep.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    public NonFiniteLossException(string message) : base(message) { }

    public NonFiniteLossException(double loss, long step)
        : base(FormattableString.Invariant($"non-finite loss {loss} at step {step}"))
    {
        Loss = loss;
        Step = step;
    }

    public double Loss { get; } = double.NaN;

    public long Step { get; } = -1;
}
