using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Rewards.ServiceDefaults.Http;

namespace Rewards.Ledger.Features.Partners;

/// <summary>The partner-v1 OpenAPI document: the service conventions with the request signature as its security scheme.</summary>
public static class PartnerOpenApi
{
    private const string SchemeName = "PartnerSignature";

    public static void Apply(OpenApiOptions options)
    {
        options.ShouldInclude = description => description.GroupName == PartnerApi.Document; // not every endpoint without a group
        OpenApiConventions.Apply(options, SchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Partner-Key",
            Description = """
                Every request is signed with the key's secret. Headers: X-Partner-Key (key id), X-Partner-Timestamp (Unix seconds,
                within ±5 min of the Ledger's clock), X-Partner-Nonce (8–128 characters, never reused, not even by a retry) and
                X-Partner-Signature = hex(HMAC-SHA256(secret, METHOD + "\n" + path-and-query + "\n" + timestamp + "\n" + nonce + "\n" +
                hex(SHA-256(body)))). A failure is 401 with one of the problem types partner-signature-missing, partner-signature-invalid,
                partner-timestamp-out-of-range, partner-nonce-reused, partner-key-unknown, partner-key-revoked, partner-suspended,
                and writes nothing. Requests beyond the partner's rate are 429 rate-limited with Retry-After.
                """,
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in new[]
            {
                ("X-Partner-Timestamp", "Unix seconds when the request was signed (±5 min)."),
                ("X-Partner-Nonce", "A value never used before with this key, 8 to 128 characters."),
                ("X-Partner-Signature", "Hex HMAC-SHA256 of the request, see the security scheme."),
            })
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name, In = ParameterLocation.Header, Required = true, Description = description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "The signature, timestamp, nonce, key or partner was refused (see the security scheme)." });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limit reached: retry after Retry-After seconds, with a new nonce." });
            return Task.CompletedTask;
        });
    }
}
