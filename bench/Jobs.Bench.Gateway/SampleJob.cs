using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Jobs.Bench.Gateway;

/// <summary>The job whose GETs are measured: submitted through the gateway and ended before the first one, so its answer no longer changes.</summary>
internal static class SampleJob
{
    public const string Command = "/bin/true";

    /// <summary>The statuses a job ends in (JobApi's <c>LogCompleteness.TerminalStatuses</c>).</summary>
    static readonly string[] Terminal = ["Succeeded", "Failed", "TimedOut", "Canceled", "Lost"];

    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Submits <c>/bin/true</c> and polls the job until it has ended; its id and final status.</summary>
    public static async Task<(Guid Id, string Status)> Run(HttpClient gateway, TextWriter log)
    {
        Guid id;
        using (var response = await gateway.PostAsJsonAsync("/api/jobs", new Dictionary<string, object> { ["command"] = Command }))
        {
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Created)
                throw new InvalidOperationException($"POST /api/jobs {GatewayBench.Answered(response.StatusCode, body)}");
            using var json = JsonDocument.Parse(body);
            id = json.RootElement.GetProperty("id").GetGuid();
        }
        log.WriteLine($"job {id} submitted ({Command}); waiting for it to end");

        var begin = Stopwatch.GetTimestamp();
        while (true)
        {
            using var job = JsonDocument.Parse((await GatewayBench.Get(gateway, GatewayBench.JobPath(id))).Body);
            var status = job.RootElement.GetProperty("status").GetString() ?? "?";
            if (Terminal.Contains(status))
                return (id, status);
            if (Stopwatch.GetElapsedTime(begin) > Deadline)
                throw new InvalidOperationException($"job {id} is still {status} after {Deadline.TotalSeconds:0} s (is an executor running?)");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}
