using Dapper;
using Npgsql;

namespace Rewards.Ledger.Tests;

/// <summary>Postings are partitioned by year; the partition job makes next year's ahead and moves what arrived early.</summary>
public sealed class Postings_by_year(LedgerService service) : IClassFixture<LedgerService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly LedgerApi _api = new(service.Host);

    [Fact]
    [Trait("Rule", "L2")]
    public async Task Should_move_postings_into_their_year_when_the_job_creates_it_and_keep_them_unique_and_append_only()
    {
        // A year no partition exists for yet: its postings land in the default partition.
        await _api.SetClockAsync(new DateTimeOffset(2071, 5, 15, 10, 0, 0, TimeSpan.Zero));
        var member = Guid.NewGuid();
        await _api.PurchasePointsAsync(member, 700);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        const string partitions = """
            select distinct p.tableoid::regclass::text from postings p join accounts a on a.id = p.account_id where a.member_id = @member
            """;
        Assert.Equal(["postings_default"], await conn.QueryAsync<string>(partitions, new { member }));

        var summary = await _api.RunJobAsync("posting-partitions");
        Assert.Contains("created year partitions 2070, 2071, 2072", summary);
        Assert.Equal(["postings_2071"], await conn.QueryAsync<string>(partitions, new { member }));
        Assert.Contains("year partitions up to date", await _api.RunJobAsync("posting-partitions"));
        Assert.Equal(700, (await _api.BalanceAsync(member)).Available);
        await _api.AssertVerifiedAsync();

        // The key index is global though the table is split by year: the same key on the same account is refused in
        // another year too.
        var posting = await conn.QuerySingleAsync<(Guid AccountId, string Key)>(
            "select p.account_id, p.idempotency_key from postings p join accounts a on a.id = p.account_id where a.member_id = @member and p.seq is not null",
            new { member });
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
            """
            insert into postings (transaction_id, account_id, seq, kind, amount, balance_after, effective_at, reference, idempotency_key, caused_by)
            values (gen_random_uuid(), @account, 99, 'test', 1, 1, '2072-09-01Z', 'test', @key, 'test')
            """, new { account = posting.AccountId, key = posting.Key }));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);

        var delete = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync("delete from postings_2071"));
        Assert.Contains("append-only", delete.MessageText);
    }
}
