namespace Jobs.Executor.Tests;

/// <summary>A read-only stream over another that counts what was read and whether a read is outstanding.</summary>
sealed class CountingStream(Stream inner) : Stream
{
    long bytesRead;
    int readsInFlight;

    public long BytesRead => Interlocked.Read(ref bytesRead);
    public bool Reading => Volatile.Read(ref readsInFlight) > 0;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref readsInFlight);
        try
        {
            var count = await inner.ReadAsync(buffer, cancellationToken);
            Interlocked.Add(ref bytesRead, count);
            return count;
        }
        finally
        {
            Interlocked.Decrement(ref readsInFlight);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, default).GetAwaiter().GetResult();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
