using Dapper;
using Npgsql;

namespace Rewards.Orders.Features.Placing;

/// <summary>O7: what one traveller has ordered duty-free for one departure.</summary>
internal static class DutyFreeOrders
{
    /// <summary>Goods of the traveller's orders for the same departure day that are not cancelled or refunded.</summary>
    public static Task<decimal> BoughtForDepartureAsync(NpgsqlConnection conn, string passportHash, DateTimeOffset departureAt, CancellationToken ct) =>
        conn.ExecuteScalarAsync<decimal>(new CommandDefinition(
            """
            select coalesce(sum(goods_usd - refunded_usd), 0) from orders
            where duty_free and passport_hash = @passportHash and status not in ('cancelled', 'refunded')
              and departure_at >= @day and departure_at < @day + interval '1 day'
            """, new { passportHash, day = new DateTimeOffset(departureAt.UtcDateTime.Date, TimeSpan.Zero) }, cancellationToken: ct));
}
