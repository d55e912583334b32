using Jobs.Executor.Execution;

namespace Jobs.Executor.Tests;

public sealed class ExecutableTests : IDisposable
{
    const UnixFileMode Executable755 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    const UnixFileMode Readable644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    readonly string root = Directory.CreateTempSubdirectory("jobs-executable-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void BareName_IsTheFirstExecutableFileOfThatNameOnPath()
    {
        var withDirectory = Folder("a");
        Directory.CreateDirectory(Path.Combine(withDirectory, "tool"));
        var withPlainFile = Folder("b");
        File("b/tool", Readable644);
        var withProgram = Folder("c");
        File("c/tool", Executable755);
        var later = Folder("d");
        File("d/tool", Executable755);

        var (path, error) = Executable.Resolve("tool", string.Join(':', withDirectory, withPlainFile, "", withProgram, later));

        Assert.Null(error);
        Assert.Equal(Path.Combine(withProgram, "tool"), path);
    }

    [Fact]
    public void BareNameNowhereOnPath_IsAnErrorNamingIt()
    {
        var (path, error) = Executable.Resolve("tool", Folder("empty"));

        Assert.Null(path);
        Assert.Equal("'tool' was not found on PATH.", error);
    }

    [Fact]
    public void BareNameWithNoPath_IsSearchedInTheStandardDirectories()
    {
        var (path, error) = Executable.Resolve("sh", null);

        Assert.Null(error);
        Assert.Contains(path, new[] { "/usr/local/bin/sh", "/usr/bin/sh", "/bin/sh" });
    }

    [Fact]
    public void PathWithASlash_IsUsedAsItIsWithoutSearching()
    {
        var program = File("prog", Executable755);

        Assert.Equal((program, (string?)null), Executable.Resolve(program, Folder("elsewhere")));
    }

    [Fact]
    public void OnlyGroupOrOtherExecuteBit_CountsAsExecutable()
    {
        var program = File("group-only", UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        Assert.Equal((program, (string?)null), Executable.Resolve(program, null));
    }

    string Folder(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;

    string File(string name, UnixFileMode mode)
    {
        var path = Path.Combine(root, name);
        System.IO.File.WriteAllText(path, "#!/bin/sh\n");
        System.IO.File.SetUnixFileMode(path, mode);
        return path;
    }
}
