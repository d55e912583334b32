using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Jobs.ServiceDefaults.Security;

/// <summary>
/// <c>Auth:Jwt</c>: where bearer tokens come from. In production an OIDC <see cref="Authority"/> signs them (its keys are
/// read from its discovery document); for local use a shared <see cref="SigningKey"/> (HMAC-SHA256, at least 32 bytes
/// of UTF-8) does, and <c>tools/Jobs.Token</c> mints tokens with it.
/// </summary>
public sealed class JwtSettings
{
    public const string Section = "Auth:Jwt";
    public const int MinKeyBytes = 32;

    public string? Authority { get; set; }
    public string Issuer { get; set; } = "jobs";
    public string Audience { get; set; } = "jobs";
    public string? SigningKey { get; set; }
    public bool RequireHttpsMetadata { get; set; } = true;
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public static SymmetricSecurityKey KeyFrom(string signingKey)
    {
        var bytes = Encoding.UTF8.GetBytes(signingKey);
        if (bytes.Length < MinKeyBytes)
            throw new InvalidOperationException($"{Section}:SigningKey must be at least {MinKeyBytes} bytes; it is {bytes.Length}.");
        return new SymmetricSecurityKey(bytes);
    }
}
