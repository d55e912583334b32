using System.Security.Cryptography;
using System.Text;

namespace Jobs.ServiceDefaults.Security;

/// <summary>
/// An API key as a client holds it: <c>jobs_&lt;id: 32 hex&gt;_&lt;secret: 43 base64url&gt;</c>. The id finds the key's row;
/// the secret is checked against the row's SHA-256 (a 256-bit random secret needs no slow hash).
/// </summary>
public static class ApiKeyText
{
    const string Prefix = "jobs_";
    const int SecretBytes = 32;

    public static (string Text, byte[] SecretHash) Create(Guid id)
    {
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return ($"{Prefix}{id:N}_{secret}", Hash(secret));
    }

    public static bool TryParse(string? text, out Guid id, out string secret)
    {
        id = Guid.Empty;
        secret = "";
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length != Prefix.Length + 32 + 1 + 43)
            return false;
        if (text[Prefix.Length + 32] != '_' || !Guid.TryParseExact(text.AsSpan(Prefix.Length, 32), "N", out id))
            return false;
        secret = text[(Prefix.Length + 33)..];
        return secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    public static bool Matches(string secret, byte[] hash) => CryptographicOperations.FixedTimeEquals(Hash(secret), hash);

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
