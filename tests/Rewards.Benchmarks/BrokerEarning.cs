using System.Diagnostics;
using Dapper;
using MassTransit;
using Npgsql;
using Rewards.Contracts.Orders;

namespace Rewards.Benchmarks;

/// <summary>(b2): OrderPaid events published to RabbitMQ as Orders would, timed until the Ledger has credited them all.</summary>
internal static class BrokerEarning
{
    public static async Task<double> EventsPerSecondAsync(LedgerProcess ledger, Guid[] members, int events)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host("127.0.0.1", ledger.VirtualHost, h =>
        {
            h.Username("guest");
            h.Password("guest");
        }));
        await bus.StartAsync();
        try
        {
            await using var conn = new NpgsqlConnection(ledger.ConnectionString);
            var before = await conn.ExecuteScalarAsync<long>("select count(*) from lots where source = 'purchase'");
            var stopwatch = Stopwatch.StartNew();
            foreach (var chunk in Enumerable.Range(0, events).Chunk(500))
            {
                await Task.WhenAll(chunk.Select(i => bus.Publish(new OrderPaid
                {
                    OrderId = Guid.CreateVersion7(),
                    OrderNumber = $"BENCH{i}",
                    MemberId = members[i % members.Length],
                    CustomerEmail = "bench@example.com",
                    CustomerName = "Bench",
                    GoodsUsd = 42.00m,
                    AmountPaidUsd = 42.00m,
                    Lines = [],
                    PaidAt = DateTimeOffset.UtcNow,
                })));
            }
            while (await conn.ExecuteScalarAsync<long>("select count(*) from lots where source = 'purchase'") - before < events)
            {
                if (stopwatch.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("The Ledger did not earn every event within 10 minutes");
                await Task.Delay(100);
            }
            return events / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
