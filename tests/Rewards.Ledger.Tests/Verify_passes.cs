using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rewards.Ledger.Features.Verification;

namespace Rewards.Ledger.Tests;

/// <summary>L18 at any size: the verify job checks the ledger slice by slice, resumes after a restart and reports each pass.</summary>
public sealed class Verify_passes(LedgerService service) : IClassFixture<LedgerService>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly LedgerApi _api = new(service.Host);

    [Fact]
    [Trait("Rule", "L18")]
    public async Task Should_check_the_ledger_slice_by_slice_resume_after_a_restart_and_report_the_pass_with_its_violation()
    {
        await _api.SetClockAsync(DateTimeOffset.UtcNow);
        await using var conn = new NpgsqlConnection(service.Host.ConnectionString);
        await conn.OpenAsync(Ct);
        // Held as the job's own lock: the scheduled verify runs stay out of the way while the test drives the slices.
        await conn.ExecuteAsync("select pg_advisory_lock(hashtext('job:verify'))");
        var tampered = Guid.Empty;
        try
        {
            var passes = service.Host.Services.GetRequiredService<VerifyPasses>();
            while ((await passes.CheckNextSliceAsync(VerifyPasses.SliceMembers, Ct)).Completed is null) { } // end a pass under way

            var members = new[] { Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid() };
            foreach (var member in members) await _api.PurchasePointsAsync(member, 500);
            tampered = await _api.PurchasePointsAsync(members[1], 300);
            await conn.ExecuteAsync("update lots set remaining = remaining - 1 where id = @tampered", new { tampered });
            var (memberCount, accountCount) = await conn.QuerySingleAsync<(long, long)>(
                "select count(distinct member_id), count(*) from accounts where member_id is not null");

            Assert.Null((await passes.CheckNextSliceAsync(1, Ct)).Completed);
            var progress = (await passes.ViewAsync(Ct)).Current!;
            Assert.NotNull(progress.CheckedUpTo);

            // A new instance, as after a restart: it goes on from the checkpoint, one member at a time.
            var restarted = ActivatorUtilities.CreateInstance<VerifyPasses>(service.Host.Services);
            var slices = 1;
            VerifyPass? pass = null;
            while (pass is null && slices < memberCount + 5)
            {
                pass = (await restarted.CheckNextSliceAsync(1, Ct)).Completed;
                slices++;
            }

            Assert.NotNull(pass);
            Assert.InRange(slices, memberCount, memberCount + 1); // each member once: none skipped, none checked twice
            Assert.Equal(accountCount, pass.AccountsChecked);
            Assert.Contains(pass.Violations, v => v.Rule == "lot-rebuilt-from-ledger" && v.Detail.Contains(tampered.ToString(), StringComparison.Ordinal));

            using var ops = _api.Ops();
            var view = await ops.GetFromJsonAsync<JsonElement>("/ops/verify/passes", Ct);
            Assert.Equal(pass.Id, view.GetProperty("last").GetProperty("id").GetInt64());
            Assert.True(view.GetProperty("last").GetProperty("violationCount").GetInt32() > 0);
            Assert.Null(view.GetProperty("current").GetProperty("checkedUpTo").GetString()); // the next pass starts from the first member
        }
        finally
        {
            if (tampered != Guid.Empty) await conn.ExecuteAsync("update lots set remaining = remaining + 1 where id = @tampered", new { tampered });
            await conn.ExecuteAsync("select pg_advisory_unlock(hashtext('job:verify'))");
        }
    }
}
