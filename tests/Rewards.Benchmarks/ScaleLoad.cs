using System.Diagnostics;
using System.Net.Http.Json;
using Dapper;
using Npgsql;

namespace Rewards.Benchmarks;

/// <summary>
/// A ledger with years of history, generated set-based in SQL: members with their online accounts and enrolment, one
/// purchase lot each, and balanced credit transactions (a member leg and an issuance leg) spread over the last five
/// years, so the data passes verify. Indexes are dropped for the load and rebuilt after it, as a bulk load would.
/// </summary>
internal sealed partial class LedgerProcess
{
    private static readonly string[] LoadedTables = ["accounts", "member_enrolments", "postings", "posting_keys"];

    public async Task LoadHistoryAsync(int members, long postings, Action<string> print)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        async Task Step(string name, string sql, object? args = null)
        {
            var stopwatch = Stopwatch.StartNew();
            await conn.ExecuteAsync(new CommandDefinition(sql, args, commandTimeout: 0));
            print($"    {name}: {stopwatch.Elapsed.TotalSeconds:N0} s");
        }

        await conn.ExecuteAsync("set maintenance_work_mem = '2GB'; set work_mem = '256MB'");
        // Each member has k member postings (and as many issuance legs): postings / 2 spread as evenly as they go.
        var memberPostings = postings / 2;
        await Step("members", """
            create unlogged table scale_members as
            select n, gen_random_uuid() as member_id, uuid_v7() as earned_account, uuid_v7() as lot_id,
                   (@perMember + case when n <= @extra then 1 else 0 end)::int as k,
                   now() - interval '1790 days' + (n % 360) * interval '1 day' + (n % 86400) * interval '1 second' as first_at,
                   (n::bigint * 7919 % 1000) / 1000.0 as phase
            from generate_series(1, @members) n
            """, new { members, perMember = (int)(memberPostings / members), extra = (int)(memberPostings % members) });
        await Step("year partitions", "select count(create_postings_partition((now() - n * interval '1 year')::date)) from generate_series(0, 5) n");

        var saved = (await conn.QueryAsync<(string Table, string Name, string Definition, bool IsConstraint)>(
            """
            select c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), true
            from pg_constraint c where c.contype in ('p', 'u') and c.conrelid::regclass::text = any(@tables)
            union all
            select i.tablename, i.indexname, i.indexdef, false
            from pg_indexes i where i.schemaname = 'public' and i.tablename = any(@tables)
              and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
            """, new { tables = LoadedTables })).ToList();
        foreach (var index in saved)
            await conn.ExecuteAsync(index.IsConstraint ? $"alter table {index.Table} drop constraint {index.Name}" : $"drop index {index.Name}");
        await conn.ExecuteAsync("alter table postings disable trigger postings_keep_keys");

        await Step("accounts", """
            insert into accounts (id, member_id, channel, bucket, balance, last_seq, created_at)
            select case when b.bucket = 'earned' then m.earned_account else uuid_v7() end, m.member_id, 'online', b.bucket,
                   case when b.bucket = 'earned' then 10 * m.k else 0 end, case when b.bucket = 'earned' then m.k else 0 end, m.first_at
            from scale_members m cross join (values ('earned'), ('pending'), ('held')) b(bucket);
            insert into member_enrolments (member_id, registered_at) select member_id, first_at - interval '1 day' from scale_members;
            """);
        await Step("lots", """
            insert into lots (id, member_id, channel, source, reference, amount, remaining, status, earned_at, expires_at, transferable, created_at)
            select lot_id, member_id, 'online', 'purchase', 'scale:' || n, 10 * k, 10 * k, 'earned', first_at,
                   (first_at at time zone 'UTC' + interval '60 months') at time zone 'UTC', true, first_at
            from scale_members order by member_id
            """);
        await Step("postings", """
            insert into postings (id, transaction_id, account_id, seq, kind, amount, balance_after, effective_at, reference, idempotency_key, caused_by, lot_id)
            select uuid_v7(), t.transaction_id, case when leg = 1 then t.account_id else '00000000-0000-7000-8000-00000000a001'::uuid end,
                   case when leg = 1 then t.j end, 'credit', case when leg = 1 then 10 else -10 end, case when leg = 1 then 10 * t.j end,
                   t.at, t.ref, t.ref, 'system:benchmark', t.lot_id
            from (select m.earned_account as account_id, m.lot_id, j, md5('scale:' || m.n || ':' || j)::uuid as transaction_id,
                         m.first_at + (now() - m.first_at) * ((j - 1 + m.phase) / m.k) as at, 'scale:' || m.n || ':' || j as ref
                  from scale_members m cross join lateral generate_series(1, m.k) j) t
            cross join (values (1), (2)) legs(leg)
            """);
        await Step("posting keys", """
            insert into posting_keys (account_id, idempotency_key, posting_id, transaction_id, lot_id)
            select account_id, idempotency_key, id, transaction_id, lot_id from postings where seq is not null
            """);
        await conn.ExecuteAsync("alter table postings enable trigger postings_keep_keys");
        // pg_indexes gives a partitioned table's index as "ON ONLY", which would build it on no partition.
        foreach (var index in saved)
            await Step($"index {index.Name}", index.IsConstraint ? $"alter table {index.Table} add constraint {index.Name} {index.Definition}"
                : index.Definition.Replace(" ON ONLY ", " ON ", StringComparison.Ordinal));
        await Step("vacuum (freeze, analyze)", "vacuum (freeze, analyze) accounts, member_enrolments, lots, postings, posting_keys");
        _members = [.. await conn.QueryAsync<Guid>(new CommandDefinition("select member_id from scale_members", commandTimeout: 0))];
        await conn.ExecuteAsync("drop table scale_members");
    }

    /// <summary>
    /// Keeps a job's scheduled runs from starting until disposed (they find its lock taken and skip), so that the verify
    /// job's minute-by-minute slices do not share the two cores with a load or a timed phase.
    /// </summary>
    public async Task<IAsyncDisposable> HoldJobAsync(string name)
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync(new CommandDefinition("select pg_advisory_lock(hashtext('job:' || @name))", new { name }, commandTimeout: 0)); // a run under way ends first
        return conn; // closing the session releases the lock
    }

    /// <summary>The members of a ledger loaded earlier (<c>--scale-database</c>).</summary>
    public async Task UseLoadedMembersAsync()
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        _members = [.. await conn.QueryAsync<Guid>(new CommandDefinition("select member_id from member_enrolments", commandTimeout: 0))];
    }

    /// <summary>Bytes the Ledger's database and its postings (with their indexes and keys) take on disk, and how many postings there are (the planner's count).</summary>
    public async Task<(long Database, long Postings, long Count)> DiskUsedAsync()
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return await conn.QuerySingleAsync<(long, long, long)>(
            """
            select pg_database_size(current_database()),
                   (select sum(pg_total_relation_size(c.oid)) from pg_class c
                    where c.relname = 'posting_keys' or c.oid in (select inhrelid from pg_inherits where inhparent = 'postings'::regclass))::bigint,
                   (select sum(greatest(c.reltuples, 0)) from pg_class c where c.oid in (select inhrelid from pg_inherits where inhparent = 'postings'::regclass))::bigint
            """);
    }

    /// <summary>Runs a job once through the ops API: its time and its one-line result.</summary>
    public async Task<(TimeSpan Took, string Result)> RunJobAsync(string name)
    {
        var stopwatch = Stopwatch.StartNew();
        var run = await (await _http.PostAsync($"/ops/jobs/{name}/run", null)).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        if (!run.GetProperty("succeeded").GetBoolean()) throw new InvalidOperationException($"The {name} run failed: {run}");
        return (stopwatch.Elapsed, run.GetProperty("result").GetString()!);
    }

    /// <summary>GET /ops/liability for the last full month.</summary>
    public async Task<TimeSpan> LiabilityMonthAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var to = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var from = to.AddMonths(-1);
        var stopwatch = Stopwatch.StartNew();
        (await _http.GetAsync($"/ops/liability?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}")).EnsureSuccessStatusCode();
        return stopwatch.Elapsed;
    }
}
