namespace Repro.Experiments.Running.Launchers;

/// <summary>
/// Whether the compute nodes can see a folder of the submitting machine. Every task writes its run into the results
/// folder and starts the build from the repository, so both must be on a file system that every node mounts at
/// the same path. What can be told from here: a cluster whose only node is this machine sees all of it; otherwise
/// a folder under /tmp, /var/tmp, /dev/shm or /run, or on a memory file system, is this machine's alone. A local
/// disk may still be exported to the nodes (a head node's NFS export reads as ext4 on the head node), so it only
/// earns a warning.
/// </summary>
public static class SharedFolders
{
    public static readonly IReadOnlyList<string> NodeLocalRoots = ["/tmp", "/var/tmp", "/dev/shm", "/run"];

    private static readonly HashSet<string> MemoryFileSystems = new(StringComparer.Ordinal) { "tmpfs", "ramfs", "devtmpfs" };

    private static readonly HashSet<string> LocalDiskFileSystems = new(StringComparer.Ordinal) { "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "overlay" };

    /// <summary>True when every node of <paramref name="nodes"/> is this machine (a one-node cluster on localhost).</summary>
    public static bool OnlyThisHost(IReadOnlyList<SlurmNode> nodes, string thisHost) =>
        nodes.Count > 0 && nodes.All(n => Hosts.Same(n.Name, thisHost) || Hosts.Same(n.Host, thisHost) || n.Host is "localhost" or "127.0.0.1");

    /// <summary>
    /// Null when the nodes can see <paramref name="path"/> as far as can be told from here, otherwise why not
    /// ("is under /tmp, ..."). <paramref name="mountInfo"/> is /proc/self/mountinfo's text.
    /// </summary>
    public static string? WhyNotShared(string path, IReadOnlyList<SlurmNode> nodes, string thisHost, string mountInfo)
    {
        if (OnlyThisHost(nodes, thisHost))
            return null;
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string where = nodes.Count == 1 ? $"the cluster's node {nodes[0].Name}" : $"each of the cluster's {nodes.Count} nodes";
        foreach (var root in NodeLocalRoots)
            if (full == root || full.StartsWith(root + "/", StringComparison.Ordinal))
                return $"is under {root}, which {where} has its own of";
        if (MountOf(full, mountInfo) is { } mount && MemoryFileSystems.Contains(mount.FileSystem))
            return $"is on a {mount.FileSystem} ({mount.MountPoint}), this machine's memory, which {where} cannot see";
        return null;
    }

    /// <summary>A caution for a folder on a local disk of a multi-node cluster; null otherwise.</summary>
    public static string? Caution(string path, IReadOnlyList<SlurmNode> nodes, string thisHost, string mountInfo)
    {
        if (OnlyThisHost(nodes, thisHost))
            return null;
        string full = Path.GetFullPath(path);
        return MountOf(full, mountInfo) is { } mount && LocalDiskFileSystems.Contains(mount.FileSystem)
            ? $"{full} is on a local {mount.FileSystem} file system ({mount.MountPoint}); the nodes must mount it at the same path (an NFS export) or the tasks fail"
            : null;
    }

    /// <summary>The mount holding <paramref name="path"/> (the longest mount point above it) and its file system type.</summary>
    public static (string MountPoint, string FileSystem)? MountOf(string path, string mountInfo)
    {
        (string MountPoint, string FileSystem)? best = null;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "36 35 98:0 /root /mnt/point rw,noatime shared:1 - ext4 /dev/vda rw": field 5 is the mount point,
            // the first field after the lone "-" the file system type.
            var fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 1 >= fields.Length)
                continue;
            string mountPoint = Unescape(fields[4]);
            bool contains = mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            // Later lines mount over earlier ones at the same point, so >= keeps the last.
            if (contains && (best is null || mountPoint.Length >= best.Value.MountPoint.Length))
                best = (mountPoint, fields[separator + 1]);
        }
        return best;
    }

    /// <summary>This machine's mount table; empty where there is none to read.</summary>
    public static string ReadMountInfo()
    {
        try
        {
            return File.ReadAllText("/proc/self/mountinfo");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    // mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040).
    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}
