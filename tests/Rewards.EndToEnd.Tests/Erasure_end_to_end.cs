using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Testing;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// M5/M7: when a member is erased, their personal data is gone from every service's database, not only Membership's:
/// orders keep what commerce records need without the person, sent mails lose address and text.
/// </summary>
public sealed class Erasure_end_to_end(SoomSystem system) : IClassFixture<SoomSystem>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M5")]
    [Trait("Rule", "M7")]
    public async Task Should_leave_no_e_mail_name_phone_passport_or_address_of_an_erased_member_in_any_database()
    {
        await system.SetClockAsync(DateTimeOffset.UtcNow);
        var unique = Guid.NewGuid().ToString("N")[..10];
        var person = new Dictionary<string, string>
        {
            ["e-mail"] = $"erase-{unique}@example.com",
            ["name"] = $"Erin Erasable{unique}",
            ["phone"] = $"+821077{Random.Shared.Next(100000, 999999)}",
            ["passport"] = $"M{unique.ToUpperInvariant()}",
            ["address"] = $"{unique} Forgotten Lane, Springfield",
        };
        using var anonymous = system.Membership.CreateClient();
        var registered = await anonymous.PostAsJsonAsync("/members", new
        {
            email = person["e-mail"], password = "correct-horse-battery", name = person["name"], birthDate = "1991-05-06", country = "US",
            phone = person["phone"], passportNumber = person["passport"],
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = true,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var memberId = (await registered.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("memberId").GetGuid();
        var token = await system.LoginAsync(person["e-mail"]);
        var opsToken = await system.LoginOpsAsync();

        // A delivered order, with its mails sent: the person is now in Orders' and Notifications' databases too.
        using var orders = system.Orders.ClientWithToken(token);
        var placed = await orders.PostAsJsonAsync("/orders", new
        {
            lines = new[] { new { sku = "DOLL-17", name = "Collector doll", quantity = 1, unitPrice = 35.00m, weightGrams = 500 } },
            currency = "USD", shipping = new { country = "US", method = "standard", address = person["address"] },
            paymentMethod = "card", policyAccepted = true,
        }, Ct);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var orderId = order.GetProperty("orderId").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(order.GetProperty("paymentId").GetGuid(), orderId,
            order.GetProperty("totals").GetProperty("amountDue").GetDecimal())).StatusCode);
        using (var opsOrders = system.Orders.ClientWithToken(opsToken))
        {
            (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/prepare", new { }, Ct)).EnsureSuccessStatusCode();
            (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/ship", new { trackingNumber = "EE000000002KR" }, Ct)).EnsureSuccessStatusCode();
            (await opsOrders.PostAsJsonAsync($"/ops/orders/{orderId}/deliver", new { }, Ct)).EnsureSuccessStatusCode();
        }
        using var notificationsOps = system.Notifications.ClientWithToken(opsToken);
        Assert.True(await Eventually.TrueAsync(async () => (await notificationsOps.GetFromJsonAsync<JsonElement[]>(
            $"/ops/notifications?memberId={memberId}", Ct))!.Count(m => m.GetProperty("status").GetString() == "sent") >= 4, Wait),
            "welcome, order received, receipt and shipped mails were sent");
        Assert.NotEmpty(await WhereFoundAsync(person));

        // Withdrawal (once Membership has seen the delivery), then erasure at the next run (no grace period here).
        using var member = system.Membership.ClientWithToken(token);
        Assert.True(await Eventually.TrueAsync(async () =>
            (await member.PostAsJsonAsync("/members/me/withdrawal", new { reason = "Please forget me" }, Ct)).StatusCode == HttpStatusCode.Accepted, Wait));
        using var membershipOps = system.Membership.ClientWithToken(opsToken);
        (await membershipOps.PostAsync("/ops/jobs/dormancy/run", null, Ct)).EnsureSuccessStatusCode();

        List<string> found = [];
        Assert.True(await Eventually.TrueAsync(async () => (found = await WhereFoundAsync(person)).Count == 0, Wait),
            "still found: " + string.Join("; ", found));
        using var opsOrdersAfter = system.Orders.ClientWithToken(opsToken);
        var kept = await opsOrdersAfter.GetFromJsonAsync<JsonElement>($"/ops/orders/{orderId}", Ct);
        Assert.Equal(35.00m, kept.GetProperty("goods").GetDecimal());
        Assert.Equal("delivered", kept.GetProperty("status").GetString());
    }

    /// <summary>Every text and JSON column of every table in the four databases that holds one of the person's details.</summary>
    private async Task<List<string>> WhereFoundAsync(IReadOnlyDictionary<string, string> person)
    {
        var found = new List<string>();
        foreach (var (service, connectionString) in new[]
                 {
                     ("Membership", system.Membership.ConnectionString), ("Orders", system.Orders.ConnectionString),
                     ("Ledger", system.Ledger.ConnectionString), ("Notifications", system.Notifications.ConnectionString),
                 })
        {
            await using var conn = new NpgsqlConnection(connectionString);
            var columns = await conn.QueryAsync<(string Table, string Column)>(
                """
                select c.table_name, c.column_name from information_schema.columns c
                join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
                where c.table_schema = 'public' and c.data_type in ('text', 'character varying', 'json', 'jsonb')
                """);
            foreach (var (table, column) in columns)
            {
                foreach (var (what, value) in person)
                {
                    if (await conn.ExecuteScalarAsync<bool>(
                            $"select exists (select 1 from \"{table}\" where \"{column}\"::text ilike '%' || @value || '%')", new { value }))
                        found.Add($"{what} in {service}.{table}.{column}");
                }
            }
        }
        return found;
    }
}
