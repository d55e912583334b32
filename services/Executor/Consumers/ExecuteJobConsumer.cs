using Jobs.Contracts;
using Jobs.Executor.Execution;
using Jobs.Executor.Registration;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Jobs.Executor.Consumers;

/// <summary>
/// Runs an attempt sent to this executor's queue and reports it: started, every output chunk in order, finished.
/// The command is acknowledged only after the finish is published, so an executor that dies mid-run gets it again.
/// </summary>
public sealed partial class ExecuteJobConsumer(
    AttemptRegistry registry,
    Cgroups cgroups,
    ExecutionPolicy policy,
    DrainState drain,
    IControlBus reports,
    IOptions<ExecutorOptions> options,
    ILogger<ExecuteJobConsumer> logger) : IConsumer<ExecuteJob>
{
    public async Task Consume(ConsumeContext<ExecuteJob> context)
    {
        var command = context.Message;
        var executorId = options.Value.Id;
        var attempt = new RunningAttempt(command.JobId, command.Attempt);
        var control = registry.TryBegin(attempt, out var earlier, out var stoppedBeforeStart);
        if (control is null)
        {
            if (stoppedBeforeStart)
            {
                // Remembered as finished, so a redelivery of the command reports this instead of running it.
                earlier = Finished(command, executorId, new AttemptResult(null, "Stopped before it started.", 0, AttemptEnd.Stopped));
                registry.Finish(attempt, earlier);
            }
            else if (earlier is null && registry.WhenFinished(attempt) is { } runningHere)
            {
                // A redelivery while the attempt runs here (the broker dropped the connection that delivered it): it is
                // held, unacknowledged, until the attempt ends, and then reports the same result.
                earlier = await runningHere.WaitAsync(context.CancellationToken)
                    ?? throw new InvalidOperationException($"Attempt {command.Attempt} of job {command.JobId} was abandoned before it reported; the command is delivered again.");
            }
            if (earlier is not null)
                await Publish(earlier);
            return;
        }

        // The job's own directory if it names one (it must exist); else a fresh one, removed afterwards.
        var fresh = command.Spec.WorkingDirectory is null;
        var workingDirectory = command.Spec.WorkingDirectory ?? Path.Combine(options.Value.WorkRoot, $"{command.JobId:N}-{command.Attempt}");
        if (fresh)
        {
            Directory.CreateDirectory(workingDirectory);
            policy.RunAs?.Own(workingDirectory);
        }
        var spec = command.Spec with
        {
            OutputCapBytes = command.Spec.OutputCapBytes ?? options.Value.OutputCapBytes,
            Env = new Dictionary<string, string>(command.Spec.Env)
            {
                ["JOBS_JOB_ID"] = command.JobId.ToString(),
                ["JOBS_ATTEMPT"] = command.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["JOBS_EXECUTOR_ID"] = executorId,
            },
        };
        var cgroup = cgroups.Create($"{command.JobId:N}-{command.Attempt}", spec.Resources);
        try
        {
            LogRunning(command.JobId, command.Attempt, command.Spec.Command);
            using var activity = ExecutorTelemetry.Source.StartActivity("run process");
            activity?.SetTag("job.id", command.JobId.ToString());
            activity?.SetTag("job.attempt", command.Attempt);
            activity?.SetTag("process.command", command.Spec.Command);
            var result = await ProcessRunner.Run(
                spec,
                workingDirectory,
                control,
                pid => Publish(new JobStarted(command.JobId, command.Attempt, executorId, pid, DateTimeOffset.UtcNow)),
                (seq, piece) => Publish(new JobLogChunk(command.JobId, command.Attempt, seq, piece.Stream, piece.Timestamp, piece.Data)),
                drain.Abandoned,
                cgroup,
                policy);

            var finished = Finished(command, executorId, result) with
            {
                Error = result.Error ?? (result.End == AttemptEnd.Drained ? $"Executor {executorId} shut down and its drain timeout ran out before the attempt finished." : null),
                EnforcedLimits = cgroup?.Enforced ?? [],
                UnenforcedLimits = cgroup?.Unenforced ?? [],
                CpuMicroseconds = cgroup?.CpuMicroseconds(),
                PeakMemoryBytes = cgroup?.PeakMemoryBytes(),
            };
            activity?.SetTag("process.exit_code", result.ExitCode);
            activity?.SetTag("job.attempt.end", result.End.ToString());
            await Publish(finished);
            registry.Finish(attempt, finished);
            LogFinished(command.JobId, command.Attempt, result.End, result.ExitCode, result.Error);
        }
        catch
        {
            registry.Abandon(attempt);
            throw;
        }
        finally
        {
            if (cgroup is not null)
                await cgroup.Remove();
            if (fresh && !options.Value.KeepWorkingDirectories)
                RemoveWorkingDirectory(workingDirectory);
        }
    }

    /// <summary>
    /// Publishes on the control bus (a connection no long consume holds, see <see cref="IControlBus"/>), retrying while the broker is unreachable: the attempt runs on meanwhile, and since nothing more is read
    /// from its output until this returns, the child blocks on a full pipe instead of its output piling up here.
    /// Duplicates from a publish confirmed only after a reconnect are dropped downstream (keys on job, attempt, seq).
    /// </summary>
    async Task Publish<T>(T message)
        where T : class
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var failures = 0; ; failures++)
        {
            try
            {
                // A publish caught by a dropped connection can wait long for a confirm that never comes: give up on it
                // and publish again on the connection MassTransit re-establishes.
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(drain.Abandoned);
                attempt.CancelAfter(PublishTimeout);
                // WaitAsync as well: a publish stuck on a dead channel does not always honour its token.
                await reports.Publish(message, attempt.Token).WaitAsync(PublishTimeout, drain.Abandoned);
                if (failures > 0)
                    LogPublishRecovered(typeof(T).Name, failures);
                return;
            }
            catch (Exception ex) when (!drain.Abandoned.IsCancellationRequested)
            {
                if (failures == 0)
                    LogPublishFailing(ex, typeof(T).Name);
                await Task.Delay(delay, drain.Abandoned);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPublishRetryDelay.Ticks));
            }
        }
    }

    static readonly TimeSpan MaxPublishRetryDelay = TimeSpan.FromSeconds(5);
    static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    static JobAttemptFinished Finished(ExecuteJob command, string executorId, AttemptResult result) =>
        new(command.JobId, command.Attempt, executorId, result.ExitCode, result.Error, result.LogChunks, DateTimeOffset.UtcNow)
        {
            End = result.End,
            Signal = result.Signal,
            OutputBytes = result.OutputBytes,
            OutputTruncated = result.OutputTruncated,
        };

    /// <summary>Best effort: a job may leave files it made unremovable, and that must not turn a finished attempt into a fault.</summary>
    void RemoveWorkingDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(ex, path);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Running job {JobId} attempt {Attempt}: {Command}")]
    partial void LogRunning(Guid jobId, int attempt, string command);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt} ended ({End}): exit code {ExitCode} {Error}")]
    partial void LogFinished(Guid jobId, int attempt, AttemptEnd end, int? exitCode, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Message} failed; retrying until the broker takes it")]
    partial void LogPublishFailing(Exception exception, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Message} after {Failures} failed tries")]
    partial void LogPublishRecovered(string message, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the working directory {Path}")]
    partial void LogCleanupFailed(Exception exception, string path);
}
