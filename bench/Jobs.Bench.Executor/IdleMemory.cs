using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Jobs.Bench.Executor;

/// <summary>The idle executor's memory, or why it was not measured. Sizes in MiB, times in seconds.</summary>
internal sealed record IdleMemoryResult(
    string Status,
    string? Reason = null,
    double? VmRssMiB = null,
    double? VmHwmMiB = null,
    double? AliveAfterSeconds = null,
    double? SettleSeconds = null,
    double? ExitAfterSigtermSeconds = null,
    int? ExitCode = null)
{
    public const string Measured = "measured";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <summary>
/// Starts the built executor daemon as a child, lets it settle once it is alive, reads its resident memory from
/// <c>/proc</c>, then stops it with SIGTERM as an operator would (it drains; with nothing running it exits at once).
/// </summary>
internal static partial class IdleMemory
{
    const int SigTerm = 15;
    const string ExecutorId = "bench-idle";

    static readonly string[] RabbitMqVariables = ["JOBS_RMQ_HOST", "JOBS_RMQ_PORT", "JOBS_RMQ_USER", "JOBS_RMQ_PASSWORD"];
    static readonly TimeSpan AliveTimeout = TimeSpan.FromSeconds(90);
    static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static async Task<IdleMemoryResult> Measure(string dll, TimeSpan settle, TextWriter log)
    {
        var missing = RabbitMqVariables.Where(name => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))).ToList();
        if (missing.Count > 0)
            return Skip(log, $"{string.Join(", ", missing)} not set: run `scripts/infra.sh up`, then `. .local/infra.env` in the same shell, before the benchmark.");
        if (!File.Exists(dll))
            return Skip(log, $"{dll} does not exist: build the executor first with `dotnet build Jobs.sln -c Release` (or `dotnet build services/Executor -c Release`).");

        var url = $"http://127.0.0.1:{FreePort()}";
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(Path.GetFullPath(dll));
        startInfo.Environment["RabbitMq__Host"] = Environment.GetEnvironmentVariable("JOBS_RMQ_HOST");
        startInfo.Environment["RabbitMq__Port"] = Environment.GetEnvironmentVariable("JOBS_RMQ_PORT");
        startInfo.Environment["RabbitMq__Username"] = Environment.GetEnvironmentVariable("JOBS_RMQ_USER");
        startInfo.Environment["RabbitMq__Password"] = Environment.GetEnvironmentVariable("JOBS_RMQ_PASSWORD");
        startInfo.Environment["RabbitMq__VirtualHost"] = "/";
        startInfo.Environment["Executor__Id"] = ExecutorId;
        // A pool of its own, so no Scheduler places real jobs on an executor that lives for a few seconds only.
        startInfo.Environment["Executor__Pool"] = ExecutorId;
        startInfo.Environment["Executor__AllowRoot"] = "true";
        startInfo.Environment["Urls"] = url;
        startInfo.Environment["ASPNETCORE_URLS"] = url;

        var tail = new OutputTail(30);
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => tail.Add(e.Data);
        process.ErrorDataReceived += (_, e) => tail.Add(e.Data);
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return Fail(log, $"could not start `dotnet {dll}`: {ex.Message}", tail);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log.WriteLine($"  executor pid {process.Id} on {url}, waiting for /alive");

        try
        {
            if (!await WaitAlive(process, new Uri($"{url}/alive")))
            {
                return Fail(log, process.HasExited
                    ? $"the executor exited with {process.ExitCode} before /alive answered"
                    : $"/alive did not answer 200 within {AliveTimeout.TotalSeconds:0} s", tail);
            }
            var aliveAfter = clock.Elapsed;
            log.WriteLine($"  alive after {aliveAfter.TotalSeconds:0.0} s; settling {settle.TotalSeconds:0} s");
            await Task.Delay(settle);
            if (process.HasExited)
                return Fail(log, $"the executor exited with {process.ExitCode} while idle", tail);

            var (rss, hwm) = ReadMemory(process.Id);

            var stopping = Stopwatch.StartNew();
            if (Kill(process.Id, SigTerm) != 0)
                return Fail(log, $"kill(SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}", tail);
            using var timeout = new CancellationTokenSource(ExitTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                log.WriteLine($"  the executor did not exit within {ExitTimeout.TotalSeconds:0} s of SIGTERM; killing it");
                return new IdleMemoryResult(IdleMemoryResult.Measured, $"did not exit within {ExitTimeout.TotalSeconds:0} s of SIGTERM (killed)", rss, hwm, aliveAfter.TotalSeconds, settle.TotalSeconds);
            }
            log.WriteLine($"  exited with {process.ExitCode} {stopping.Elapsed.TotalSeconds:0.0} s after SIGTERM");
            return new IdleMemoryResult(IdleMemoryResult.Measured, null, rss, hwm, aliveAfter.TotalSeconds, settle.TotalSeconds, stopping.Elapsed.TotalSeconds, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    static async Task<bool> WaitAlive(Process process, Uri alive)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < AliveTimeout && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(alive);
                if (response.StatusCode == HttpStatusCode.OK)
                    return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(Poll);
        }
        return false;
    }

    /// <summary>VmRSS (resident now) and VmHWM (the most it was resident) of <paramref name="pid"/>, in MiB.</summary>
    static (double Rss, double Hwm) ReadMemory(int pid)
    {
        var fields = File.ReadLines($"/proc/{pid}/status")
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim(), StringComparer.Ordinal);
        return (MiB(fields, "VmRSS"), MiB(fields, "VmHWM"));
    }

    static double MiB(Dictionary<string, string> fields, string name)
    {
        // The kernel writes these as "<n> kB".
        if (!fields.TryGetValue(name, out var value)
            || !value.EndsWith(" kB", StringComparison.Ordinal)
            || !long.TryParse(value[..^3], NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes))
            throw new InvalidOperationException($"/proc/<pid>/status has no usable {name} line ({value}).");
        return kilobytes / 1024.0;
    }

    /// <summary>A port nothing listens on right now, for the child to bind.</summary>
    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    static IdleMemoryResult Skip(TextWriter log, string reason)
    {
        log.WriteLine($"  idle memory skipped: {reason}");
        return new IdleMemoryResult(IdleMemoryResult.Skipped, reason);
    }

    static IdleMemoryResult Fail(TextWriter log, string reason, OutputTail tail)
    {
        log.WriteLine($"  idle memory failed: {reason}; the executor's last output:");
        foreach (var line in tail.Lines())
            log.WriteLine($"    | {line}");
        return new IdleMemoryResult(IdleMemoryResult.Failed, reason);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>The last lines the child wrote, for saying why it failed.</summary>
    sealed class OutputTail(int capacity)
    {
        readonly Queue<string> lines = new();
        readonly Lock gate = new();

        public void Add(string? line)
        {
            if (line is null)
                return;
            lock (gate)
            {
                lines.Enqueue(line);
                while (lines.Count > capacity)
                    lines.Dequeue();
            }
        }

        public List<string> Lines()
        {
            lock (gate)
                return [.. lines];
        }
    }
}
