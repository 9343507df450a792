using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// What every service's OpenAPI document says the same way: the bearer scheme and which operations need it, the
/// <c>Idempotency-Key</c> header every POST, PUT and PATCH takes (IdempotencyMiddleware), the responses with their
/// problem types (<see cref="ProblemResponses"/>), money as decimal and fixed value sets as enums.
/// </summary>
public static class OpenApiConventions
{
    public const string BearerScheme = "Bearer";

    /// <summary>
    /// Every service's document. Call <c>builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options))</c> in
    /// the service's own project: the OpenAPI source generator adds a project's XML doc comments as descriptions by
    /// intercepting that project's AddOpenApi call, and only one written with a lambda (not a method group).
    /// </summary>
    public static void Apply(OpenApiOptions options) => Apply(options, BearerScheme, new OpenApiSecurityScheme
    {
        Type = SecuritySchemeType.Http,
        Scheme = "bearer",
        BearerFormat = "JWT",
        Description = "A token from Membership's POST /auth/token; /ops/ operations need an ops account's token (role ops).",
    });

    /// <summary>A document whose operations that need authorization take <paramref name="scheme"/> (a partner document, say).</summary>
    public static void Apply(OpenApiOptions options, string schemeName, OpenApiSecurityScheme scheme)
    {
        ProblemResponses.Apply(options);
        // Money is decimal: say so, so that generated clients do not carry amounts in binary floating point.
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if ((Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type) == typeof(decimal)) schema.Format = "decimal";
            // A string field with a fixed set of values ([AllowedValues]) is an enum, so clients can offer exactly those.
            if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(AllowedValuesAttribute), true) is [AllowedValuesAttribute allowed, ..])
                schema.Enum = [.. allowed.Values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v?.ToString())!)];
            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[schemeName] = scheme;
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(schemeName, context.Document)] = [] });
            }
            if (context.Description.HttpMethod is "POST" or "PUT" or "PATCH"
                && !metadata.OfType<IdempotencyKeyInBody>().Any() // keyed by a body field instead
                && operation.Parameters?.Any(p => p.Name == IdempotencyMiddleware.Header) != true)
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = IdempotencyMiddleware.Header,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Makes the request safe to repeat: a repeat with the same key and body gets the first answer "
                        + "(Idempotent-Replayed: true); the same key with another body is 409 /problems/idempotency-key-reuse. Kept 24 h.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 },
                });
            }
            return Task.CompletedTask;
        });
    }
}
