using Xunit;

namespace Repro.Torch.Tests;

/// <summary>The BLAS library's own thread pool, set apart from libtorch's intra-op threads.</summary>
public class ThreadSettingsTests
{
    static bool OpenBlasLoaded() =>
        File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("openblas", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void BlasThreadCountIsSetAndReadBackWhenOpenBlasIsLoaded()
    {
        using (var warm = torch.ones([4, 4])) { using var _ = warm.matmul(warm); }
        if (!OpenBlasLoaded())
        {
            // The reference BLAS has no thread pool: the setting is refused and reads as absent.
            Assert.False(torch.set_blas_threads(1));
            Assert.Equal(-1, torch.get_blas_threads());
            return;
        }
        int before = torch.get_blas_threads();
        try
        {
            Assert.True(torch.set_blas_threads(2));
            Assert.Equal(2, torch.get_blas_threads());
            Assert.True(torch.set_blas_threads(1));
            Assert.Equal(1, torch.get_blas_threads());
        }
        finally
        {
            torch.set_blas_threads(before);
        }
    }

    [Fact]
    public void MatrixProductsAreBitwiseEqualWithOneAndTwoBlasThreads()
    {
        int before = torch.get_blas_threads();
        try
        {
            torch.manual_seed(5);
            using var a = torch.randn([300, 257]);
            using var b = torch.randn([257, 190]);
            torch.set_blas_threads(1);
            using var one = a.matmul(b);
            torch.set_blas_threads(2);
            using var two = a.matmul(b);
            Assert.Equal(one.ToArray<float>(), two.ToArray<float>());
            var expected = Reference(a.ToArray<float>(), b.ToArray<float>(), 300, 257, 190);
            var got = one.ToArray<float>();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(got[i] - expected[i]) <= 1e-3f, $"element {i}: {got[i]} vs {expected[i]}");
        }
        finally
        {
            if (before > 0) torch.set_blas_threads(before);
        }
    }

    static float[] Reference(float[] a, float[] b, int m, int k, int n)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += (double)a[i * k + t] * b[t * n + j];
                c[i * n + j] = (float)s;
            }
        return c;
    }
}
