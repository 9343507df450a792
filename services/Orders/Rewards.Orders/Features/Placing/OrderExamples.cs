using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;

namespace Rewards.Orders.Features.Placing;

/// <summary>Example bodies for the OpenAPI document, so a storefront developer sees a complete order at a glance.</summary>
internal static class OrderExamples
{
    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder endpoint, string json) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true) media.Example = JsonNode.Parse(json);
            return Task.CompletedTask;
        });

    public const string PlaceOrder =
        """
        {
          "lines": [
            { "sku": "KPOP-ALB-7", "name": "Album, limited edition", "quantity": 2, "unitPrice": 24.99, "weightGrams": 350, "itemType": "normal" },
            { "sku": "MG-0312", "name": "Signed album (meet & greet)", "quantity": 1, "unitPrice": 39.00, "weightGrams": 400,
              "itemType": "meet-and-greet", "broadcastAt": "2027-03-12T11:00:00Z" }
          ],
          "currency": "USD",
          "shipping": { "country": "US", "method": "standard", "address": "1 Main St, Springfield, IL 62701" },
          "points": { "channel": "online", "points": 2000 },
          "paymentMethod": "card",
          "policyAccepted": true
        }
        """;
}
