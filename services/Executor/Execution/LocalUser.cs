using System.Globalization;
using System.Runtime.InteropServices;

namespace Jobs.Executor.Execution;

/// <summary>A local account jobs run as, read from the password database.</summary>
public sealed partial record LocalUser(string Name, int Uid, int Gid)
{
    /// <summary>The user named <paramref name="name"/> in <paramref name="passwd"/>, or null if there is none.</summary>
    public static LocalUser? Find(string name, string passwd = "/etc/passwd") =>
        File.ReadLines(passwd)
            .Select(line => line.Split(':'))
            .Where(fields => fields.Length >= 4 && fields[0] == name)
            .Select(fields => new LocalUser(fields[0], int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture)))
            .FirstOrDefault();

    /// <summary>Hands <paramref name="path"/> to this user, so a job can write in the directory made for it.</summary>
    public void Own(string path)
    {
        if (Chown(path, Uid, Gid) != 0)
            throw new IOException($"Could not give '{path}' to user {Name}: errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>The arguments that make <c>setpriv</c> exec the program as this user with its groups.</summary>
    public IEnumerable<string> SetprivArguments() =>
        ["setpriv", $"--reuid={Uid}", $"--regid={Gid}", "--init-groups", "--"];

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Chown(string path, int owner, int group);
}
