using System.Diagnostics;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Jobs.Testing;

/// <summary>
/// Finds the servers integration tests run against, once per test process: the <c>JOBS_*</c> environment variables if
/// set; else containers, when a Docker engine answers; else the local servers of <c>scripts/infra.sh up</c>.
/// </summary>
public static class TestServers
{
    static readonly SemaphoreSlim Gate = new(1, 1);
    static ServerEndpoints? endpoints;

    public static async Task<ServerEndpoints> Get()
    {
        await Gate.WaitAsync();
        try
        {
            return endpoints ??= ServerEndpoints.FromVariables(Environment.GetEnvironmentVariable)
                ?? (await DockerAnswers() ? await StartContainers() : await StartLocalServers());
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task<bool> DockerAnswers()
    {
        try
        {
            var (exitCode, _) = await Run("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(10));
            return exitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    static async Task<ServerEndpoints> StartContainers()
    {
        var postgres = new PostgreSqlBuilder("postgres:16").WithUsername("jobs").WithPassword("jobs").Build();
        var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management").WithUsername("jobs").WithPassword("jobs")
            .WithPortBinding(15672, true).Build();
        await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
        return new ServerEndpoints(
            postgres.Hostname, postgres.GetMappedPublicPort(5432), "jobs", "jobs",
            rabbit.Hostname, rabbit.GetMappedPublicPort(5672), rabbit.GetMappedPublicPort(15672), "jobs", "jobs");
    }

    static async Task<ServerEndpoints> StartLocalServers()
    {
        var script = Path.Combine(RepositoryRoot.Path, "scripts", "infra.sh");
        var (exitCode, output) = await Run("bash", [script, "up"], TimeSpan.FromMinutes(5));
        if (exitCode != 0)
            throw new InvalidOperationException($"scripts/infra.sh up failed ({exitCode}):\n{output}");

        var variables = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, ".local", "infra.env"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("export ", StringComparison.Ordinal))
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1].Trim('"', '\''));
        return ServerEndpoints.FromVariables(name => variables.GetValueOrDefault(name))
            ?? throw new InvalidOperationException(".local/infra.env does not name the servers.");
    }

    internal static async Task<(int ExitCode, string Output)> Run(
        string file, string[] args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            startInfo.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            startInfo.Environment[name] = value;
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
