using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Jobs.Testing;

/// <summary>
/// One Jobs service run as a real process from its build output (<c>dotnet Jobs.X.dll</c>), its output kept in a file
/// under <c>.local/test-logs</c> for when a test fails.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
#if DEBUG
    const string Configuration = "Debug";
#else
    const string Configuration = "Release";
#endif

    static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    readonly Process process;
    readonly StreamWriter log;

    ServiceProcess(string name, int port, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        this.process = process;
        this.log = log;
        LogPath = logPath;
    }

    public string Name { get; }
    public int Port { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public bool HasExited => process.HasExited;
    public int ProcessId => process.Id;

    /// <summary>Starts <c>services/{service}</c> on the given (or a free) loopback port with the given configuration (as environment variables).</summary>
    public static ServiceProcess Start(
        string service, string name, IReadOnlyDictionary<string, string> configuration, string logDirectory, int? port = null)
    {
        var output = Path.Combine(RepositoryRoot.Path, "services", service, "bin", Configuration, "net10.0");
        var dll = Path.Combine(output, $"Jobs.{service}.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: build the solution ({Configuration}) first.", dll);

        var listenPort = port ?? FreePort();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{listenPort}";
        startInfo.Environment["Urls"] = $"http://127.0.0.1:{listenPort}";
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in configuration)
            startInfo.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, $"{name}.log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, listenPort, process, log, logPath);
    }

    /// <summary>Waits until <c>/health</c> answers 200 (database and broker reachable), or the process exits.</summary>
    public async Task WaitHealthy(TimeSpan timeout)
    {
        try
        {
            await Eventually.Get(async () => process.HasExited || await AnswersHealthy(), done => done, timeout, $"{Name} to be healthy");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} was not healthy within {timeout.TotalSeconds:0} s:\n{Tail()}");
        }
        if (process.HasExited)
            throw new InvalidOperationException($"{Name} exited with {process.ExitCode} before it was healthy:\n{Tail()}");
    }

    async Task<bool> AnswersHealthy()
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri(BaseAddress, "health"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // Not listening yet.
        }
        catch (TaskCanceledException)
        {
            return false; // Listening but slow to answer while it starts.
        }
    }

    /// <summary>The last lines the service wrote, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        lock (log)
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a crash.</summary>
    public async Task Kill()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait: a graceful stop; SIGKILL if it has not stopped by the deadline.</summary>
    public async Task Stop(TimeSpan timeout)
    {
        if (process.HasExited)
            return;
        _ = SendSignal(process.Id, SigTerm);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stop(TimeSpan.FromSeconds(10));
        process.Dispose();
        lock (log)
            log.Dispose();
    }

    static void Write(StreamWriter log, string? line)
    {
        if (line is null)
            return;
        lock (log)
        {
            if (log.BaseStream.CanWrite)
                log.WriteLine(line);
        }
    }

    /// <summary>Every port handed out in this process, so two services started side by side never get the same one.</summary>
    static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port free now and not handed out before in this process: the OS may give a port just released
    /// (probed but not yet bound) to the next probe, and two services on one port left one of them dead while the
    /// other answered its health checks (CI: jobapi-2 and scheduler-2 on one port).
    /// </summary>
    static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                    return port;
            }
        }
    }

    const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
