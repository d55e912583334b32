namespace Jobs.Contracts;

/// <summary>Facts about the host an executor runs on.</summary>
public record HostFacts(string HostName, string Os, int Cores, long MemoryBytes);
