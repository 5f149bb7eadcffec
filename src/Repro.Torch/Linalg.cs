namespace Repro.Torch;

public static partial class torch
{
    /// <summary>torch.linalg: dense linear algebra (LAPACK through libtorch).</summary>
    public static class linalg
    {
        /// <summary>The solution X of A X = B for square, invertible A [.., n, n] and B [.., n, k] or [.., n].</summary>
        public static Tensor solve(Tensor A, Tensor B) => Aten.linalg_solve.Call().T(A).T(B).ToTensor();
    }
}
