using System.Globalization;
using Jobs.Token;

// Mints a token for the local signing key. Usage:
//   dotnet run --project tools/Jobs.Token -- --tenant acme --role operator --subject alice [--hours 12]
//     [--key-file .local/jwt.key | --key TEXT] [--issuer jobs] [--audience jobs]
// The key comes from --key, else --key-file, else $JOBS_JWT_SIGNING_KEY, else .local/jwt.key (written by scripts/run.sh).
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
        return Usage($"unexpected argument '{args[i]}'");
    options[args[i][2..]] = args[++i];
}
string[] known = ["tenant", "role", "subject", "hours", "key", "key-file", "issuer", "audience"];
if (options.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
    return Usage($"unknown option --{unknown}");
if (!options.TryGetValue("tenant", out var tenant) || !options.TryGetValue("role", out var role) || !options.TryGetValue("subject", out var subject))
    return Usage("--tenant, --role and --subject are required");
if (role is not ("admin" or "operator" or "viewer"))
    return Usage("--role must be admin, operator or viewer");
var hours = options.TryGetValue("hours", out var h) && double.TryParse(h, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : 12;

var key = options.GetValueOrDefault("key")
    ?? (options.TryGetValue("key-file", out var file) ? File.ReadAllText(file).Trim() : null)
    ?? Environment.GetEnvironmentVariable("JOBS_JWT_SIGNING_KEY")
    ?? (File.Exists(Path.Combine(".local", "jwt.key")) ? File.ReadAllText(Path.Combine(".local", "jwt.key")).Trim() : null);
if (key is null || System.Text.Encoding.UTF8.GetByteCount(key) < 32)
    return Usage("no signing key of at least 32 bytes (--key, --key-file, JOBS_JWT_SIGNING_KEY or .local/jwt.key)");

Console.WriteLine(TokenMinter.Mint(key, subject, tenant, role, TimeSpan.FromHours(hours),
    options.GetValueOrDefault("issuer", "jobs"), options.GetValueOrDefault("audience", "jobs")));
return 0;

static int Usage(string problem)
{
    Console.Error.WriteLine($"jobs-token: {problem}");
    Console.Error.WriteLine("usage: --tenant T --role admin|operator|viewer --subject S [--hours H] [--key K | --key-file F] [--issuer I] [--audience A]");
    return 2;
}
