using Dapper;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Orders.Features.ExchangeRates;

/// <summary>O1: the rates Orders converts with, as the Ledger set them; the rate in force at a time is the latest before it.</summary>
public static class ExchangeRates
{
    public static Task<decimal?> InForceAsync(NpgsqlConnection conn, string currency, DateTimeOffset at, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<decimal?>(new CommandDefinition(
            """
            select usd_per_unit from exchange_rates where currency = @currency and effective_from <= @at
            order by effective_from desc limit 1
            """, new { currency, at }, cancellationToken: ct));
}

public sealed class ExchangeRateSetConsumer(IServiceProvider services) : InboxConsumer<ExchangeRateSet>(services)
{
    protected override Task HandleAsync(ExchangeRateSet message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            """
            insert into exchange_rates (currency, effective_from, usd_per_unit) values (@Currency, @EffectiveFrom, @UsdPerUnit)
            on conflict (currency, effective_from) do update set usd_per_unit = excluded.usd_per_unit
            """, new { message.Currency, message.EffectiveFrom, message.UsdPerUnit }, tx, cancellationToken: ct));
}
