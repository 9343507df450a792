using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// What every service's OpenAPI document says the same way: the bearer scheme and which operations need it, and the
/// <c>Idempotency-Key</c> header every POST, PUT and PATCH takes (IdempotencyMiddleware).
/// </summary>
public static class OpenApiConventions
{
    public const string BearerScheme = "Bearer";

    /// <summary>
    /// Every service's document: call <c>builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options))</c> (a lambda: the generator does not intercept a method group) in the service's own
    /// project, where the OpenAPI source generator turns that project's XML doc comments into descriptions (it
    /// intercepts the AddOpenApi call of the project it compiles).
    /// </summary>
    public static void Apply(OpenApiOptions options)
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
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token from Membership's POST /auth/token; /ops/ operations need an ops account's token (role ops).",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
            }
            if (context.Description.HttpMethod is "POST" or "PUT" or "PATCH"
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
