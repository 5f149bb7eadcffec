using Repro.Experiments.Config;
using Repro.Experiments.Running;
using Repro.Experiments.Tests.Running;
using Xunit;

namespace Repro.Experiments.Tests.Config;

public sealed class ConfigResolverTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly ConfigResolver resolver = new(new ExperimentRegistry([new ToyExperiment(), new OtherExperiment()]));

    public void Dispose() => folder.Dispose();

    private ReproInputException Fails(string file, string? profile = ConfigResolver.DefaultProfile, params string[] overrides) =>
        Assert.Throws<ReproInputException>(() => resolver.Resolve(file, profile, overrides));

    private static ToyOptions Options(ResolvedRun run) => (ToyOptions)run.Options;

    [Fact]
    public void Unknown_key_names_file_line_section_and_nearest_key()
    {
        string file = folder.Write("x.yaml", """
            experiment: toy
            options:
              train_subset: 50
              train:
                lerning_rate: 0.1
            """);
        var e = Fails(file);
        Assert.Equal($"{file}:5: unknown key 'lerning_rate' in options.train (did you mean 'learning_rate'?)", e.Message);
    }

    [Fact]
    public void Unknown_top_level_key_suggests_a_harness_key()
    {
        string file = folder.Write("x.yaml", "experiment: toy\nsede: 3\n");
        Assert.Equal($"{file}:2: unknown key 'sede' in the config (did you mean 'seed'?)", Fails(file).Message);
    }

    [Fact]
    public void Wrong_type_names_line_key_expected_type_and_value()
    {
        string file = folder.Write("x.yaml", "experiment: toy\noptions:\n  train:\n    epochs: ten\n");
        Assert.Equal($"{file}:4: 'options.train.epochs' expects an integer, got 'ten'", Fails(file).Message);
    }

    [Fact]
    public void Quoted_number_is_text_not_an_integer()
    {
        string file = folder.Write("x.yaml", "experiment: toy\noptions:\n  train_subset: \"50\"\n");
        Assert.Equal($"{file}:3: 'options.train_subset' expects an integer, got the text \"50\"", Fails(file).Message);
    }

    [Fact]
    public void Enum_value_gets_a_suggestion()
    {
        string file = folder.Write("x.yaml", "experiment: toy\noptions:\n  labels: randm\n");
        Assert.Equal(
            $"{file}:3: 'options.labels' expects one of true, random, shuffled_pixels, got 'randm' (did you mean 'random'?)",
            Fails(file).Message);
    }

    [Fact]
    public void Malformed_yaml_names_file_line_and_column()
    {
        string file = folder.Write("x.yaml", "experiment: toy\noptions:\n  train: [1, 2\n  seed: 3\n");
        var e = Fails(file);
        Assert.StartsWith($"{file}:", e.Message);
        Assert.Contains("malformed YAML", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        // The parser reports the position where the flow sequence went wrong, on line 3 or 4.
        Assert.Matches(@":(3|4):\d+: malformed YAML: ", e.Message);
    }

    [Fact]
    public void Missing_base_file_is_named_with_the_line_of_base()
    {
        string file = folder.Write("x.yaml", "experiment: toy\nbase: shared/nothere.yaml\n");
        var e = Fails(file);
        Assert.Equal($"{file}:2: base file '{Path.Combine(folder.Path, "shared/nothere.yaml")}' not found", e.Message);
    }

    [Fact]
    public void Missing_config_file_is_an_input_error()
    {
        string file = folder.Combine("none.yaml");
        Assert.Equal($"{file}: config file not found", Fails(file).Message);
    }

    [Fact]
    public void Base_maps_merge_child_wins_lists_replace()
    {
        folder.Write("shared/base.yaml", """
            experiment: toy
            seed: 4
            options:
              dataset: mnist
              train:
                learning_rate: 0.05
                epochs: 5
                milestones: [1, 2, 3]
            """);
        string file = folder.Write("x.yaml", """
            base: shared/base.yaml
            options:
              train:
                epochs: 7
                milestones: [9]
            """);
        var run = Assert.Single(resolver.Resolve(file));
        var o = Options(run);
        Assert.Equal(4, run.Seed);
        Assert.Equal("mnist", o.Dataset);
        Assert.Equal(0.05, o.Train.LearningRate);
        Assert.Equal(7, o.Train.Epochs);
        Assert.Equal([9], o.Train.Milestones);
    }

    [Fact]
    public void Base_chain_that_loops_is_an_error()
    {
        folder.Write("a.yaml", "base: b.yaml\n");
        string b = folder.Write("b.yaml", "base: a.yaml\nexperiment: toy\n");
        Assert.Contains("loops back", Fails(b).Message);
    }

    private string ProfiledConfig() => folder.Write("x.yaml", """
        experiment: toy
        options:
          train:
            epochs: 30
        profiles:
          smoke:
            options:
              train_subset: 10
              train:
                epochs: 1
          quick:
            options:
              train:
                epochs: 3
        """);

    [Fact]
    public void Profile_is_merged_over_the_file_and_quick_is_the_default()
    {
        string file = ProfiledConfig();
        Assert.Equal(3, Options(resolver.Resolve(file).Single()).Train.Epochs);
        var smoke = Options(resolver.Resolve(file, "smoke").Single());
        Assert.Equal(1, smoke.Train.Epochs);
        Assert.Equal(10, smoke.TrainSubset);
        Assert.Equal(0.1, smoke.Train.LearningRate);
    }

    [Fact]
    public void Unknown_profile_lists_the_defined_ones()
    {
        string file = ProfiledConfig();
        Assert.Equal($"{file}: profile 'full' is not defined (defined: smoke, quick)", Fails(file, "full").Message);
    }

    [Fact]
    public void Set_overrides_after_the_profile()
    {
        string file = ProfiledConfig();
        var run = resolver.Resolve(file, "smoke", ["options.train.learning_rate=0.5", "options.train.milestones=[2, 4]", "seed=9"]).Single();
        Assert.Equal(0.5, Options(run).Train.LearningRate);
        Assert.Equal([2, 4], Options(run).Train.Milestones);
        Assert.Equal(1, Options(run).Train.Epochs);
        Assert.Equal(9, run.Seed);
    }

    [Fact]
    public void Set_with_a_bad_path_names_the_override_and_suggests()
    {
        string file = ProfiledConfig();
        Assert.Equal(
            "--set options.train.lerning_rate=0.5: unknown key 'lerning_rate' in options.train (did you mean 'learning_rate'?)",
            Fails(file, "quick", "options.train.lerning_rate=0.5").Message);
        Assert.Equal("--set optoins.seed=1: unknown key 'optoins' (did you mean 'options'?)",
            Fails(file, "quick", "optoins.seed=1").Message);
        Assert.Equal("--set seed: expected key.path=value", Fails(file, "quick", "seed").Message);
    }

    [Fact]
    public void Sweep_is_a_cartesian_product_with_the_first_key_slowest()
    {
        string file = folder.Write("x.yaml", """
            experiment: toy
            sweep:
              seed: [0, 1, 2]
              options.labels: [true, random]
            """);
        var runs = resolver.Resolve(file);
        Assert.Equal(6, runs.Count);
        Assert.Equal([0, 0, 1, 1, 2, 2], runs.Select(r => r.Seed));
        Assert.Equal([LabelMode.True, LabelMode.Random, LabelMode.True, LabelMode.Random, LabelMode.True, LabelMode.Random],
            runs.Select(r => Options(r).Labels));
        Assert.Equal(
            [new("seed", "1"), new KeyValuePair<string, string>("options.labels", "random")],
            runs[3].SweptParameters);
    }

    [Fact]
    public void A_swept_map_or_list_is_reported_with_its_resolved_value()
    {
        // A sweep over whole sections (random labels' options.setting, architectures' options.arm): the summary's
        // parameter column must tell the runs apart, so it carries the section's resolved value, defaults included.
        string file = folder.Write("x.yaml", """
            experiment: toy
            sweep:
              options.train:
                - {learning_rate: 0.5}
                - {epochs: 4, milestones: [1, 3]}
              options.train.milestones: [[2], [7, 8]]
            """);
        var runs = resolver.Resolve(file);
        Assert.Equal(4, runs.Count);
        Assert.Equal(
            [new("options.train", "{learning_rate: 0.5, epochs: 2, milestones: [2]}"), new KeyValuePair<string, string>("options.train.milestones", "[2]")],
            runs[0].SweptParameters);
        Assert.Equal("{learning_rate: 0.1, epochs: 4, milestones: [7, 8]}", runs[3].SweptParameters[0].Value);
        Assert.Equal("[7, 8]", runs[3].SweptParameters[1].Value);
        Assert.Equal(4, runs.Select(r => string.Join(";", r.SweptParameters.Select(p => p.Value))).Distinct().Count());
    }

    [Fact]
    public void Sweep_value_of_the_wrong_type_points_at_its_line()
    {
        string file = folder.Write("x.yaml", "experiment: toy\nsweep:\n  options.train.epochs:\n    - 1\n    - two\n");
        Assert.Equal($"{file}:5: 'options.train.epochs' expects an integer, got 'two'", Fails(file).Message);
    }

    [Fact]
    public void Sweep_key_with_a_typo_points_at_the_sweep_line()
    {
        string file = folder.Write("x.yaml", "experiment: toy\nsweep:\n  options.train.epoch: [1, 2]\n");
        Assert.Equal($"{file}:3: unknown key 'epoch' in options.train (did you mean 'epochs'?)", Fails(file).Message);
    }

    [Fact]
    public void Sweep_wins_over_set_for_the_same_key()
    {
        string file = folder.Write("x.yaml", "experiment: toy\nsweep:\n  seed: [5, 6]\n");
        Assert.Equal([5, 6], resolver.Resolve(file, overrides: ["seed=1"]).Select(r => r.Seed));
    }

    [Fact]
    public void Unknown_experiment_gets_a_suggestion()
    {
        string file = folder.Write("x.yaml", "experiment: trasnfer\n");
        Assert.Equal($"{file}:1: unknown experiment 'trasnfer' (did you mean 'transfer'?)", Fails(file).Message);
    }

    [Fact]
    public void Claims_and_tolerances_bind_with_defaults()
    {
        string file = folder.Write("x.yaml", """
            experiment: toy
            claims:
              - name: random labels are fitted
                metric: train_accuracy
                where: {options.labels: random}
                compare: ">="
                threshold: 0.99
                paper: "1.00"
            tolerances:
              test_accuracy: {abs: 0.01}
              seconds: {rel: 0.5}
            """);
        var run = resolver.Resolve(file).Single();
        var claim = Assert.Single(run.Claims);
        Assert.Equal(new ClaimSpec("random labels are fitted", "train_accuracy", claim.Where, "mean", ">=", 0.99, "1.00"), claim);
        Assert.Equal("random", claim.Where["options.labels"]);
        Assert.Equal(new ToleranceSpec(0.01, null), run.Tolerances["test_accuracy"]);
        Assert.Equal(new ToleranceSpec(null, 0.5), run.Tolerances["seconds"]);
    }

    [Fact]
    public void Claim_with_a_bad_comparison_is_rejected()
    {
        string file = folder.Write("x.yaml", "experiment: toy\nclaims:\n  - {name: a, metric: m, compare: \"=>\", threshold: 1}\n");
        Assert.Equal($"{file}:3: 'claims[0].compare' expects one of >=, <=, >, <, got the text \"=>\"", Fails(file).Message);
    }

    [Fact]
    public void Resolved_config_is_written_in_a_fixed_order_with_every_option()
    {
        string file = folder.Write("x.yaml", """
            options:
              train: {epochs: 3}
              weight_decay: 0.0005
              dataset: "on"
            seed: 2
            claims:
              - {threshold: 0.9, compare: ">=", metric: test_accuracy, name: accuracy reaches 0.9}
            experiment: toy
            description: a toy run
            """);
        var run = resolver.Resolve(file).Single();
        const string expected = """
            experiment: toy
            description: a toy run
            seed: 2
            options:
              train_subset: 100
              labels: true
              train:
                learning_rate: 0.1
                epochs: 3
                milestones: [5]
              weight_decay: 0.0005
              dataset: "on"
              augment: false
              steps: 10
            claims:
              - name: accuracy reaches 0.9
                metric: test_accuracy
                aggregate: mean
                compare: ">="
                threshold: 0.9

            """;
        Assert.Equal(expected.Replace("\r\n", "\n"), run.ConfigYaml);
    }

    [Fact]
    public void Resolved_config_reads_back_to_the_same_run()
    {
        string file = folder.Write("x.yaml", """
            experiment: toy
            options: {labels: shuffled_pixels, dataset: "1e5", train: {milestones: []}}
            claims: [{name: "x: y", metric: a, compare: "<", threshold: 1e-3, where: {seed: 1}}]
            tolerances: {a: {abs: 0.1, rel: 0.2}}
            """);
        var run = resolver.Resolve(file).Single();
        string written = folder.Write("run/config.yaml", run.ConfigYaml);
        var again = resolver.Resolve(written, profile: null).Single();
        Assert.Equal(run.ConfigYaml, again.ConfigYaml);
        Assert.Equal("1e5", Options(again).Dataset);
        Assert.Equal(LabelMode.ShuffledPixels, Options(again).Labels);
        Assert.Equal(run.RunId("v1"), again.RunId("v1"));
    }

    [Fact]
    public void Run_id_depends_on_resolved_values_and_code_version_only()
    {
        string a = folder.Write("a.yaml", "experiment: toy\nseed: 1\noptions: {train: {epochs: 2}}\n");
        // Same values written differently (defaults spelled out, other order, a description and a claim).
        string b = folder.Write("b.yaml",
            "description: same run\noptions: {train: {learning_rate: 0.1}}\nseed: 1\nexperiment: toy\n" +
            "claims: [{name: n, metric: m, compare: \">\", threshold: 0}]\nprofiles: {smoke: {seed: 8}, quick: {}}\n");
        string c = folder.Write("c.yaml", "experiment: toy\nseed: 1\noptions: {train: {epochs: 3}}\n");
        string idA = resolver.Resolve(a).Single().RunId("v1");
        Assert.Matches("^[0-9a-f]{12}$", idA);
        Assert.Equal(idA, resolver.Resolve(a).Single().RunId("v1"));
        Assert.Equal(idA, resolver.Resolve(b).Single().RunId("v1"));
        Assert.NotEqual(idA, resolver.Resolve(c).Single().RunId("v1"));
        Assert.NotEqual(idA, resolver.Resolve(b, "smoke").Single().RunId("v1"));
        Assert.NotEqual(idA, resolver.Resolve(a).Single().RunId("v2"));
    }
}
