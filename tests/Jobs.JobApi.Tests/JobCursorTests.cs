using System.Buffers.Binary;
using Jobs.JobApi.Api;
using Microsoft.AspNetCore.WebUtilities;

namespace Jobs.JobApi.Tests;

public sealed class JobCursorTests
{
    public static TheoryData<DateTimeOffset> Instants => new()
    {
        new DateTimeOffset(2026, 11, 23, 22, 1, 57, 123, TimeSpan.Zero).AddTicks(4567),
        new DateTimeOffset(2026, 11, 23, 23, 1, 57, TimeSpan.FromHours(2)),
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void EncodeThenDecode_GivesTheSameInstantAndId(DateTimeOffset submittedAt)
    {
        var cursor = new JobCursor(submittedAt, Guid.NewGuid());

        Assert.True(JobCursor.TryDecode(cursor.Encode(), out var decoded));

        Assert.Equal(cursor.Id, decoded.Id);
        Assert.Equal(submittedAt.UtcTicks, decoded.SubmittedAt.UtcTicks);
        Assert.Equal(TimeSpan.Zero, decoded.SubmittedAt.Offset);
    }

    [Fact]
    public void Encode_IsUrlSafeWithoutPadding()
    {
        // Bytes that base64 writes as '+' (FB EF BE) and '/' (FF FF FF), the two characters base64url replaces.
        var ticks = BinaryPrimitives.ReadInt64BigEndian(new byte[] { 0, 0, 0, 0xFB, 0xEF, 0xBE, 0xFF, 0xFF });
        var cursor = new JobCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(Enumerable.Repeat((byte)0xFF, 16).ToArray()));

        var encoded = cursor.Encode();

        Assert.Equal(32, encoded.Length);
        Assert.DoesNotContain('+', encoded);
        Assert.DoesNotContain('/', encoded);
        Assert.DoesNotContain('=', encoded);
        Assert.True(JobCursor.TryDecode(encoded, out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("not a cursor")]
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("%41%41%41%41")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("\u00e9\u00e9\u00e9\u00e9")]
    public void Garbage_IsRejected(string value)
    {
        Assert.False(JobCursor.TryDecode(value, out var cursor));
        Assert.Equal(default, cursor);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(25)]
    [InlineData(48)]
    public void WrongLength_IsRejected(int length)
    {
        var value = WebEncoders.Base64UrlEncode(new byte[length]);

        Assert.False(JobCursor.TryDecode(value, out var cursor));
        Assert.Equal(default, cursor);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(3155378975999999999L + 1)]
    [InlineData(long.MaxValue)]
    public void TicksOutOfRange_AreRejected(long ticks)
    {
        var bytes = new byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, ticks);

        Assert.False(JobCursor.TryDecode(WebEncoders.Base64UrlEncode(bytes), out var cursor));
        Assert.Equal(default, cursor);
    }

    [Fact]
    public void TicksAtTheEdgesOfTheRange_AreAccepted()
    {
        var bytes = new byte[24];
        BinaryPrimitives.WriteInt64BigEndian(bytes, DateTimeOffset.MaxValue.UtcTicks);

        Assert.True(JobCursor.TryDecode(WebEncoders.Base64UrlEncode(bytes), out var cursor));
        Assert.Equal(DateTimeOffset.MaxValue, cursor.SubmittedAt);
        Assert.Equal(Guid.Empty, cursor.Id);
    }
}
