namespace Rewards.Orders.Features.Placing;

/// <summary>Example bodies for the OpenAPI document, so a storefront developer sees a complete order at a glance.</summary>
internal static class OrderExamples
{
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

    public const string Placed =
        """
        {
          "orderId": "01935f2e-7a10-7cc1-9d4e-3c0f8b6a2d11", "orderNumber": "RW100234", "status": "pending-payment",
          "totals": { "goods": 88.98, "shipping": 0.00, "trackingFee": 2.99, "pointsUsed": 2000, "pointsValue": 2.00, "amountDue": 89.97 },
          "paymentId": "01935f2e-7a10-7cc1-9d4e-3c0f8b6a2d12"
        }
        """;
}
