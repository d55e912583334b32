using CsCheck;
using Jobs.Contracts;

namespace Jobs.JobApi.Tests;

/// <summary>Which attempt an event names, resolved against the saga's attempt when it is delivered.</summary>
public enum AttemptRef { Current, Previous, Next, First }

/// <summary>How an executor reports an attempt's end.</summary>
public enum FinishKind { ExitZero, ExitNonZero, Signal, Timeout, SpawnError, Drained, OomKilled }

public enum StepKind { Submit, Place, Start, Finish, Lose, Cancel, QueueTimeout, Delay }

/// <summary>
/// One message to the job saga. <see cref="CurrentToken"/>: a queue-timeout timer that is the saga's pending one, or one
/// it already replaced or cancelled.
/// </summary>
public sealed record JobStep(StepKind Kind, AttemptRef Attempt, FinishKind Finish, bool CurrentToken)
{
    public override string ToString() => Kind switch
    {
        StepKind.Finish => $"Finish({Attempt}, {Finish})",
        StepKind.Place or StepKind.Start or StepKind.Lose or StepKind.Delay => $"{Kind}({Attempt})",
        StepKind.QueueTimeout => CurrentToken ? "QueueTimeout(current)" : "QueueTimeout(stale)",
        _ => Kind.ToString(),
    };
}

/// <summary>A job's spec and the messages its saga receives after the first submit, in the order they arrive.</summary>
public sealed record JobEventSequence(JobSpec Spec, JobStep[] Steps)
{
    public override string ToString()
    {
        var retry = Spec.Retry;
        return $"MaxAttempts={retry.MaxAttempts} RetryOn=[{string.Join(",", retry.RetryOn)}] QueueTimeout={Spec.QueueTimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}: "
            + string.Join(", ", Steps.Select(s => s.ToString()));
    }

    // Mostly the current attempt, so sequences get far (retries, ends); the rest are stale, early or duplicate.
    static readonly Gen<AttemptRef> AttemptRefs = Gen.Frequency(
        (8, Gen.Const(AttemptRef.Current)), (1, Gen.Const(AttemptRef.Previous)), (1, Gen.Const(AttemptRef.Next)), (1, Gen.Const(AttemptRef.First)));

    static readonly Gen<StepKind> Kinds = Gen.Frequency(
        (1, Gen.Const(StepKind.Submit)), (4, Gen.Const(StepKind.Place)), (3, Gen.Const(StepKind.Start)), (4, Gen.Const(StepKind.Finish)),
        (1, Gen.Const(StepKind.Lose)), (1, Gen.Const(StepKind.Cancel)), (1, Gen.Const(StepKind.QueueTimeout)), (1, Gen.Const(StepKind.Delay)));

    static readonly Gen<JobStep> AnyStep = Gen.Select(Kinds, AttemptRefs, Gen.Enum<FinishKind>(), Gen.Bool, (k, a, f, t) => new JobStep(k, a, f, t));

    static readonly Gen<RetryPolicy> Policies = Gen.Select(
        Gen.Int[1, 4],
        Gen.Enum<FailureClass>().HashSet[0, 4],
        (max, retryOn) => new RetryPolicy { MaxAttempts = max, InitialDelaySeconds = 5, Jitter = 0, RetryOn = [.. retryOn.Order()] });

    static readonly Gen<JobSpec> Specs = Gen.Select(Policies, Gen.Bool, (retry, queueTimeout) =>
        new JobSpec("echo", ["hello"], false, "gpu") { Retry = retry, QueueTimeoutSeconds = queueTimeout ? 30 : null, CancelGraceSeconds = 5 });

    public static readonly Gen<JobEventSequence> Any = Gen.Select(Specs, AnyStep.Array[1, 24], (spec, steps) => new JobEventSequence(spec, steps));
}
