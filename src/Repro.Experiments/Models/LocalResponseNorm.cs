namespace Repro.Experiments.Models;

/// <summary>
/// Local response normalisation across channels (Krizhevsky et al.; the ZF net's "contrast normalisation"):
/// b_c = a_c / (k + alpha/n * sum_{c' in window(c)} a_c'^2)^beta, the same function as
/// torch.nn.functional.local_response_norm. PyTorch writes the window sum as an avg_pool3d over a padded copy;
/// here it is a difference of two slices of one cumulative sum, and the power is exp(-beta log x): a third of the
/// cost forward and backward on the ZF-style net's layers 1 and 2 (see the engine tests for the equality).
/// </summary>
public sealed class LocalResponseNorm : torch.nn.Module<Tensor, Tensor>
{
    public LocalResponseNorm(long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0) : base("LocalResponseNorm")
    {
        if (size < 1) throw new ArgumentException($"local response norm: size must be >= 1, got {size}");
        Size = size;
        Alpha = alpha;
        Beta = beta;
        K = k;
    }

    public long Size { get; }
    public double Alpha { get; }
    public double Beta { get; }
    public double K { get; }

    public override Tensor forward(Tensor input) => Apply(input, Size, Alpha, Beta, K);

    public static Tensor Apply(Tensor input, long size, double alpha = 1e-4, double beta = 0.75, double k = 1.0)
    {
        if (input.dim() != 4) throw new ArgumentException($"local response norm expects [N,C,H,W], got {input.dim()} dims");
        using var scope = torch.NewDisposeScope();
        var channels = input.size(1);
        // One zero channel in front, then PyTorch's window: size/2 channels before, (size-1)/2 after.
        var padded = torch.nn.functional.pad(input.mul(input), [0, 0, 0, 0, size / 2 + 1, (size - 1) / 2]);
        var cumulative = padded.cumsum(1);
        var window = cumulative.narrow(1, size, channels) - cumulative.narrow(1, 0, channels);
        var result = input.mul(window.mul(alpha / size).add(k).log().mul(-beta).exp());
        return scope.MoveToOuter(result);
    }
}
