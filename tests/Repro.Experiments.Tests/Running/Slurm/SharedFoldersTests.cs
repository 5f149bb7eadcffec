using Repro.Experiments.Running.Launchers;
using Xunit;

namespace Repro.Experiments.Tests.Running.Slurm;

public sealed class SharedFoldersTests
{
    private const string MountInfo = """
        22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
        25 22 0:21 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw
        30 22 0:40 / /scratch/fast rw,relatime shared:9 - tmpfs tmpfs rw,size=1g
        31 22 0:41 /export/home /home rw,relatime shared:10 - nfs4 storage:/export/home rw,vers=4.2
        32 31 0:42 / /home/u/my\040data rw,relatime shared:11 - lustre 10.0.0.1@tcp:/lus rw
        """;

    private static readonly IReadOnlyList<SlurmNode> TwoNodes = [new("node1", "node1"), new("node2", "node2")];

    [Fact]
    public void The_mount_of_a_path_is_the_longest_mount_point_above_it()
    {
        Assert.Equal(("/home", "nfs4"), SharedFolders.MountOf("/home/u/results", MountInfo));
        Assert.Equal(("/home/u/my data", "lustre"), SharedFolders.MountOf("/home/u/my data/results", MountInfo));
        Assert.Equal(("/", "ext4"), SharedFolders.MountOf("/homework", MountInfo));
        Assert.Equal(("/scratch/fast", "tmpfs"), SharedFolders.MountOf("/scratch/fast/r", MountInfo));
        Assert.Null(SharedFolders.MountOf("/x", ""));
    }

    [Fact]
    public void On_a_cluster_of_other_machines_tmp_and_memory_file_systems_are_not_shared()
    {
        Assert.Equal("is under /tmp, which each of the cluster's 2 nodes has its own of",
            SharedFolders.WhyNotShared("/tmp/results", TwoNodes, "login1", MountInfo));
        Assert.StartsWith("is under /dev/shm", SharedFolders.WhyNotShared("/dev/shm/r", TwoNodes, "login1", MountInfo));
        Assert.StartsWith("is under /var/tmp", SharedFolders.WhyNotShared("/var/tmp", TwoNodes, "login1", MountInfo));
        Assert.Equal("is on a tmpfs (/scratch/fast), this machine's memory, which each of the cluster's 2 nodes cannot see",
            SharedFolders.WhyNotShared("/scratch/fast/results", TwoNodes, "login1", MountInfo));
        Assert.Null(SharedFolders.WhyNotShared("/home/u/results", TwoNodes, "login1", MountInfo));
        Assert.Null(SharedFolders.WhyNotShared("/tmpfiles/results", TwoNodes, "login1", MountInfo));
        // A single node that is not this machine cannot see this machine's /tmp either.
        Assert.Equal("is under /tmp, which the cluster's node node1 has its own of",
            SharedFolders.WhyNotShared("/tmp/r", [new("node1", "node1")], "login1", MountInfo));
    }

    [Fact]
    public void A_cluster_whose_only_node_is_this_machine_sees_everything()
    {
        Assert.Null(SharedFolders.WhyNotShared("/tmp/results", [new("vm", "vm")], "vm", MountInfo));
        Assert.Null(SharedFolders.WhyNotShared("/tmp/results", [new("vm", "vm.cluster.example")], "VM", MountInfo));
        Assert.Null(SharedFolders.WhyNotShared("/dev/shm/r", [new("n1", "localhost")], "vm", MountInfo));
        Assert.Null(SharedFolders.Caution("/work/results", [new("vm", "vm")], "vm", MountInfo));
    }

    [Fact]
    public void A_local_disk_on_a_multi_node_cluster_earns_a_caution_and_a_network_file_system_none()
    {
        Assert.StartsWith("/work/results is on a local ext4 file system (/)", SharedFolders.Caution("/work/results", TwoNodes, "login1", MountInfo));
        Assert.Null(SharedFolders.Caution("/home/u/results", TwoNodes, "login1", MountInfo));
    }
}
