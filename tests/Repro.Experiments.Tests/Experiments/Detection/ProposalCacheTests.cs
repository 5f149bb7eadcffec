using Repro.Experiments.Data;
using Repro.Experiments.Detection;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace Repro.Experiments.Tests.Experiments.Detection;

public sealed class ProposalCacheTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("repro-proposals").FullName;
    readonly SelectiveSearchOptions search = new() { MaxBoxes = 200, BaseK = 100, IncK = 100, SegmentMinSize = 20 };

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Images of random coloured blocks written as PNG files, with a counter of how often each was decoded for a search.</summary>
    List<ProposalCache.Entry> Images(int count, int[] searches)
    {
        var entries = new List<ProposalCache.Entry>();
        for (int i = 0; i < count; i++)
        {
            var random = new Random(i);
            var pixels = new byte[3 * 48 * 48];
            for (int by = 0; by < 4; by++)
                for (int bx = 0; bx < 4; bx++)
                {
                    var colour = new[] { (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256) };
                    for (int y = by * 12; y < by * 12 + 12; y++)
                        for (int x = bx * 12; x < bx * 12 + 12; x++)
                            for (int c = 0; c < 3; c++) pixels[(c * 48 + y) * 48 + x] = colour[c];
                }
            string path = Path.Combine(folder, $"image{i}.png");
            using (var image = torch.tensor(pixels, new long[] { 3, 48, 48 })) ImageFiles.Write(image, path);
            int index = i;
            entries.Add(new ProposalCache.Entry($"image{i}", path, () =>
            {
                Interlocked.Increment(ref searches[index]);
                Thread.Sleep(20); // long enough for the other cache to come to the same image meanwhile
                return ImageFiles.Read(path);
            }));
        }
        return entries;
    }

    [Fact]
    public void Two_caches_at_once_search_each_image_once_and_return_the_same_boxes()
    {
        var searches = new int[12];
        var entries = Images(12, searches);
        var cacheA = new ProposalCache(Path.Combine(folder, "cache"), search);
        var cacheB = new ProposalCache(Path.Combine(folder, "cache"), search);
        List<Tensor>? a = null, b = null;
        var threadA = new Thread(() => a = cacheA.GetAll(entries, CancellationToken.None));
        var threadB = new Thread(() => b = cacheB.GetAll(entries, CancellationToken.None));
        threadA.Start(); threadB.Start();
        threadA.Join(); threadB.Join();

        Assert.All(searches, n => Assert.Equal(1, n));
        Assert.Equal(12, cacheA.Misses + cacheB.Misses);
        Assert.True(cacheA.Misses > 0 && cacheB.Misses > 0, $"the work was split ({cacheA.Misses} + {cacheB.Misses})");
        for (int i = 0; i < 12; i++)
        {
            using var alone = ProposalCache.Search(entries[i].Pixels(), search);
            Assert.True(a![i].allclose(alone, 0, 0), $"image {i}, first cache");
            Assert.True(b![i].allclose(alone, 0, 0), $"image {i}, second cache");
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "cache"), "*.claim", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_claim_left_by_an_ended_process_is_taken_over()
    {
        var searches = new int[2];
        var entries = Images(2, searches);
        var cache = new ProposalCache(Path.Combine(folder, "cache"), search);
        Directory.CreateDirectory(cache.Directory);
        // A pid that is not running (above the kernel's pid_max default range used here) holds image0's claim.
        File.WriteAllText(Path.Combine(cache.Directory, "image0.claim"), "4194303 0123456789ab");
        var boxes = cache.GetAll(entries, CancellationToken.None);
        Assert.Equal(2, boxes.Count);
        Assert.Equal(new[] { 1, 1 }, searches);
        Assert.False(File.Exists(Path.Combine(cache.Directory, "image0.claim")));
    }
}
