using System.Text;

namespace Jobs.Executor.Execution;

/// <summary>
/// Keeps an attempt's stored output under its cap: pieces pass until the cap, the piece that crosses it is cut, a marker
/// line says what happened, and everything after is counted but dropped.
/// </summary>
public sealed class OutputCap(long capBytes)
{
    public long Total { get; private set; }
    public bool Truncated { get; private set; }

    public IEnumerable<OutputPiece> Take(OutputPiece piece)
    {
        var before = Total;
        Total += piece.Data.Length;
        if (Truncated)
            yield break;
        if (Total <= capBytes)
        {
            yield return piece;
            yield break;
        }

        Truncated = true;
        var room = (int)(capBytes - before);
        if (room > 0)
            yield return piece with { Data = piece.Data[..room] };
        yield return piece with { Data = Encoding.UTF8.GetBytes($"\n[jobs: output truncated at {capBytes} bytes]\n") };
    }
}
