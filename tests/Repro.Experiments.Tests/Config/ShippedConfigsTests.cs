using System.Text.RegularExpressions;
using Repro.Experiments.Config;
using Repro.Experiments.Reporting;
using Xunit;

namespace Repro.Experiments.Tests.Config;

/// <summary>The shipped configs and the docs that quote them: shared blocks live once, named files exist.</summary>
public sealed class ShippedConfigsTests
{
    static readonly string Root = RepositoryRoot.Find();

    [Fact]
    public void The_zf_net_experiments_inherit_the_shared_block_and_repeat_none_of_its_values()
    {
        var baseFile = YamlConfigReader.ReadFile(Path.Combine(Root, "configs", "base", "zf-net.yaml"));
        Assert.Null(baseFile.Get("experiment"));
        foreach (var name in new[] { "baseline", "invariance", "layer-ablation", "transfer" })
        {
            var file = YamlConfigReader.ReadFile(Path.Combine(Root, "configs", name + ".yaml"));
            Assert.Equal("base/zf-net.yaml", (file.Get("base") as ConfigScalar)?.Value);
            var repeated = new List<string>();
            Repeats(baseFile, file, "", repeated);
            Assert.True(repeated.Count == 0, $"configs/{name}.yaml repeats the base's value of {string.Join(", ", repeated)}");
        }
    }

    /// <summary>Leaf paths where <paramref name="child"/> sets exactly the value <paramref name="under"/> already has.</summary>
    static void Repeats(ConfigMap under, ConfigMap child, string prefix, List<string> repeated)
    {
        foreach (var (key, value) in child.Entries)
        {
            var inherited = under.Get(key);
            if (inherited is ConfigMap innerBase && value is ConfigMap innerChild)
                Repeats(innerBase, innerChild, prefix + key + ".", repeated);
            else if (inherited is not null && inherited is not ConfigMap && Text(inherited) == Text(value))
                repeated.Add(prefix + key);
        }
    }

    static string Text(ConfigNode node) => node switch
    {
        ConfigScalar s => s.Value ?? "null",
        ConfigList l => "[" + string.Join(",", l.Items.Select(Text)) + "]",
        _ => "{map}",
    };

    [Fact]
    public void Every_config_file_the_readme_and_docs_name_exists()
    {
        var pages = Directory.GetFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(Root, "README.md"));
        var missing = new List<string>();
        foreach (var page in pages)
            foreach (Match m in Regex.Matches(File.ReadAllText(page), @"configs/[a-z0-9_./-]+\.yaml\b"))
                if (!File.Exists(Path.Combine(Root, m.Value)))
                    missing.Add($"{Path.GetRelativePath(Root, page)}: {m.Value}");
        Assert.True(missing.Count == 0, "named but missing: " + string.Join("; ", missing));
    }
}
