namespace Jobs.JobApi.Security;

/// <summary>
/// <c>Policies</c>: what each tenant may run. <see cref="Default"/> holds for every tenant without an entry of its own
/// under <see cref="Tenants"/> (an entry replaces the default whole; it is not merged with it).
/// </summary>
public sealed class CommandPolicyOptions
{
    public const string Section = "Policies";

    public CommandPolicy Default { get; set; } = new();
    public Dictionary<string, CommandPolicy> Tenants { get; set; } = [];
}

/// <summary>One tenant's rules for submits by operators (and by admins, unless they may run any command).</summary>
public sealed class CommandPolicy
{
    /// <summary>Environment names no operator may set: they change which program runs or how (the default list when null).</summary>
    public static readonly IReadOnlyList<string> DefaultDeniedEnv = ["PATH", "LD_*", "BASH_ENV", "ENV", "SHELLOPTS", "IFS", "PYTHONPATH", "PERL5LIB", "NODE_OPTIONS"];

    /// <summary>Admins may submit any command, arguments, shell and environment (working directories are still checked for traversal).</summary>
    public bool AdminsRunAnyCommand { get; set; } = true;

    /// <summary>Operators may submit only templates, never a command of their own.</summary>
    public bool TemplatesOnly { get; set; }

    /// <summary>Operators may submit <c>shell: true</c> (a script for <c>/bin/sh -c</c>) for allowed commands; off by default, as a shell runs anything.</summary>
    public bool AllowShell { get; set; }

    /// <summary>The executables operators may run, each with the arguments it accepts.</summary>
    public List<AllowedCommand> Commands { get; set; } = [];

    /// <summary>Directories (and their subdirectories) operators may choose as <c>workingDirectory</c>; none when empty.</summary>
    public List<string> WorkingDirectories { get; set; } = [];

    /// <summary>Names (a trailing <c>*</c> matches a prefix) operators may not set in <c>env</c>; <see cref="DefaultDeniedEnv"/> when null.</summary>
    public List<string>? DeniedEnv { get; set; }

    /// <summary>Named jobs anyone who may submit can run, with parameters checked against patterns.</summary>
    public Dictionary<string, JobTemplate> Templates { get; set; } = [];
}

/// <summary>An executable (exact path or name as submitted) and the arguments it may be given.</summary>
public sealed class AllowedCommand
{
    public string Command { get; set; } = "";

    /// <summary>A regular expression every argument must match whole; any argument when null.</summary>
    public string? Args { get; set; }

    /// <summary>At most this many arguments; any number when null.</summary>
    public int? MaxArgs { get; set; }
}

/// <summary>
/// A named job: the command and arguments are fixed here; <c>{name}</c> in an argument is replaced by the parameter of
/// that name, whose value must match the parameter's pattern whole.
/// </summary>
public sealed class JobTemplate
{
    public string Command { get; set; } = "";
    public List<string> Args { get; set; } = [];
    public bool Shell { get; set; }
    public string? Description { get; set; }
    public Dictionary<string, string> Parameters { get; set; } = [];
}
