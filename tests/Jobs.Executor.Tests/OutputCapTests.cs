using System.Text;
using Jobs.Contracts;
using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

public sealed class OutputCapTests
{
    static OutputPiece Piece(string text, LogStream stream = LogStream.Stdout) => new(stream, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(text));

    static string Text(IEnumerable<OutputPiece> pieces) => string.Concat(pieces.Select(p => Encoding.UTF8.GetString(p.Data)));

    [Fact]
    public void UnderTheCap_EveryPiecePassesWhole()
    {
        var cap = new OutputCap(10);

        var kept = new[] { Piece("abc"), Piece("defg") }.SelectMany(cap.Take).ToList();

        Assert.Equal("abcdefg", Text(kept));
        Assert.False(cap.Truncated);
        Assert.Equal(7, cap.Total);
    }

    [Fact]
    public void ThePieceCrossingTheCap_IsCutAndFollowedByAMarker()
    {
        var cap = new OutputCap(5);

        var kept = new[] { Piece("abc"), Piece("defg", LogStream.Stderr) }.SelectMany(cap.Take).ToList();

        Assert.Equal("abcde\n[jobs: output truncated at 5 bytes]\n", Text(kept));
        Assert.All(kept.Skip(1), p => Assert.Equal(LogStream.Stderr, p.Stream));
        Assert.True(cap.Truncated);
    }

    [Fact]
    public void AfterTheCap_OutputIsCountedButDropped()
    {
        var cap = new OutputCap(2);

        var kept = new[] { Piece("abc"), Piece("def"), Piece("ghi") }.SelectMany(cap.Take).ToList();

        Assert.Equal("ab\n[jobs: output truncated at 2 bytes]\n", Text(kept));
        Assert.Equal(9, cap.Total);
    }

    [Fact]
    public void ZeroCap_StoresOnlyTheMarker()
    {
        var cap = new OutputCap(0);

        Assert.Equal("\n[jobs: output truncated at 0 bytes]\n", Text(cap.Take(Piece("x"))));
    }

    [Fact]
    public void ExactlyAtTheCap_IsNotTruncated()
    {
        var cap = new OutputCap(3);

        Assert.Equal("abc", Text(cap.Take(Piece("abc"))));
        Assert.False(cap.Truncated);
    }
}
