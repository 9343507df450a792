using System.Net.Http.Json;
using System.Text.Json;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// The public HTTP contract, checked against each service's OpenAPI document: every operation exists, its request body
/// has every field the contract names, and it requires none the contract does not name (extensions must stay optional).
/// The list is this repository's copy of the contract's operations, kept here as data.
/// </summary>
public sealed class Public_contract(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    /// <summary>An operation of the contract: the service, verb and path template, and the fields of its JSON body.</summary>
    public sealed record Operation(string Service, string Verb, string Path, params string[] Fields)
    {
        /// <summary>The problem types the contract names for this operation's refusals.</summary>
        public string[] Problems { get; init; } = [];

        public override string ToString() => $"{Service} {Verb.ToUpperInvariant()} {Path}";
    }

    private static readonly string[] Services = ["Membership", "Orders", "Ledger", "Notifications"];

    private static readonly Operation[] All =
    [
        new("Membership", "get", "/terms"),
        new("Membership", "post", "/members", "email", "password", "name", "birthDate", "country", "phone", "passportNumber", "termsVersion",
            "acceptTerms", "consentPersonalInfo", "marketingOptIn") { Problems = ["validation", "duplicate-identity", "registration-refused"] },
        new("Membership", "post", "/auth/token", "email", "password") { Problems = ["invalid-credentials", "member-suspended", "locked-out"] },
        new("Membership", "post", "/auth/refresh", "refreshToken"),
        new("Membership", "post", "/auth/password-reset", "email"),
        new("Membership", "post", "/auth/password-reset/confirm", "token", "newPassword") { Problems = ["invalid-reset-token"] },
        new("Membership", "get", "/members/me"),
        new("Membership", "patch", "/members/me", "name", "phone", "country", "marketingOptIn", "password") { Problems = ["login-id-immutable"] },
        new("Membership", "post", "/members/me/withdrawal", "reason") { Problems = ["withdrawal-negative-balance", "withdrawal-open-orders", "ledger-unavailable"] },
        new("Membership", "get", "/ops/members/{memberId}"),
        new("Membership", "post", "/ops/members/{memberId}/disqualification", "reason", "unauthorizedPostingIds"),
        new("Membership", "post", "/ops/members/{memberId}/reinstatement", "reason"),
        new("Membership", "put", "/ops/members/{memberId}/problem-customer", "reason"),
        new("Membership", "delete", "/ops/members/{memberId}/problem-customer", "reason"),
        new("Ledger", "get", "/accounts/me"),
        new("Ledger", "get", "/accounts/me/postings"),
        new("Ledger", "get", "/accounts/me/lots"),
        new("Ledger", "post", "/accounts/me/gifts", "toMemberId", "channel", "points") { Problems = ["insufficient-points", "negative-balance", "invalid-points-unit"] },
        new("Ledger", "post", "/accounts/me/transfers", "from", "to", "points") { Problems = ["insufficient-points", "negative-balance", "invalid-points-unit"] },
        new("Ledger", "get", "/ops/members/{memberId}/accounts"),
        new("Ledger", "get", "/ops/members/{memberId}/accounts/postings"),
        new("Ledger", "get", "/ops/members/{memberId}/accounts/lots"),
        new("Ledger", "post", "/ops/members/{memberId}/credits", "channel", "points", "kind", "reason", "expiresAt", "receiptReference", "purchasedAt") { Problems = ["receipt-already-credited", "missed-earning-too-late"] },
        new("Ledger", "post", "/ops/members/{memberId}/debits", "channel", "points", "reason"),
        new("Ledger", "post", "/ops/promotions", "name", "points", "expiresAt", "memberIds"),
        new("Ledger", "post", "/ops/members/{memberId}/payoff", "channel", "paidUsd", "paymentReference") { Problems = ["payoff-amount-mismatch"] },
        new("Ledger", "get", "/ops/verify"),
        new("Ledger", "get", "/ops/liability"),
        new("Ledger", "put", "/ops/exchange-rates/{currency}", "usdPerUnit", "effectiveFrom"),
        new("Orders", "post", "/orders", "lines", "currency", "shipping", "dutyFree", "points", "paymentMethod", "policyAccepted", "guest") { Problems = ["validation", "insufficient-points", "group-order-use-help-desk", "duty-free-limit-exceeded", "member-suspended"] },
        new("Orders", "post", "/payments/{paymentId}/confirmation", "orderId", "amount", "status"),
        new("Orders", "get", "/orders"),
        new("Orders", "get", "/orders/{orderId}"),
        new("Orders", "get", "/orders/{orderNumber}"),
        new("Orders", "patch", "/orders/{orderId}", "lines", "shipping") { Problems = ["order-not-amendable"] },
        new("Orders", "post", "/orders/{orderId}/cancellation", "reason") { Problems = ["cancellation-window-closed", "order-not-cancellable"] },
        new("Orders", "post", "/orders/{orderId}/defect-refunds", "items") { Problems = ["defect-claim-too-late", "photo-required"] },
        new("Orders", "post", "/ops/orders/{orderId}/{action}") { Problems = ["invalid-transition"] },
        new("Orders", "post", "/ops/orders/{orderId}/lost-parcel-refund"),
        new("Notifications", "get", "/ops/notifications"),
        .. Services.SelectMany(s => new Operation[]
        {
            new(s, "get", "/ops/jobs"), new(s, "post", "/ops/jobs/{name}/run"), new(s, "get", "/ops/error-queues"),
            new(s, "post", "/ops/error-queues/{queue}/replay"), new(s, "post", "/ops/error-queues/{queue}/discard"),
        }),
    ];

    public static TheoryData<Operation> Operations => new(All.AsEnumerable());

    private static readonly Dictionary<string, JsonElement> Documents = [];

    private async Task<JsonElement> DocumentAsync(string service)
    {
        if (Documents.TryGetValue(service, out var document)) return document;
        using var client = service switch
        {
            "Membership" => system.Membership.CreateClient(),
            "Orders" => system.Orders.CreateClient(),
            "Ledger" => system.Ledger.CreateClient(),
            _ => system.Notifications.CreateClient(),
        };
        return Documents[service] = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Should_offer_every_operation_of_the_contract_with_its_fields_and_require_nothing_else(Operation operation)
    {
        var document = await DocumentAsync(operation.Service);
        Assert.True(document.GetProperty("paths").TryGetProperty(operation.Path, out var path), $"{operation}: no such path");
        Assert.True(path.TryGetProperty(operation.Verb, out var verb), $"{operation}: no such operation");
        if (operation.Fields.Length == 0) return;

        Assert.True(verb.TryGetProperty("requestBody", out var body), $"{operation}: no request body");
        var schema = Resolve(document, body.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var properties = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToList() : [];
        Assert.All(operation.Fields, field => Assert.True(properties.Contains(field), $"{operation}: field {field} is missing"));
        Assert.All(required, field => Assert.True(operation.Fields.Contains(field), $"{operation}: requires {field}, which the contract lacks"));
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Should_name_every_problem_type_of_the_contract_among_the_operations_responses(Operation operation)
    {
        var responses = (await DocumentAsync(operation.Service)).GetProperty("paths").GetProperty(operation.Path).GetProperty(operation.Verb)
            .GetProperty("responses");
        var described = string.Join("\n", responses.EnumerateObject().Select(r => r.Value.TryGetProperty("description", out var d) ? d.GetString() : ""));
        Assert.All(operation.Problems, slug => Assert.Contains($"/problems/{slug}", described, StringComparison.Ordinal));
        Assert.True(responses.TryGetProperty("503", out _), $"{operation}: the outage answer is not documented");
    }

    [Fact]
    public async Task Should_give_every_operation_a_summary_and_every_write_of_the_contract_an_example()
    {
        foreach (var service in Services)
        {
            var document = await DocumentAsync(service);
            foreach (var path in document.GetProperty("paths").EnumerateObject())
                foreach (var verb in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
                    Assert.True(verb.Value.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0,
                        $"{service} {verb.Name.ToUpperInvariant()} {path.Name}: no summary");
        }
        string[] exampled = ["/members", "/auth/token", "/accounts/me/gifts", "/accounts/me/transfers", "/ops/members/{memberId}/credits", "/orders/{orderId}/defect-refunds"];
        foreach (var operation in All.Where(o => exampled.Contains(o.Path) && o.Verb == "post"))
        {
            var body = (await DocumentAsync(operation.Service)).GetProperty("paths").GetProperty(operation.Path).GetProperty("post").GetProperty("requestBody");
            Assert.True(body.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _), $"{operation}: no example");
        }
    }

    [Fact]
    public async Task Should_list_the_values_of_the_contracts_enumerations()
    {
        var orders = await DocumentAsync("Orders");
        Assert.Equal(["card", "bank-transfer", "paypal", "gift-certificate"], Enum(orders, "PlaceOrderRequest", "paymentMethod"));
        Assert.Equal(["normal", "meet-and-greet", "alcohol", "tobacco"], Enum(orders, "OrderLineRequest", "itemType"));
        Assert.Contains("missing-photocard", Enum(orders, "DefectItem", "defect"));
        Assert.Equal(["online", "offline"], Enum(await DocumentAsync("Ledger"), "GiftRequest", "channel"));
        Assert.Equal(["correction", "promotion", "missed-earning"], Enum(await DocumentAsync("Ledger"), "CreditRequest", "kind"));
        Assert.Equal(["active", "dormant", "withdrawn", "disqualified", "suspended"], Enum(await DocumentAsync("Membership"), "MemberProfile", "status"));
        Assert.Equal(["sent", "failed", "suppressed", "pending"], Enum(await DocumentAsync("Notifications"), "NotificationView", "status"));
    }

    [Theory]
    [InlineData("Membership", "RegisterMemberRequest")]
    [InlineData("Membership", "TokenResponse")]
    [InlineData("Orders", "PlaceOrderRequest")]
    [InlineData("Orders", "OrderLineRequest")]
    [InlineData("Orders", "OrderTotals")]
    [InlineData("Ledger", "ChannelBalance")]
    [InlineData("Ledger", "GiftRequest")]
    public async Task Should_describe_every_field_of_the_main_request_and_answer_types(string service, string schema)
    {
        var properties = (await DocumentAsync(service)).GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties");
        // A field of another schema's type is described by that schema.
        Assert.All(properties.EnumerateObject().Where(p => !p.Value.TryGetProperty("$ref", out _) && !p.Value.TryGetProperty("oneOf", out _)), p => Assert.True(
            p.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 0, $"{service} {schema}.{p.Name}: no description"));
    }

    private static List<string> Enum(JsonElement document, string schema, string property)
    {
        var field = Resolve(document, document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties").GetProperty(property));
        return [.. field.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];
    }

    [Fact]
    public async Task Should_document_the_bearer_scheme_for_ops_operations_and_the_idempotency_key_on_every_write()
    {
        foreach (var service in Services)
        {
            var document = await DocumentAsync(service);
            Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
            foreach (var path in document.GetProperty("paths").EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
                {
                    var where = $"{service} {operation.Name.ToUpperInvariant()} {path.Name}";
                    if (path.Name.StartsWith("/ops/", StringComparison.Ordinal))
                        Assert.True(operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0, $"{where}: no security");
                    if (operation.Name is "post" or "put" or "patch")
                        Assert.True(operation.Value.TryGetProperty("parameters", out var parameters)
                            && parameters.EnumerateArray().Any(p => p.GetProperty("name").GetString() == "Idempotency-Key"
                                && p.GetProperty("in").GetString() == "header"), $"{where}: no Idempotency-Key header");
                }
            }
        }
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
            return document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..]);
        if (schema.TryGetProperty("oneOf", out var oneOf))
            return Resolve(document, oneOf.EnumerateArray().First(s => !(s.TryGetProperty("type", out var t) && t.GetString() == "null")));
        return schema;
    }
}
