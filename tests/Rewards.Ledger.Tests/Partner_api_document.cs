using System.Net.Http.Json;
using System.Text.Json;

namespace Rewards.Ledger.Tests;

/// <summary>The partner API has its own OpenAPI document, with the signature scheme, problem types and examples.</summary>
public sealed class Partner_api_document(LedgerService service) : IClassFixture<LedgerService>
{
    private async Task<JsonElement> DocumentAsync(string name)
    {
        using var client = service.Host.CreateClient();
        return await client.GetFromJsonAsync<JsonElement>($"/openapi/{name}.json", TestContext.Current.CancellationToken);
    }

    [Fact]
    [Trait("Rule", "L16")]
    public async Task Should_document_every_partner_operation_with_the_signature_scheme_problems_and_examples()
    {
        var document = await DocumentAsync("partner-v1");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("PartnerSignature");
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "post").Select(o => (Where: $"{o.Name} {p.Name}", Operation: o.Value)))
            .ToList();

        Assert.Equal(("apiKey", "header", "X-Partner-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
        Assert.Equal(["get /partner/v1/members/{reference}", "get /partner/v1/statement", "post /partner/v1/purchases",
            "post /partner/v1/redemption-cancellations", "post /partner/v1/redemptions", "post /partner/v1/refunds"], operations.Select(o => o.Where).Order(StringComparer.Ordinal));
        Assert.All(operations, o =>
        {
            Assert.True(o.Operation.TryGetProperty("summary", out _), $"{o.Where}: no summary");
            Assert.True(o.Operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0, $"{o.Where}: no security");
            var headers = o.Operation.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
            Assert.Contains("X-Partner-Signature", headers);
            Assert.DoesNotContain("Idempotency-Key", headers); // the transaction id is the key
            Assert.True(o.Operation.GetProperty("responses").TryGetProperty("401", out _), $"{o.Where}: 401 undocumented");
        });
        var purchase = operations.Single(o => o.Where == "post /partner/v1/purchases").Operation;
        Assert.True(purchase.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
        var refusals = string.Join("\n", purchase.GetProperty("responses").EnumerateObject().Select(r => r.Value.GetProperty("description").GetString()));
        Assert.Contains("/problems/transaction-id-reuse", refusals, StringComparison.Ordinal);
        Assert.Contains("/problems/member-not-found", refusals, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_keep_the_partner_api_out_of_the_storefront_document()
    {
        var paths = (await DocumentAsync("v1")).GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.DoesNotContain(paths, p => p.StartsWith("/partner/", StringComparison.Ordinal));
        Assert.Contains("/ops/partners", paths);
        Assert.Contains("/accounts/me/card", paths);
    }
}
