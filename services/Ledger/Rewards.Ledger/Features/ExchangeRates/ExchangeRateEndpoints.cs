using System.Security.Claims;
using Dapper;
using Rewards.Contracts.Ledger;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ledger.Features.ExchangeRates;

public sealed record ExchangeRateRequest
{
    public required decimal UsdPerUnit { get; init; }
    public required DateTimeOffset EffectiveFrom { get; init; }
}

public sealed record ExchangeRate(string Currency, decimal UsdPerUnit, DateTimeOffset EffectiveFrom);

public sealed record RecordedExchangeRate(string Currency, decimal UsdPerUnit, DateTimeOffset EffectiveFrom, DateTimeOffset RecordedAt, string RecordedBy);

/// <summary>L3/L15: exchange rates with the date from which each applies; the rate in force at a time is the latest one before it.</summary>
public static class ExchangeRateEndpoints
{
    public static void MapExchangeRates(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/ops/exchange-rates").WithTags("Ops: exchange rates").RequireAuthorization(AuthExtensions.OpsPolicy);
        ops.MapPut("/{currency}", PutAsync).WithSummary("Record a rate (USD per unit) effective from a date");
        ops.MapGet("/{currency}", GetAsync).Refuses(404, "exchange-rate-not-found").WithSummary("The rate in force at a time (default now)");
        ops.MapGet("", ListAsync).WithSummary("Every recorded rate, the latest effective first (at most 200)");
    }

    public static async Task<Ok<IReadOnlyList<RecordedExchangeRate>>> ListAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rates = await conn.QueryAsync<RecordedExchangeRate>(new CommandDefinition(
            """
            select currency, usd_per_unit as UsdPerUnit, effective_from as EffectiveFrom, recorded_at as RecordedAt, recorded_by as RecordedBy
            from exchange_rates order by effective_from desc, currency limit 200
            """, cancellationToken: ct));
        return TypedResults.Ok<IReadOnlyList<RecordedExchangeRate>>([.. rates]);
    }

    public static async Task<Results<Ok<ExchangeRate>, ValidationProblem>> PutAsync(
        string currency, ExchangeRateRequest request, ClaimsPrincipal user, RequestTransaction work, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var code = currency.ToUpperInvariant();
        var errors = new FieldErrors()
            .Require(code.Length == 3 && code.All(char.IsAsciiLetterUpper), "currency", "An ISO 4217 code such as KRW.")
            .Require(request.UsdPerUnit is > 0 and < 1_000_000, "usdPerUnit", "A positive rate.");
        if (errors.Count > 0) return Problems.Validation(errors);

        var tx = await work.BeginAsync(ct);
        var conn = tx.Connection!;
        await conn.ExecuteAsync(new CommandDefinition(
            """
            insert into exchange_rates (currency, effective_from, usd_per_unit, recorded_at, recorded_by)
            values (@code, @EffectiveFrom, @UsdPerUnit, @now, @by)
            on conflict (currency, effective_from) do update set usd_per_unit = excluded.usd_per_unit,
                recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by
            """, new { code, request.EffectiveFrom, request.UsdPerUnit, now = clock.GetUtcNow(), by = $"ops:{user.FindFirstValue("sub")}" },
            tx, cancellationToken: ct));
        // Orders converts non-USD orders with the same rates (O1).
        await outbox.EnqueueAsync(tx, new ExchangeRateSet { Currency = code, UsdPerUnit = request.UsdPerUnit, EffectiveFrom = request.EffectiveFrom }, ct: ct);
        await work.CommitAsync(ct);
        return TypedResults.Ok(new ExchangeRate(code, request.UsdPerUnit, request.EffectiveFrom));
    }

    public static async Task<Results<Ok<ExchangeRate>, ProblemHttpResult>> GetAsync(
        string currency, DateTimeOffset? at, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var code = currency.ToUpperInvariant();
        var when = at ?? clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rate = await conn.QuerySingleOrDefaultAsync<ExchangeRate>(new CommandDefinition(
            """
            select currency, usd_per_unit as UsdPerUnit, effective_from as EffectiveFrom from exchange_rates
            where currency = @code and effective_from <= @when order by effective_from desc limit 1
            """, new { code, when }, cancellationToken: ct));
        return rate is null
            ? Problems.Of(404, "exchange-rate-not-found", "No rate in force", $"No {code} rate is effective at {when:O}.")
            : TypedResults.Ok(rate);
    }

    /// <summary>USD per unit of <paramref name="currency"/> in force at <paramref name="at"/> (1 for USD); null when none is.</summary>
    public static async Task<decimal?> UsdPerUnitAsync(NpgsqlConnection conn, string currency, DateTimeOffset at, CancellationToken ct) =>
        currency == "USD" ? 1m : await conn.ExecuteScalarAsync<decimal?>(new CommandDefinition(
            "select usd_per_unit from exchange_rates where currency = @currency and effective_from <= @at order by effective_from desc limit 1",
            new { currency, at }, cancellationToken: ct));
}
