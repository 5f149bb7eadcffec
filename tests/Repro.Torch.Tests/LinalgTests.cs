using Xunit;

namespace Repro.Torch.Tests;

public class LinalgTests
{
    [Fact]
    public void Solve_returns_the_solution_of_a_hand_worked_system()
    {
        // 2x + y = 5, x + 3y = 10  ->  x = 1, y = 3; second right-hand side 3, 4 -> x = 1, y = 1.
        using var a = torch.tensor(new[] { 2.0, 1.0, 1.0, 3.0 }, 2, 2);
        using var b = torch.tensor(new[] { 5.0, 3.0, 10.0, 4.0 }, 2, 2);
        using var x = torch.linalg.solve(a, b);
        Expect.Close([1, 1, 3, 1], x, 1e-12);
    }

    [Fact]
    public void Solve_of_a_singular_matrix_is_an_exception()
    {
        using var a = torch.tensor(new[] { 1.0, 2.0, 2.0, 4.0 }, 2, 2);
        using var b = torch.tensor(new[] { 1.0, 2.0 }, 2, 1);
        Assert.ThrowsAny<TorchException>(() => torch.linalg.solve(a, b).Dispose());
    }
}
