using Jobs.Contracts;
using Jobs.JobApi.Api;
using Jobs.JobApi.Security;
using Microsoft.Extensions.Options;

namespace Jobs.JobApi.Tests;

/// <summary>The command policy's corners the end-to-end tests do not reach: pattern timeouts, prefixes, placeholders, defaults.</summary>
public sealed class CommandPolicyEvaluatorTests
{
    static readonly Caller Operator = new("acme", "otto", "operator");
    static readonly Caller Admin = new("acme", "ada", "admin");

    [Fact]
    public void CatastrophicArgumentPattern_TimesOutAndDenies()
    {
        var evaluator = Evaluator(new CommandPolicy { Commands = [new AllowedCommand { Command = "/bin/echo", Args = "(a+)+b" }] });

        var (spec, denial, _) = evaluator.Evaluate(Operator, Command("/bin/echo", new string('a', 5000) + "!"));

        Assert.Null(spec);
        Assert.Equal("Policies:Tenants:acme:Commands", denial!.Rule);
    }

    [Theory]
    [InlineData("LD_PRELOAD", true)]
    [InlineData("LD_LIBRARY_PATH", true)]
    [InlineData("PATH", true)]
    [InlineData("PATHEXT", false)]
    [InlineData("MY_LD_THING", false)]
    public void DeniedEnv_MatchesNamesAndPrefixes(string name, bool denied)
    {
        var evaluator = Evaluator(new CommandPolicy { Commands = [new AllowedCommand { Command = "/bin/true" }] });

        var (_, denial, _) = evaluator.Evaluate(Operator, Command("/bin/true"));
        var (_, withEnv, _) = evaluator.Evaluate(Operator, new Submission(new JobSpec("/bin/true", [], false, "default") { Env = new Dictionary<string, string> { [name] = "x" } }, null));

        Assert.Null(denial);
        Assert.Equal(denied, withEnv?.Rule == "Policies:Tenants:acme:DeniedEnv");
    }

    [Fact]
    public void TemplatePlaceholders_AreReplacedInsideArguments_AndTheTemplateIsNotACommandCheck()
    {
        var evaluator = Evaluator(new CommandPolicy
        {
            TemplatesOnly = true,
            Templates = { ["copy"] = new JobTemplate { Command = "/usr/bin/cp", Args = ["--from={src}", "/backup/{src}.bak"], Parameters = { ["src"] = "[a-z]+" } } },
        });

        var (spec, denial, errors) = evaluator.Evaluate(Operator, new Submission(new JobSpec("", [], false, "default"), new TemplateCall("copy", new Dictionary<string, string> { ["src"] = "orders" })));

        Assert.Empty(errors);
        Assert.Null(denial);
        Assert.Equal("/usr/bin/cp", spec!.Command);
        Assert.Equal(["--from=orders", "/backup/orders.bak"], spec.Args);
    }

    [Fact]
    public void ATenantWithoutAnEntry_FallsUnderTheDefault_AndAnEntryReplacesItWhole()
    {
        var options = new CommandPolicyOptions
        {
            Default = new CommandPolicy { Commands = [new AllowedCommand { Command = "/bin/true" }] },
            Tenants = { ["strict"] = new CommandPolicy() },
        };
        var evaluator = new CommandPolicyEvaluator(new Fixed(options));

        var (_, other, _) = evaluator.Evaluate(new Caller("other", "o", "operator"), Command("/bin/true"));
        var (_, strict, _) = evaluator.Evaluate(new Caller("strict", "s", "operator"), Command("/bin/true"));

        Assert.Null(other);
        Assert.Equal("Policies:Tenants:strict:Commands", strict!.Rule);
    }

    [Fact]
    public void AdminsUnderAPolicyThatSaysSo_AreCheckedLikeOperators()
    {
        var evaluator = Evaluator(new CommandPolicy { AdminsRunAnyCommand = false, Commands = [new AllowedCommand { Command = "/bin/true" }] });

        Assert.Null(evaluator.Evaluate(Admin, Command("/bin/true")).Denial);
        Assert.Equal("Policies:Tenants:acme:Commands", evaluator.Evaluate(Admin, Command("/bin/rm")).Denial!.Rule);
    }

    [Theory]
    [InlineData("/srv/work", true)]
    [InlineData("/srv/work/", true)]
    [InlineData("/srv/work/a/b", true)]
    [InlineData("/srv/workshop", false)]
    [InlineData("/srv", false)]
    public void WorkingDirectories_AreTheRootsAndBelow(string directory, bool allowed)
    {
        var evaluator = Evaluator(new CommandPolicy { Commands = [new AllowedCommand { Command = "/bin/true" }], WorkingDirectories = ["/srv/work"] });

        var (_, denial, _) = evaluator.Evaluate(Operator, new Submission(new JobSpec("/bin/true", [], false, "default") { WorkingDirectory = directory }, null));

        Assert.Equal(allowed, denial is null);
    }

    static Submission Command(string command, params string[] args) => new(new JobSpec(command, args, false, "default"), null);

    static CommandPolicyEvaluator Evaluator(CommandPolicy acme) =>
        new(new Fixed(new CommandPolicyOptions { Tenants = { ["acme"] = acme } }));

    sealed class Fixed(CommandPolicyOptions value) : IOptionsMonitor<CommandPolicyOptions>
    {
        public CommandPolicyOptions CurrentValue => value;

        public CommandPolicyOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CommandPolicyOptions, string?> listener) => null;
    }
}
