using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Rewards.Orders;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>
/// A storefront retries its order and the provider its payment callback with the same Idempotency-Key. The key is
/// claimed in the transaction of the order or the payment itself, so a request that died holding its key leaves it free, and a repeat while the first still runs waits
/// for its answer.
/// </summary>
public sealed class Idempotency_keys_and_outages(OrdersService service) : IClassFixture<OrdersService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly HttpClient _member = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "keys@example.com"));

    private static readonly object Order = new
    {
        lines = new[] { new { sku = "DOLL-1", name = "Doll", quantity = 1, unitPrice = 10.00m, weightGrams = 100 } },
        currency = "USD",
        shipping = new { country = "KR", method = "standard", address = "1 Sejong-daero, Seoul" },
        paymentMethod = "card",
        policyAccepted = true,
    };

    /// <summary>Locks the payment row from outside, so the callback's transaction waits behind it, holding its key.</summary>
    private async Task<(NpgsqlConnection Conn, NpgsqlTransaction Tx)> LockPaymentAsync(Guid paymentId)
    {
        var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.OpenAsync(Ct);
        var tx = await conn.BeginTransactionAsync(Ct);
        await conn.ExecuteAsync("select 1 from payments where id = @paymentId for update", new { paymentId }, tx);
        return (conn, tx);
    }

    /// <summary>The backend of the callback's transaction once it waits for the payment row.</summary>
    private async Task<int?> WaitingCallbackBackendAsync()
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<int?>(
            """
            select pid from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like '%from payments p join orders o%'
            limit 1
            """);
    }

    private async Task<long> PaidEventsAsync(Guid orderId)
    {
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        return await conn.ExecuteScalarAsync<long>(
            "select count(*) from outbox_messages where message_type = 'Rewards.Contracts.Orders.OrderPaid' and body->>'orderId' = @id",
            new { id = orderId.ToString() });
    }

    [Fact]
    [Trait("Rule", "O1")]
    public async Task Should_answer_a_repeated_order_with_the_first_order_and_place_it_once()
    {
        var key = $"storefront-{Guid.NewGuid()}";
        var memberId = Guid.NewGuid();
        using var member = service.Host.ClientWithToken(TestTokens.Member(memberId, "repeat@example.com"));
        async Task<HttpResponseMessage> PlaceAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = JsonContent.Create(Order) };
            request.Headers.Add("Idempotency-Key", key);
            return await member.SendAsync(request, Ct);
        }

        var responses = await Task.WhenAll(PlaceAsync(), PlaceAsync());
        var third = await PlaceAsync();

        Assert.All(responses.Append(third), r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var orderIds = await Task.WhenAll(responses.Append(third).Select(async r =>
            (await r.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("orderId").GetGuid()));
        Assert.Single(orderIds.Distinct());
        Assert.True(third.Headers.Contains("Idempotent-Replayed"));
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("select count(*) from orders where member_id = @memberId", new { memberId }));
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
            "select count(*) from outbox_messages where message_type = 'Rewards.Contracts.Orders.OrderPlaced' and body->>'memberId' = @id",
            new { id = memberId.ToString() }));
    }

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_run_a_repeat_anew_when_the_first_request_died_holding_its_key()
    {
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, Order);
        var key = $"provider-{Guid.NewGuid()}";
        var (conn, tx) = await LockPaymentAsync(paymentId);
        HttpResponseMessage first;
        await using (conn)
        {
            var running = service.CallbackAsync(paymentId, orderId, 10.00m, idempotencyKey: key);
            int? backend = null;
            Assert.True(await Eventually.TrueAsync(async () => (backend = await WaitingCallbackBackendAsync()) is not null, TimeSpan.FromSeconds(10)));
            // The request's database session ends mid-way, as when Orders is killed or PostgreSQL restarts.
            await conn.ExecuteAsync("select pg_terminate_backend(@backend)", new { backend }, tx);
            first = await running;
            await tx.RollbackAsync(Ct);
        }

        var repeat = await service.CallbackAsync(paymentId, orderId, 10.00m, idempotencyKey: key);
        var again = await service.CallbackAsync(paymentId, orderId, 10.00m, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.NotNull(first.Headers.RetryAfter);
        Assert.Equal("/problems/service-unavailable", (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.False(repeat.Headers.Contains("Idempotent-Replayed"), "the key had no answer, so the repeat ran");
        Assert.Equal("succeeded", (await repeat.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("paymentStatus").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await PaidEventsAsync(orderId));
    }

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_make_a_concurrent_repeat_wait_for_the_first_request_and_give_it_the_first_answer()
    {
        var (orderId, paymentId) = await OrdersService.PlaceAsync(_member, Order);
        var key = $"provider-{Guid.NewGuid()}";
        var (conn, tx) = await LockPaymentAsync(paymentId);
        Task<HttpResponseMessage> first, second;
        await using (conn)
        {
            first = service.CallbackAsync(paymentId, orderId, 10.00m, idempotencyKey: key);
            Assert.True(await Eventually.TrueAsync(async () => await WaitingCallbackBackendAsync() is not null, TimeSpan.FromSeconds(10)));
            second = service.CallbackAsync(paymentId, orderId, 10.00m, idempotencyKey: key);
            await Task.Delay(500, Ct);
            Assert.False(second.IsCompleted, "the repeat waits for the first");
            await tx.RollbackAsync(Ct);
        }

        var (a, b) = (await first, await second);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (a.StatusCode, b.StatusCode));
        Assert.False(a.Headers.Contains("Idempotent-Replayed"));
        Assert.True(b.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await a.Content.ReadAsStringAsync(Ct), await b.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, await PaidEventsAsync(orderId));
    }

    [Fact]
    public async Task Should_answer_503_with_retry_after_while_the_database_is_away_and_serve_again_once_it_is_back()
    {
        var database = new NpgsqlConnectionStringBuilder(await TestServers.CreateDatabaseAsync("orders"));
        await using var gate = new TcpGate(database.Host!, database.Port);
        database.Port = gate.Port;
        database.Timeout = 3;
        await using var host = await ServiceHost<ProgramPolicy>.StartAsync("Orders", await TestServers.CreateVirtualHostAsync("orders-outage"),
            new Dictionary<string, string?> { ["ConnectionStrings:Orders"] = database.ConnectionString });
        using var member = host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "outage@example.com"));
        Assert.Equal(HttpStatusCode.Created, (await member.PostAsJsonAsync("/orders", Order, Ct)).StatusCode);

        gate.Shut();
        var during = await member.PostAsJsonAsync("/orders", Order, Ct);
        var ready = await host.CreateClient().GetAsync("/health/ready", Ct);
        gate.Open();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), during.Headers.RetryAfter?.Delta);
        var problem = await during.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("/problems/service-unavailable", problem.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.True(await Eventually.TrueAsync(async () => (await member.PostAsJsonAsync("/orders", Order, Ct)).StatusCode == HttpStatusCode.Created,
            TimeSpan.FromSeconds(20)), "orders are taken again once the database is back");
        Assert.DoesNotContain(host.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.Contains(host.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("answered 503", StringComparison.Ordinal));
    }
}
