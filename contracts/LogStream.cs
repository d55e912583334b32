namespace Jobs.Contracts;

/// <summary>Which output stream a log chunk came from.</summary>
public enum LogStream
{
    Stdout = 1,
    Stderr = 2,
}
