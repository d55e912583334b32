using Jobs.Testing;
using Npgsql;

namespace Jobs.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class JobLifecycleTests(SystemFixture fixture)
{
    readonly JobsClient jobs = new(fixture.System.CreateClient(), fixture.System);

    [Fact]
    public async Task EchoHello_SucceedsAndItsOutputIsReadable()
    {
        var id = await jobs.Submit(new { command = "echo", args = new[] { "hello" } });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("exitCode").GetInt32());
        Assert.StartsWith("test-", job.GetProperty("executorId").GetString(), StringComparison.Ordinal);
        Assert.Equal("hello\n", await jobs.Output(id));
    }

    [Fact]
    public async Task ShellExitThree_FailsWithExitCodeThree()
    {
        var id = await jobs.Submit(new { command = "exit 3", shell = true });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Failed", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task ExecForm_PassesArgumentsVerbatimWithoutAShell()
    {
        var id = await jobs.Submit(new { command = "printf", args = new[] { "%s|%s", "$HOME", "a b" } });

        Assert.Equal("$HOME|a b", await jobs.Output(id));
    }

    [Fact]
    public async Task Stderr_IsCapturedAsItsOwnStream()
    {
        var id = await jobs.Submit(new { command = "echo out; echo err >&2", shell = true });
        await jobs.Output(id);

        var page = await jobs.Logs(id);
        var streams = page.GetProperty("items").EnumerateArray()
            .ToDictionary(i => i.GetProperty("stream").GetString()!, i => i.GetProperty("text").GetString());
        Assert.Equal("out\n", streams["stdout"]);
        Assert.Equal("err\n", streams["stderr"]);
    }

    [Fact]
    public async Task Environment_IsCleanWithTheJobsOwnVariables()
    {
        var id = await jobs.Submit(new { command = "env", env = new Dictionary<string, string> { ["GREETING"] = "hi" } });

        var variables = (await jobs.Output(id)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains("GREETING=hi", variables);
        Assert.Contains($"JOBS_JOB_ID={id}", variables);
        Assert.Contains("JOBS_ATTEMPT=1", variables);
        Assert.DoesNotContain(variables, v => v.StartsWith("RabbitMq__", StringComparison.Ordinal) || v.StartsWith("ConnectionStrings", StringComparison.Ordinal));
        Assert.Contains(variables, v => v.StartsWith("PATH=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WorkingDirectory_IsUsedAndKept()
    {
        var directory = Directory.CreateTempSubdirectory("jobs-e2e-").FullName;

        var id = await jobs.Submit(new { command = "pwd", workingDirectory = directory });

        Assert.Equal(directory + "\n", await jobs.Output(id));
        Assert.True(Directory.Exists(directory));
        Directory.Delete(directory);
    }

    [Fact]
    public async Task MissingWorkingDirectory_IsRejectedWithTheReason()
    {
        var id = await jobs.Submit(new { command = "pwd", workingDirectory = "/nonexistent/jobs-dir", retry = new { maxAttempts = 1 } });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Failed", job.GetProperty("status").GetString());
        Assert.Equal("Rejected", job.GetProperty("attempts")[0].GetProperty("outcome").GetString());
        Assert.Contains("/nonexistent/jobs-dir", job.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputPastTheCap_IsTruncatedWithAMarkerAndRecorded()
    {
        var id = await jobs.Submit(new { command = "head -c 100000 /dev/zero | tr '\\0' a", shell = true, outputCapBytes = 1000 });

        var output = await jobs.Output(id);

        Assert.Equal(new string('a', 1000) + "\n[jobs: output truncated at 1000 bytes]\n", output);
        var attempt = (await jobs.Get(id)).GetProperty("attempts")[0];
        Assert.True(attempt.GetProperty("outputTruncated").GetBoolean());
        Assert.Equal(100000, attempt.GetProperty("outputBytes").GetInt64());
    }

    [Fact]
    public async Task MemoryHogOverItsLimit_FailsOomKilledAndTheAttemptRecordsItsLimitsAndUsage()
    {
        var id = await jobs.Submit(new
        {
            command = "head -c 300000000 /dev/zero | tail > /dev/null",
            shell = true,
            resources = new { memoryMb = 32, cpuPercent = 100 },
            retry = new { maxAttempts = 1 },
        });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Failed", job.GetProperty("status").GetString());
        Assert.Equal("oom-killed", job.GetProperty("error").GetString());
        var attempt = job.GetProperty("attempts")[0];
        Assert.Equal(["cpu", "memory"], attempt.GetProperty("enforcedLimits").EnumerateArray().Select(l => l.GetString()));
        Assert.Empty(attempt.GetProperty("unenforcedLimits").EnumerateArray());
        Assert.InRange(attempt.GetProperty("peakMemoryBytes").GetInt64(), 1, 33L << 20);
        Assert.True(attempt.GetProperty("cpuMicroseconds").GetInt64() > 0);
        Assert.Equal(32, job.GetProperty("resources").GetProperty("memoryMb").GetInt32());
    }

    [Fact]
    public async Task MissingExecutable_FailsWithTheReason()
    {
        var id = await jobs.Submit(new { command = "/nonexistent/program" });

        var job = await jobs.WaitTerminal(id);

        Assert.Equal("Failed", job.GetProperty("status").GetString());
        Assert.Contains("/nonexistent/program", job.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobEnded_ReachesBothTheSchedulerAndLogSinkForEveryJob()
    {
        // Both services consume JobEnded; on one shared queue they would each see only some of the events.
        var ids = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => jobs.Submit(new { command = "true" })));
        foreach (var id in ids)
            await jobs.WaitTerminal(id);

        await using var dataSource = fixture.System.Database.CreateDataSource();
        foreach (var table in new[] { "scheduler.ended_jobs", "logs.ended_jobs" })
        {
            await Eventually.Get(
                async () =>
                {
                    await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE job_id = ANY($1)");
                    command.Parameters.Add(new() { Value = ids });
                    return (long)(await command.ExecuteScalarAsync())!;
                },
                count => count == ids.Length,
                TimeSpan.FromSeconds(30),
                $"all 10 jobs in {table}");
        }
    }

    [Fact]
    public async Task TwoHundredJobsAtOnce_AllEndWithCompleteOutputAndOneSagaRowEach()
    {
        const int count = 200;
        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            jobs.Submit(new { command = $"for n in $(seq 1 20); do echo job-{i}-line-$n; done", shell = true })));

        // One list request per poll: 200 pollers of their own would load the 2-core machine more than the jobs do.
        await Eventually.Get(
            () => jobs.List(count),
            page => ids.All(id => page.TryGetValue(id, out var status) && status is "Succeeded" or "Failed"),
            TimeSpan.FromMinutes(3),
            "all 200 jobs to end");

        for (var i = 0; i < count; i++)
        {
            var expected = string.Concat(Enumerable.Range(1, 20).Select(n => $"job-{i}-line-{n}\n"));
            Assert.Equal(expected, await jobs.Output(ids[i]));
            Assert.Equal("Succeeded", (await jobs.Get(ids[i])).GetProperty("status").GetString());
        }

        await using var dataSource = fixture.System.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand("SELECT count(*), count(DISTINCT id) FROM jobapi.jobs WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(count, reader.GetInt64(0));
        Assert.Equal(count, reader.GetInt64(1));
    }
}
