using Xunit;

// Experiment runs set process-wide libtorch state (the global generator's seed, the intra-op thread count);
// two classes running experiments at once would change each other's results, so test classes run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
