namespace Jobs.Bench.System;

/// <summary>A process's resident memory now (<c>VmRSS</c>) and at its peak so far (<c>VmHWM</c>), in MiB, from <c>/proc</c>.</summary>
internal readonly record struct Memory(double RssMiB, double PeakMiB)
{
    public static Memory Of(int processId)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                rss = KiB(line) / 1024;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                peak = KiB(line) / 1024;
        }
        return new Memory(Math.Round(rss, 1), Math.Round(peak, 1));
    }

    static double KiB(string line) => double.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], global::System.Globalization.CultureInfo.InvariantCulture);
}
