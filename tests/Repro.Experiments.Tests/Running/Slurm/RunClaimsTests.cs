using Repro.Experiments.Running;
using Repro.Experiments.Running.Launchers;
using Xunit;

namespace Repro.Experiments.Tests.Running.Slurm;

public sealed class RunClaimsTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string RunDirectory => folder.Combine("results", "toy", "aaaaaaaaaaaa");

    private static RunClaim Task(string arrayJob, string index, string host = "node1", int pid = 4242) => new()
    {
        Host = host,
        Pid = pid,
        PidStart = 1000,
        BootId = "boot-1",
        JobId = (int.Parse(arrayJob) + int.Parse(index) + 1).ToString(),
        ArrayJobId = arrayJob,
        ArrayTaskId = index,
        Since = DateTimeOffset.UnixEpoch,
    };

    private static Dictionary<string, SlurmJobState> Queue(params (string Task, string State)[] tasks) =>
        tasks.ToDictionary(t => t.Task, t => new SlurmJobState(t.Task, t.State, "node1"));

    /// <summary>A judge as a task on node1 sees things, with the given queue and no local processes.</summary>
    private static Func<RunClaim, ClaimVerdict> Judge(RunClaim self, Dictionary<string, SlurmJobState>? queue) =>
        claim => new ClaimLiveness(self, "node1", "boot-1", _ => null).Judge(claim, queue);

    private void WriteSummary(string status) =>
        new RunSummary("aaaaaaaaaaaa", status, "", [], new Dictionary<string, double>()).Write(ResultPaths.Summary(RunDirectory));

    [Fact]
    public void The_first_task_claims_generation_1_with_its_ids_and_a_second_task_is_told_who_holds_it()
    {
        var first = Task("12", "0");
        var attempt = RunClaims.TryAcquire(RunDirectory, first, Judge(first, Queue()));
        Assert.Equal((ClaimAttempt.Outcome.Acquired, 1), (attempt.Result, attempt.Generation));
        var written = RunClaim.TryParse(File.ReadAllText(Path.Combine(RunDirectory, "claim.1")));
        Assert.Equal(first, written);
        Assert.Equal("12_0", written!.Task);

        var second = Task("20", "3");
        var held = RunClaims.TryAcquire(RunDirectory, second, Judge(second, Queue(("12_0", "RUNNING"))));
        Assert.Equal(ClaimAttempt.Outcome.Held, held.Result);
        Assert.Equal(first, held.Holder);
        Assert.Equal("job 12_0 (pid 4242 on node1), RUNNING", held.Reason);
        Assert.Equal(["claim.1"], Directory.GetFiles(RunDirectory).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("CANCELLED")]
    [InlineData("NODE_FAIL")]
    [InlineData("TIMEOUT")]
    [InlineData(null)]
    public void A_claim_whose_task_ended_or_left_the_queue_is_taken_over_as_the_next_generation(string? state)
    {
        Directory.CreateDirectory(RunDirectory);
        RunClaims.TryCreate(ResultPaths.Claim(RunDirectory, 1), Task("12", "1").ToJson());
        var rerun = Task("30", "0");
        var queue = state is null ? Queue() : Queue(("12_1", state));
        var attempt = RunClaims.TryAcquire(RunDirectory, rerun, Judge(rerun, queue));
        Assert.Equal((ClaimAttempt.Outcome.Acquired, 2), (attempt.Result, attempt.Generation));
        Assert.Equal(rerun, RunClaim.TryParse(File.ReadAllText(ResultPaths.Claim(RunDirectory, 2))));

        RunClaims.Release(RunDirectory, 2);
        Assert.Empty(Directory.GetFiles(RunDirectory, "claim.*"));
    }

    [Fact]
    public void A_claim_by_this_same_task_is_an_earlier_start_of_it_requeued_after_a_node_failure()
    {
        Directory.CreateDirectory(RunDirectory);
        RunClaims.TryCreate(ResultPaths.Claim(RunDirectory, 1), Task("12", "1", host: "node7").ToJson());
        // Slurm lists the requeued task as running again: the claim is still this task's own.
        var restarted = Task("12", "1", host: "node2", pid: 99);
        var attempt = RunClaims.TryAcquire(RunDirectory, restarted, Judge(restarted, Queue(("12_1", "RUNNING"))));
        Assert.Equal(ClaimAttempt.Outcome.Acquired, attempt.Result);
    }

    [Fact]
    public void Without_slurm_a_claim_on_this_host_lives_as_long_as_its_process_and_one_from_elsewhere_is_left_alone()
    {
        var local = new RunClaim { Host = "node1", Pid = 77, PidStart = 500, BootId = "boot-1", Since = DateTimeOffset.UnixEpoch };
        ClaimVerdict Judge(RunClaim claim, Func<int, long?> processes) =>
            new ClaimLiveness(null, "node1", "boot-1", processes).Judge(claim, queue: null);

        Assert.True(Judge(local, pid => pid == 77 ? 500 : null).Live);
        Assert.False(Judge(local, _ => null).Live);
        Assert.Equal("pid 77 on node1 is gone", Judge(local, _ => null).Reason);
        // The pid was reused by another process (another start time), or the machine rebooted since.
        Assert.False(Judge(local, pid => pid == 77 ? 900 : null).Live);
        Assert.False(Judge(local with { BootId = "boot-0" }, pid => pid == 77 ? 500 : null).Live);
        // A Slurm task's claim when squeue cannot be asked: its process decides on its own host.
        Assert.False(Judge(Task("12", "0", host: "node1"), _ => null).Live);
        var remote = Judge(Task("12", "0", host: "node9"), _ => null);
        Assert.True(remote.Live);
        Assert.Contains("cannot be checked from node1", remote.Reason);
    }

    [Fact]
    public void The_real_process_table_knows_this_process()
    {
        var self = RunClaim.OfThisProcess();
        Assert.NotNull(self.PidStart);
        Assert.True(new ClaimLiveness().Judge(self, queue: null).Live);
        Assert.False(new ClaimLiveness().Judge(self with { PidStart = self.PidStart + 1 }, queue: null).Live);
    }

    [Fact]
    public void A_finished_run_is_not_claimed_unless_forced()
    {
        WriteSummary(RunSummary.Ok);
        var task = Task("12", "0");
        Assert.Equal(ClaimAttempt.Outcome.Finished, RunClaims.TryAcquire(RunDirectory, task, Judge(task, Queue())).Result);
        Assert.Empty(Directory.GetFiles(RunDirectory, "claim.*"));
        Assert.Equal(ClaimAttempt.Outcome.Acquired,
            RunClaims.TryAcquire(RunDirectory, task, Judge(task, Queue()), skipFinished: false).Result);

        // A failed run is claimed and trained again.
        var other = folder.Combine("results", "toy", "bbbbbbbbbbbb");
        new RunSummary("bbbbbbbbbbbb", RunSummary.Failed, "x", [], new Dictionary<string, double>()).Write(ResultPaths.Summary(other));
        Assert.Equal(ClaimAttempt.Outcome.Acquired, RunClaims.TryAcquire(other, task, Judge(task, Queue())).Result);
    }

    [Fact]
    public void A_task_that_wins_the_claim_after_the_run_finished_lets_it_go()
    {
        Directory.CreateDirectory(RunDirectory);
        RunClaims.TryCreate(ResultPaths.Claim(RunDirectory, 1), Task("11", "0").ToJson());
        // The summary appears between the first look and the claim, as when the previous holder finishes just then
        // (a holder writes its summary before it lets go of its claim).
        var late = RunClaims.TryAcquire(RunDirectory, Task("12", "0"), claim =>
        {
            WriteSummary(RunSummary.Ok);
            return new ClaimVerdict(false, "ended");
        });
        Assert.Equal(ClaimAttempt.Outcome.Finished, late.Result);
        Assert.Empty(Directory.GetFiles(RunDirectory, "claim.*"));
    }

    [Fact]
    public void Of_many_tasks_racing_for_one_run_exactly_one_claims_it()
    {
        Directory.CreateDirectory(RunDirectory);
        // A stale claim to take over makes the race sharper: everyone sees generation 1 dead and goes for 2.
        RunClaims.TryCreate(ResultPaths.Claim(RunDirectory, 1), Task("5", "0").ToJson());
        var tasks = Enumerable.Range(0, 16).Select(i => Task("40", i.ToString())).ToList();
        // Each task sees only the old job as ended; the racers' own tasks are running.
        var queue = Queue([("5_0", "CANCELLED"), .. tasks.Select(t => (t.Task!, "RUNNING"))]);
        using var start = new Barrier(tasks.Count);
        var outcomes = tasks.AsParallel().WithDegreeOfParallelism(tasks.Count).Select(t =>
        {
            start.SignalAndWait();
            return RunClaims.TryAcquire(RunDirectory, t, Judge(t, queue));
        }).ToList();
        var winner = Assert.Single(outcomes, o => o.Result == ClaimAttempt.Outcome.Acquired);
        Assert.Equal(2, winner.Generation);
        Assert.All(outcomes.Where(o => o != winner), o => Assert.Equal(ClaimAttempt.Outcome.Held, o.Result));
        Assert.Empty(Directory.GetFiles(RunDirectory, "*.partial"));
    }

    [Fact]
    public void An_unreadable_claim_is_held_while_young_and_debris_when_old()
    {
        Directory.CreateDirectory(RunDirectory);
        File.WriteAllText(ResultPaths.Claim(RunDirectory, 1), "");
        var task = Task("12", "0");
        Assert.Equal(ClaimAttempt.Outcome.Held, RunClaims.TryAcquire(RunDirectory, task, Judge(task, Queue())).Result);
        File.SetLastWriteTimeUtc(ResultPaths.Claim(RunDirectory, 1), DateTime.UtcNow - TimeSpan.FromMinutes(5));
        var attempt = RunClaims.TryAcquire(RunDirectory, task, Judge(task, Queue()));
        Assert.Equal((ClaimAttempt.Outcome.Acquired, 2), (attempt.Result, attempt.Generation));
    }

    [Fact]
    public void Creating_a_claim_never_replaces_one()
    {
        Directory.CreateDirectory(RunDirectory);
        string path = ResultPaths.Claim(RunDirectory, 1);
        Assert.True(RunClaims.TryCreate(path, "first"));
        Assert.False(RunClaims.TryCreate(path, "second"));
        Assert.Equal("first", File.ReadAllText(path));
    }
}
