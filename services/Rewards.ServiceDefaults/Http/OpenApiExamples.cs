using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;

namespace Rewards.ServiceDefaults.Http;

/// <summary>Example bodies in the OpenAPI document, so a developer sees a complete request and its answer at a glance.</summary>
public static class OpenApiExamples
{
    /// <summary>Sets the JSON request body's example and, if given, the example of the first successful JSON response.</summary>
    public static RouteHandlerBuilder WithExample(this RouteHandlerBuilder endpoint, string? request, string? response = null) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (request is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
                body.Example = JsonNode.Parse(request);
            if (response is not null && operation.Responses?.FirstOrDefault(r => r.Key.StartsWith('2')).Value?.Content is { } content
                && content.TryGetValue("application/json", out var answer))
                answer.Example = JsonNode.Parse(response);
            return Task.CompletedTask;
        });
}
