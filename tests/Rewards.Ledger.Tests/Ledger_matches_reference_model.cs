using System.Net.Http.Json;
using System.Text.Json;
using CsCheck;
using Rewards.Contracts.Ledger;
using Rewards.Testing;

namespace Rewards.Ledger.Tests;

/// <summary>
/// Model-based property test (L5–L11, L18, L19): random sequences of credits, debits, gifts, transfers, holds, commits,
/// releases and time jumps run against the real Ledger (HTTP, RabbitMQ, PostgreSQL) and against
/// <see cref="ReferenceModel"/>. After every step both must agree on every outcome, balance and lot, and /ops/verify
/// must report no violation.
/// </summary>
public sealed class Ledger_matches_reference_model(LedgerService service) : IClassFixture<LedgerService>
{
    private static readonly string[] Channels = ["online", "offline"];
    private static readonly DateTimeOffset Start = new(2029, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly LedgerApi _api = new(service.Host);

    public abstract record Op;
    public sealed record Purchase(int Member, int Channel, long Points, int DaysAgo) : Op;
    public sealed record Promotion(int Member, int Channel, long Points, int Days) : Op;
    public sealed record Debit(int Member, int Channel, long Points) : Op;
    public sealed record Gift(int From, int Channel, long Points) : Op;
    public sealed record Transfer(int Member, int From, long Points) : Op;
    public sealed record HoldOp(int Member, int Channel, long Points) : Op;
    public sealed record CommitOp(int Hold) : Op;
    public sealed record ReleaseOp(int Hold) : Op;
    public sealed record Advance(int Days) : Op;

    private static readonly Gen<int> Member = Gen.Int[0, 1];
    private static readonly Gen<int> ChannelIndex = Gen.Int[0, 1];
    /// <summary>Mostly whole units of 10, sometimes not (L9 refusals).</summary>
    private static readonly Gen<long> Spend = Gen.Frequency((5, Gen.Long[1, 80].Select(x => x * 10)), (1, Gen.Long[1, 799]));

    private static readonly Gen<Op> Ops = Gen.Frequency(
        (4, Gen.Select(Member, ChannelIndex, Gen.Long[1, 900], Gen.Int[0, 364]).Select(Op (m, c, p, d) => new Purchase(m, c, p, d))),
        (2, Gen.Select(Member, ChannelIndex, Gen.Long[1, 500], Gen.Int[1, 400]).Select(Op (m, c, p, d) => new Promotion(m, c, p, d))),
        (1, Gen.Select(Member, ChannelIndex, Gen.Long[1, 700]).Select(Op (m, c, p) => new Debit(m, c, p))),
        (3, Gen.Select(Member, ChannelIndex, Spend).Select(Op (m, c, p) => new Gift(m, c, p))),
        (2, Gen.Select(Member, ChannelIndex, Spend).Select(Op (m, c, p) => new Transfer(m, c, p))),
        (3, Gen.Select(Member, ChannelIndex, Spend).Select(Op (m, c, p) => new HoldOp(m, c, p))),
        (2, Gen.Int[0, 9].Select(Op (h) => new CommitOp(h))),
        (1, Gen.Int[0, 9].Select(Op (h) => new ReleaseOp(h))),
        (2, Gen.OneOf(Gen.Int[1, 60], Gen.Int[300, 800], Gen.Int[1300, 1500]).Select(Op (d) => new Advance(d))));

    [Fact]
    [Trait("Rule", "L18")]
    [Trait("Rule", "L5")]
    [Trait("Rule", "L10")]
    public async Task Should_agree_with_the_reference_model_after_every_step_of_random_histories() =>
        await Ops.Array[5, 30].SampleAsync(RunAsync, iter: 20, threads: 1);

    private async Task RunAsync(Op[] ops)
    {
        var members = new[] { Guid.NewGuid(), Guid.NewGuid() };
        var model = new ReferenceModel(Start);
        await _api.SetClockAsync(Start);
        // Both members exist in both channels, as after registration.
        foreach (var m in members) foreach (var c in Channels) (await _api.CreditAsync(m, new { channel = c, points = 10, kind = "promotion", reason = "setup", expiresAt = Start.AddDays(1) })).EnsureSuccessStatusCode();
        foreach (var m in new[] { 0, 1 }) foreach (var c in Channels) model.Promotion(m, c, 10, Start.AddDays(1));

        var holds = new List<(Guid Id, ReferenceModel.Hold? Model)>();
        for (var step = 0; step < ops.Length; step++)
        {
            var op = ops[step];
            string expected = "ok", actual = "ok";
            switch (op)
            {
                case Purchase p:
                    var purchasedAt = model.Now.AddDays(-p.DaysAgo);
                    model.Purchase(p.Member, Channels[p.Channel], p.Points, purchasedAt);
                    actual = Outcome(await _api.CreditAsync(members[p.Member], new
                    {
                        channel = Channels[p.Channel], points = p.Points, kind = "missed-earning", reason = "model", receiptReference = $"R-{Guid.NewGuid():N}", purchasedAt,
                    }));
                    break;
                case Promotion p:
                    model.Promotion(p.Member, Channels[p.Channel], p.Points, model.Now.AddDays(p.Days));
                    actual = Outcome(await _api.CreditAsync(members[p.Member], new
                    {
                        channel = Channels[p.Channel], points = p.Points, kind = "promotion", reason = "model", expiresAt = model.Now.AddDays(p.Days),
                    }));
                    break;
                case Debit d:
                    model.Debit(d.Member, Channels[d.Channel], d.Points);
                    using (var ops2 = _api.Ops())
                    {
                        actual = Outcome(await ops2.PostAsJsonAsync($"/ops/members/{members[d.Member]}/debits",
                            new { channel = Channels[d.Channel], points = d.Points, reason = "model" }, TestContext.Current.CancellationToken));
                    }
                    break;
                case Gift g:
                    expected = model.Gift(g.From, 1 - g.From, Channels[g.Channel], g.Points);
                    actual = await OutcomeAsync(await _api.GiftAsync(members[g.From], members[1 - g.From], g.Points, Channels[g.Channel]));
                    break;
                case Transfer t:
                    expected = model.Transfer(t.Member, Channels[t.From], Channels[1 - t.From], t.Points);
                    actual = await OutcomeAsync(await _api.TransferAsync(members[t.Member], Channels[t.From], Channels[1 - t.From], t.Points));
                    break;
                case HoldOp h:
                    var holdId = Guid.NewGuid();
                    expected = model.PlaceHold(holdId, h.Member, Channels[h.Channel], h.Points);
                    var answer = await _api.HoldAsync(holdId, members[h.Member], h.Points, channel: Channels[h.Channel]);
                    actual = answer is PointsHoldRefused r ? r.Reason : "ok";
                    if (expected == "ok") holds.Add((holdId, model.Holds[^1]));
                    break;
                case CommitOp c when holds.Count > 0:
                    var (commitId, toCommit) = holds[c.Hold % holds.Count];
                    ReferenceModel.Commit(toCommit!);
                    await _api.PublishAsync(new CommitPointsHold { HoldId = commitId });
                    break;
                case ReleaseOp c when holds.Count > 0:
                    var (releaseId, toRelease) = holds[c.Hold % holds.Count];
                    model.Release(toRelease!);
                    await _api.PublishAsync(new ReleasePointsHold { HoldId = releaseId, Reason = "model" });
                    break;
                case Advance a:
                    model.Advance(TimeSpan.FromDays(a.Days));
                    await _api.SetClockAsync(model.Now);
                    await _api.RunJobAsync("expiry");
                    await _api.RunJobAsync("hold-timeouts");
                    break;
            }

            var context = $"step {step} of [{string.Join(", ", ops.Take(step + 1))}]";
            Assert.True(expected == actual, $"{context}: the model says {expected}, the Ledger {actual}");
            // Commits and releases travel through the broker: give them time to land.
            var agree = await Eventually.TrueAsync(async () => await DifferenceAsync(model, members) is null, TimeSpan.FromSeconds(10));
            Assert.True(agree, $"{context}: {await DifferenceAsync(model, members)}");
            await _api.AssertVerifiedAsync();
        }
    }

    private static string Outcome(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? "ok" : $"HTTP {(int)response.StatusCode}";

    private static async Task<string> OutcomeAsync(HttpResponseMessage response) =>
        response.IsSuccessStatusCode ? "ok" : (await LedgerApi.ProblemTypeAsync(response)).Replace("/problems/", "", StringComparison.Ordinal);

    /// <summary>Null when the Ledger's balances and lots equal the model's; otherwise what differs.</summary>
    private async Task<string?> DifferenceAsync(ReferenceModel model, Guid[] members)
    {
        for (var m = 0; m < members.Length; m++)
        {
            foreach (var channel in Channels)
            {
                var account = model.Of(m, channel);
                var expected = new Balance(account.Balance + account.Held, account.Available, 0, account.Held);
                var actual = await _api.BalanceAsync(members[m], channel);
                if (expected != actual) return $"member {m} {channel}: model {expected}, Ledger {actual}";

                // Lots are compared per (source, expiry, flag): which of two identical lots a debit took is not observable.
                var expectedLots = Group(account.Lots.Where(l => l.Remaining > 0).Select(l => (l.Source, l.ExpiresAt, l.Transferable, l.Remaining)));
                var actualLots = Group((await _api.LotsAsync(members[m], channel)).Select(l => (l.Source, l.ExpiresAt!.Value, l.Transferable, l.Remaining)));
                if (expectedLots != actualLots) return $"member {m} {channel} lots: model [{expectedLots}], Ledger [{actualLots}]";
            }
        }
        return null;
    }

    private static string Group(IEnumerable<(string Source, DateTimeOffset ExpiresAt, bool Transferable, long Remaining)> lots) =>
        string.Join("; ", lots.GroupBy(l => (l.Source, l.ExpiresAt.UtcDateTime, l.Transferable)).OrderBy(g => g.Key.UtcDateTime).ThenBy(g => g.Key.Source)
            .Select(g => $"{g.Key.Source} {g.Key.UtcDateTime:yyyy-MM-dd HH:mm} {(g.Key.Transferable ? "T" : "-")} {g.Sum(l => l.Remaining)}"));
}
