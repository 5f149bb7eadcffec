using Repro.Experiments.Config;
using Xunit;

namespace Repro.Experiments.Tests.Config;

public sealed class KeyNamesTests
{
    [Theory]
    [InlineData("TrainSubset", "train_subset")]
    [InlineData("LearningRate", "learning_rate")]
    [InlineData("Fc7Width", "fc7_width")]
    [InlineData("FC7Width", "fc7_width")]
    [InlineData("VocAP", "voc_ap")]
    [InlineData("Seed", "seed")]
    public void Snake_case_of_property_names(string property, string key) => Assert.Equal(key, KeyNames.ToSnakeCase(property));

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("lerning_rate", "learning_rate", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Levenshtein_distance(string a, string b, int distance) => Assert.Equal(distance, KeyNames.Levenshtein(a, b));

    [Fact]
    public void Nearest_key_or_none_when_nothing_is_close()
    {
        string[] keys = ["learning_rate", "epochs", "momentum"];
        Assert.Equal("momentum", KeyNames.Nearest("momentun", keys));
        Assert.Null(KeyNames.Nearest("batch_size", keys));
        Assert.Equal(" (valid: learning_rate, epochs, momentum)", KeyNames.Suggestion("batch_size", keys));
    }
}
