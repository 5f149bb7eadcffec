namespace Repro.Experiments.Tests.Experiments.RandomLabels;

/// <summary>
/// Outputs of the corruption functions for seed 42, recorded once from a separate process. A test that matches
/// them shows the corruption does not depend on the process (hash randomisation, thread timing, runtime version).
/// </summary>
static class Golden
{
    public static readonly int[] RandomLabels42 = [8, 9, 4, 8, 8, 0, 3, 6, 4, 6, 7, 9];
    public static readonly int[] Permutation42 = [9, 0, 8, 5, 1, 6, 2, 7, 4, 3];
    public static readonly float[] Gaussian42 = [0.39084092f, 0.5290851f, 0.705647f];
}
