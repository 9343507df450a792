using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Rewards.ServiceDefaults.Http;

/// <summary>Endpoint metadata: the problem types an operation answers with <see cref="Status"/>.</summary>
public sealed record ProblemTypes(int Status, IReadOnlyList<string> Slugs);

/// <summary>
/// Every response an operation can give, in its OpenAPI document, with the problem types behind each status: the ones
/// an endpoint declares with <see cref="Refuses{TBuilder}"/>, and those every operation of its kind can give (400
/// validation for a body or parameters, 401/403 for authorisation, 404 for a resource in the path, 409 for a reused
/// idempotency key, 503 for an outage).
/// </summary>
public static class ProblemResponses
{
    public const string Schema = "ProblemDetails";

    /// <summary>Declares that the endpoint refuses with <paramref name="status"/> and these <c>/problems/{slug}</c> types.</summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder endpoint, int status, params string[] slugs) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(new ProblemTypes(status, slugs));

    internal static void Apply(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas[Schema] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "RFC 9457 problem details. type is a stable /problems/{slug}; a validation problem adds errors: field → messages.",
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Examples = [JsonValue.Create("/problems/insufficient-points")] },
                    ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                    ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["errors"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var description = context.Description;
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var types = new SortedDictionary<int, SortedSet<string>>();
            void Add(int status, params string[] slugs)
            {
                if (!types.TryGetValue(status, out var set)) types[status] = set = new SortedSet<string>(StringComparer.Ordinal);
                set.UnionWith(slugs);
            }

            foreach (var declared in metadata.OfType<ProblemTypes>()) Add(declared.Status, [.. declared.Slugs]);
            if (operation.RequestBody is not null || description.ParameterDescriptions.Count > 0) Add(400, "validation");
            var authorize = metadata.OfType<IAuthorizeData>().ToList();
            if (authorize.Count > 0 && !metadata.OfType<IAllowAnonymous>().Any())
            {
                Add(401, "unauthorized");
                if (authorize.Any(a => a.Policy == AuthExtensions.OpsPolicy || a.Roles is not null)) Add(403, "forbidden");
            }
            if (description.RelativePath?.Contains('{', StringComparison.Ordinal) == true) Add(404, "not-found");
            if (description.HttpMethod is "POST" or "PUT" or "PATCH") Add(409, "idempotency-key-reuse");
            Add(503, "service-unavailable");

            operation.Responses ??= [];
            foreach (var (status, slugs) in types)
            {
                var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var listed = string.Join(", ", slugs.Select(s => $"/problems/{s}"));
                if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
                {
                    response.Description = $"{Text(status)}: {listed}";
                    continue;
                }
                var added = new OpenApiResponse
                {
                    Description = $"{Text(status)}: {listed}",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(Schema, context.Document) },
                    },
                };
                if (status == 503)
                {
                    added.Headers = new Dictionary<string, IOpenApiHeader>
                    {
                        ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before trying again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                    };
                }
                operation.Responses[key] = added;
            }
            return Task.CompletedTask;
        });
    }

    private static string Text(int status) => status switch
    {
        400 => "Bad request",
        401 => "Not logged in, or the token expired",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Conflict",
        422 => "Not possible by the programme's rules",
        423 => "Locked",
        429 => "Too many requests",
        503 => "Unavailable for now (retry after Retry-After seconds)",
        _ => "Refused",
    };
}
