namespace Repro.Experiments.Data;

/// <summary>Class names of the built-in data sets, in label order.</summary>
public static class ClassNames
{
    /// <summary>Fashion-MNIST, from the data set's README (zalandoresearch/fashion-mnist).</summary>
    public static string[] FashionMnist => new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    public static string[] Digits => new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

    /// <summary>CIFAR-10, as in its batches.meta.txt.</summary>
    public static string[] Cifar10 => new[]
    {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    };
}
