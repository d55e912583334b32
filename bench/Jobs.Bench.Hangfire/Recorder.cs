namespace Jobs.Bench.Hangfire;

/// <summary>The jobs of one measured phase, as they were reported.</summary>
internal sealed record PhaseRuns(IReadOnlyList<JobRun> Runs, int Duplicates);

/// <summary>
/// Collects the finished jobs of the current phase and completes when all of them are in. A job of another phase
/// (a late one of an earlier phase) is counted as stray, a job reported twice (Hangfire delivers at least once) as a
/// duplicate; neither counts towards completion.
/// </summary>
internal sealed class Recorder : IJobSink
{
    readonly Lock gate = new();
    int phase = -1;
    int expected;
    bool[] seen = [];
    List<JobRun> runs = [];
    int duplicates;
    TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Jobs reported for no current phase, over the whole run.</summary>
    public int Stray { get; private set; }

    /// <summary>Starts phase <paramref name="id"/> of <paramref name="count"/> jobs; the task completes when all have been reported.</summary>
    public Task Begin(int id, int count)
    {
        lock (gate)
        {
            phase = id;
            expected = count;
            seen = new bool[count];
            runs = new List<JobRun>(count);
            duplicates = 0;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return done.Task;
        }
    }

    /// <summary>How many jobs of the current phase have been reported.</summary>
    public int Count
    {
        get
        {
            lock (gate)
                return runs.Count;
        }
    }

    public void Done(int phase, JobRun run)
    {
        lock (gate)
        {
            if (phase != this.phase)
            {
                Stray++;
                return;
            }
            if (run.Index < 0 || run.Index >= expected || seen[run.Index])
            {
                duplicates++;
                return;
            }
            seen[run.Index] = true;
            runs.Add(run);
            if (runs.Count == expected)
                done.TrySetResult();
        }
    }

    /// <summary>Ends the current phase: what was reported in it.</summary>
    public PhaseRuns End()
    {
        lock (gate)
        {
            var result = new PhaseRuns(runs, duplicates);
            phase = -1;
            runs = [];
            return result;
        }
    }
}
