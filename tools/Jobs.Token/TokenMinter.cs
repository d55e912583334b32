using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Jobs.Token;

/// <summary>
/// Signs a Jobs token with the shared local key (HMAC-SHA256), as the services expect it: issuer and audience
/// <c>jobs</c> by default, and the <c>sub</c>, <c>tenant</c> and <c>role</c> claims. For local use and tests; in
/// production an OIDC provider issues the tokens.
/// </summary>
public static class TokenMinter
{
    public static string Mint(
        string signingKey, string subject, string tenant, string role, TimeSpan lifetime,
        string issuer = "jobs", string audience = "jobs", DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["tenant"] = tenant, ["role"] = role },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
