using System.Globalization;

namespace Jobs.JobApi.Api;

/// <summary>A place in a job's output: after chunk <see cref="Seq"/> of attempt <see cref="Attempt"/>. Written <c>attempt.seq</c> as an SSE event id.</summary>
public readonly record struct LogPosition(int Attempt, int Seq)
{
    /// <summary>Before everything.</summary>
    public static readonly LogPosition Start = new(0, -1);

    /// <summary>Whether the chunk (attempt, seq) comes right after this position: the next seq of the attempt, or the first of a later one.</summary>
    public bool IsFollowedBy(int attempt, int seq) => (attempt == Attempt && seq == Seq + 1) || (attempt > Attempt && seq == 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Attempt}.{Seq}");

    public static bool TryParse(string? value, out LogPosition position)
    {
        position = Start;
        var parts = value?.Split('.');
        if (parts is not [var attempt, var seq]
            || !int.TryParse(attempt, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            || !int.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            return false;
        position = new LogPosition(a, s);
        return true;
    }
}
