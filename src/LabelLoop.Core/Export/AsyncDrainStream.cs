namespace LabelLoop.Core.Export;

/// <summary>
/// A write-only adapter for writers that mix synchronous and asynchronous writes (<c>ZipArchive</c> writes its
/// headers synchronously) over a target that allows only asynchronous ones (an ASP.NET Core response body):
/// synchronous writes are buffered, asynchronous writes and <see cref="DrainAsync"/> pass the buffer on first,
/// so the bytes keep their order. Drain after each unit (a zip entry) and the buffer stays small.
/// </summary>
public sealed class AsyncDrainStream(Stream inner) : Stream
{
    private readonly MemoryStream _pending = new();
    private long _position;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
        _position += buffer.Length;
    }

    /// <summary>Writes what synchronous writes buffered to the target.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        if (_pending.Length == 0)
        {
            return;
        }
        await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
    }

    // Synchronous flushes are deferred to the next drain; the owner flushes the target asynchronously.
    public override void Flush()
    {
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pending.Dispose();
        }
        base.Dispose(disposing);
    }
}
