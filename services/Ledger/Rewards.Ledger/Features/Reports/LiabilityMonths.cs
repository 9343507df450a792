using Dapper;
using Npgsql;
using Rewards.Ledger.Data;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.Ledger.Features.Reports;

/// <summary>What moved over a period: the figures of the liability report (L1) before they are rolled into balances.</summary>
public sealed record Movements(long Earned, long ClawedBack, long PaidOff, long Redeemed, long Expired, long Forfeited, long Net, long Pending, long Held)
{
    public static readonly Movements None = new(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public Movements Add(Movements o) => new(Earned + o.Earned, ClawedBack + o.ClawedBack, PaidOff + o.PaidOff, Redeemed + o.Redeemed,
        Expired + o.Expired, Forfeited + o.Forfeited, Net + o.Net, Pending + o.Pending, Held + o.Held);
}

/// <summary>
/// Movements over any range: whole months that <see cref="LiabilityMonthsJob"/> has summed come from liability_months,
/// the rest from the postings themselves.
/// </summary>
public static class LiabilityMonths
{
    /// <summary>The movements of postings in [@from, @to), grouped by UTC month or as one row.</summary>
    internal static string PostingsSql(bool byMonth) => $"""
        select {(byMonth ? "date_trunc('month', p.effective_at at time zone 'UTC')::date as Month," : "")}
          coalesce(-sum(p.amount) filter (where p.account_id in (@issuance, @adjustment) and p.amount < 0), 0)::bigint as Earned,
          coalesce(sum(p.amount) filter (where p.account_id in (@issuance, @adjustment) and p.amount > 0), 0)::bigint as ClawedBack,
          coalesce(-sum(p.amount) filter (where p.account_id = @payoff), 0)::bigint as PaidOff,
          coalesce(sum(p.amount) filter (where p.account_id = @redemption), 0)::bigint as Redeemed,
          coalesce(sum(p.amount) filter (where p.account_id = @breakage), 0)::bigint as Expired,
          coalesce(sum(p.amount) filter (where p.account_id = @forfeiture), 0)::bigint as Forfeited,
          coalesce(-sum(p.amount) filter (where p.seq is null), 0)::bigint as Net,
          coalesce(sum(p.amount) filter (where a.bucket = 'pending'), 0)::bigint as Pending,
          coalesce(sum(p.amount) filter (where a.bucket = 'held'), 0)::bigint as Held
        from postings p left join accounts a on p.seq is not null and a.id = p.account_id and a.bucket in ('pending', 'held')
        where p.effective_at >= @from and p.effective_at < @to
        {(byMonth ? "group by 1" : "")}
        """;

    internal static object Parameters(DateTimeOffset from, DateTimeOffset to) => new
    {
        from, to, issuance = SystemAccounts.Issuance, adjustment = SystemAccounts.Adjustment, payoff = SystemAccounts.Payoff,
        redemption = SystemAccounts.Redemption, breakage = SystemAccounts.Breakage, forfeiture = SystemAccounts.Forfeiture,
    };

    /// <summary>Movements over [from, to): summed months where there are, postings for the rest.</summary>
    public static async Task<Movements> OverAsync(NpgsqlTransaction tx, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var months = await conn.QueryAsync<SummedMonth>(new CommandDefinition(
            """
            select month, earned, clawed_back as ClawedBack, paid_off as PaidOff, redeemed, expired, forfeited, net, pending, held
            from liability_months where month >= @first and month < @last order by month
            """, new { first = MonthAt(from, up: true), last = MonthAt(to, up: false) }, tx, cancellationToken: ct));
        var total = Movements.None;
        var cursor = from;
        foreach (var month in months)
        {
            var start = new DateTimeOffset(month.Month.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            if (cursor < start) total = total.Add(await FromPostingsAsync(tx, cursor, start, ct));
            total = total.Add(month.Totals);
            cursor = start.AddMonths(1);
        }
        return cursor < to ? total.Add(await FromPostingsAsync(tx, cursor, to, ct)) : total;
    }

    private static async Task<Movements> FromPostingsAsync(NpgsqlTransaction tx, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        await tx.Connection!.QuerySingleAsync<Movements>(new CommandDefinition(PostingsSql(byMonth: false), Parameters(from, to), tx, cancellationToken: ct));

    /// <summary>One row of liability_months: a UTC month's movements.</summary>
    internal sealed record SummedMonth(DateOnly Month, long Earned, long ClawedBack, long PaidOff, long Redeemed, long Expired, long Forfeited, long Net, long Pending, long Held)
    {
        public Movements Totals => new(Earned, ClawedBack, PaidOff, Redeemed, Expired, Forfeited, Net, Pending, Held);
    }

    /// <summary>The first day of the month at or after (up) or at or before <paramref name="at"/>, in UTC.</summary>
    private static DateTime MonthAt(DateTimeOffset at, bool up)
    {
        var utc = at.UtcDateTime;
        var first = new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return up && first < utc ? first.AddMonths(1) : first;
    }
}

/// <summary>
/// Sums every past month (by the service's clock) not summed yet into liability_months, in one pass over their postings.
/// A posting dated into a summed month later removes its row (trigger postings_reopen_months) and the next run sums
/// it again.
/// </summary>
public sealed class LiabilityMonthsJob(NpgsqlDataSource db, TimeProvider clock) : IClockJob
{
    public string Name => "liability-months";
    public TimeSpan Interval => TimeSpan.FromHours(1);

    public async Task<JobResult> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // From the first month with a posting, or the month after the last summed one if none is missing before it.
        var first = await conn.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(
            """
            with firsts as (select date_trunc('month', min(effective_at) at time zone 'UTC')::date as month from postings
                            where seq is null and account_id = any(@systems))
            select min(m.month)::timestamp from firsts f
            cross join lateral (select g::date as month from generate_series(f.month::timestamp, (@thisMonth::date - 1)::timestamp, interval '1 month') g) m
            where not exists (select 1 from liability_months l where l.month = m.month)
            """, new { systems = SystemAccounts.All, thisMonth = thisMonth.UtcDateTime.ToString("yyyy-MM-dd") }, tx, cancellationToken: ct));
        if (first is null) return new JobResult("every past month is summed", 0);
        var from = new DateTimeOffset(DateTime.SpecifyKind(first.Value, DateTimeKind.Utc));
        var months = 0;
        for (var m = from; m < thisMonth; m = m.AddMonths(1))
        {
            await conn.ExecuteAsync(new CommandDefinition("select pg_advisory_xact_lock(7341013, @n)", new { n = m.Year * 12 + m.Month }, tx, cancellationToken: ct));
            months++;
        }
        await conn.ExecuteAsync(new CommandDefinition("set local work_mem = '256MB'", transaction: tx, cancellationToken: ct));
        var summed = (await conn.QueryAsync<LiabilityMonths.SummedMonth>(new CommandDefinition(
            LiabilityMonths.PostingsSql(byMonth: true), LiabilityMonths.Parameters(from, thisMonth), tx, commandTimeout: 3600, cancellationToken: ct))).ToDictionary(r => r.Month);
        var rows = Enumerable.Range(0, months).Select(i => DateOnly.FromDateTime(from.AddMonths(i).UtcDateTime))
            .Select(m => summed.GetValueOrDefault(m) ?? new LiabilityMonths.SummedMonth(m, 0, 0, 0, 0, 0, 0, 0, 0, 0)).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            insert into liability_months (month, earned, clawed_back, paid_off, redeemed, expired, forfeited, net, pending, held, computed_at)
            values (@Month::date, @Earned, @ClawedBack, @PaidOff, @Redeemed, @Expired, @Forfeited, @Net, @Pending, @Held, @now)
            on conflict (month) do update set earned = excluded.earned, clawed_back = excluded.clawed_back, paid_off = excluded.paid_off,
                redeemed = excluded.redeemed, expired = excluded.expired, forfeited = excluded.forfeited, net = excluded.net,
                pending = excluded.pending, held = excluded.held, computed_at = excluded.computed_at
            """, rows.Select(r => new { Month = r.Month.ToString("yyyy-MM-dd"), r.Earned, r.ClawedBack, r.PaidOff, r.Redeemed, r.Expired, r.Forfeited, r.Net, r.Pending, r.Held, now }),
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new JobResult($"summed {months} months from {from:yyyy-MM}", months);
    }
}
