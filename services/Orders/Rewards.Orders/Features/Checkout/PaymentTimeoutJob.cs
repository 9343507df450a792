using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Rewards.Orders.Data;
using Rewards.ServiceDefaults.Jobs;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.Checkout;

/// <summary>
/// O8: an order not paid within <see cref="ProgramPolicy.PaymentTimeoutMinutes"/> expires; it is cancelled, which
/// releases its points hold in the Ledger before the Ledger's own hold timeout would.
/// </summary>
public sealed class PaymentTimeoutJob(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, IOptions<ProgramPolicy> policy) : IClockJob
{
    public string Name => "payment-timeouts";
    public TimeSpan Interval => TimeSpan.FromMinutes(1);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var expired = 0;
        while (true)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var due = (await conn.QueryAsync<Guid>(new CommandDefinition(
                """
                select id from orders where status = 'pending-payment' and placed_at <= @cutoff
                order by placed_at limit 100 for update skip locked
                """, new { cutoff = now.AddMinutes(-policy.Value.PaymentTimeoutMinutes) }, tx, cancellationToken: ct))).ToList();
            foreach (var orderId in due)
            {
                var order = (await OrderAccess.LockAsync(tx, orderId, ct))!;
                await OrderAccess.CancelAsync(tx, outbox, order, 0m, "system:payment-timeout", now, ct);
            }
            await tx.CommitAsync(ct);
            outbox.Flush();
            expired += due.Count;
            if (due.Count < 100) return new JobResult($"expired {expired} unpaid orders", expired);
        }
    }
}
