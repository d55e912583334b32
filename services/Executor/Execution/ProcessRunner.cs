using System.ComponentModel;
using System.Diagnostics;
using System.Threading.Channels;
using Jobs.Contracts;

namespace Jobs.Executor.Execution;

/// <summary>
/// Runs one attempt's process: exec form unless the spec asks for a shell, stdin closed, stdout and stderr read at the
/// same time and numbered in one sequence in the order their pieces were cut.
/// </summary>
public sealed class ProcessRunner
{
    /// <summary>Pieces waiting to be published; when full, the pumps (and so the child) wait.</summary>
    const int PendingPieces = 16;

    public static ProcessStartInfo StartInfo(JobSpec spec, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = spec.Shell ? "/bin/sh" : spec.Command,
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (spec.Shell)
        {
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(spec.Command);
        }
        foreach (var arg in spec.Args)
            startInfo.ArgumentList.Add(arg);
        return startInfo;
    }

    /// <summary>
    /// Runs the process to its end. <paramref name="started"/> is called once it runs; <paramref name="publish"/> gets each
    /// numbered chunk in order and is awaited before the next, which keeps the output in order and bounded in memory.
    /// </summary>
    public static async Task<AttemptResult> Run(
        JobSpec spec,
        string workingDirectory,
        Func<int, Task> started,
        Func<int, OutputPiece, Task> publish,
        CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = StartInfo(spec, workingDirectory) };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return new AttemptResult(null, $"Could not start '{process.StartInfo.FileName}': {ex.Message}", 0);
        }

        try
        {
            process.StandardInput.Close();
            await started(process.Id);

            var pieces = Channel.CreateBounded<OutputPiece>(new BoundedChannelOptions(PendingPieces) { SingleReader = true });
            var pumps = Task.WhenAll(
                OutputPump.Run(process.StandardOutput.BaseStream, LogStream.Stdout, pieces.Writer, cancellationToken),
                OutputPump.Run(process.StandardError.BaseStream, LogStream.Stderr, pieces.Writer, cancellationToken));
            _ = pumps.ContinueWith(t => pieces.Writer.TryComplete(t.Exception), TaskScheduler.Default);

            var seq = 0;
            await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken))
                await publish(seq++, piece);
            await pumps;

            await process.WaitForExitAsync(cancellationToken);
            return new AttemptResult(process.ExitCode, null, seq);
        }
        catch
        {
            // Whatever stopped us from reporting (cancellation, a broker that failed a publish), the process must not
            // outlive the attempt: a retry would otherwise run it a second time beside the orphan.
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
