using System.Buffers.Binary;
using Microsoft.AspNetCore.WebUtilities;

namespace Jobs.JobApi.Api;

/// <summary>An opaque keyset cursor for the job list: the (submitted at, id) of the last job on the previous page.</summary>
public readonly record struct JobCursor(DateTimeOffset SubmittedAt, Guid Id)
{
    const int Length = 8 + 16;

    public string Encode()
    {
        var bytes = new byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, SubmittedAt.UtcTicks);
        Id.TryWriteBytes(bytes.AsSpan(8));
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecode(string value, out JobCursor cursor)
    {
        cursor = default;
        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(value);
        }
        catch (FormatException)
        {
            return false;
        }
        if (bytes.Length != Length)
            return false;
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            return false;
        cursor = new JobCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes.AsSpan(8)));
        return true;
    }
}
