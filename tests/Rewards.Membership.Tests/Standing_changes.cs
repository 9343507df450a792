using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Rewards.Membership.Tests;

/// <summary>M8/M9 (and M3's refusals): ops change a member's standing; every change is audited and announced.</summary>
public sealed class Standing_changes(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly DateTimeOffset Now = new(2027, 5, 10, 8, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewPhone() => $"+8210{Random.Shared.Next(10_000_000, 99_999_999)}";

    [Fact]
    [Trait("Rule", "M8")]
    [Trait("Rule", "M3")]
    public async Task Should_disqualify_with_an_audited_reason_keep_points_usable_for_the_grace_period_and_refuse_rejoining()
    {
        await service.Host.SetClockAsync(Now);
        var email = MembershipService.NewEmail("dq");
        var passport = $"M{Random.Shared.Next(10_000_000, 99_999_999)}";
        var memberId = await service.RegisterAsync(email, passportNumber: passport);
        var unauthorised = Guid.CreateVersion7();
        using var ops = await service.OpsClientAsync();

        var response = await ops.PostAsJsonAsync($"/ops/members/{memberId}/disqualification",
            new { reason = "Unauthorised earning on a borrowed card", unauthorizedPostingIds = new[] { unauthorised } }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("disqualified", view.GetProperty("status").GetString());
        var graceEndsAt = view.GetProperty("graceEndsAt").GetDateTimeOffset();
        Assert.InRange(graceEndsAt, Now.AddDays(30), Now.AddDays(30).AddMinutes(1)); // the test clock runs on from Now
        var audit = Assert.Single(view.GetProperty("audit").EnumerateArray());
        Assert.Equal(("disqualified", "Unauthorised earning on a borrowed card", "ops:ops@test.local"),
            (audit.GetProperty("action").GetString(), audit.GetProperty("reason").GetString(), audit.GetProperty("actor").GetString()));
        Assert.InRange(audit.GetProperty("at").GetDateTimeOffset(), Now, Now.AddMinutes(1));
        var published = await service.LastEventAsync(memberId, "MemberDisqualified");
        Assert.Equal(unauthorised, published.GetProperty("unauthorisedPostingIds")[0].GetGuid());
        Assert.Equal(graceEndsAt, published.GetProperty("graceEndsAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));

        // L14: during the grace period the member can still log in to use their points; after it, not.
        Assert.Equal(HttpStatusCode.OK, (await service.LoginAsync(email)).StatusCode);
        await service.Host.SetClockAsync(Now.AddDays(30).AddMinutes(2));
        var late = await service.LoginAsync(email);
        Assert.Equal((HttpStatusCode.Forbidden, "/problems/member-suspended"), (late.StatusCode, await MembershipService.ProblemTypeAsync(late)));

        // M3: the person cannot join again, by the same e-mail or by the same passport.
        using var anonymous = service.Host.CreateClient();
        foreach (var (again, passportNumber) in new[] { (email, (string?)null), (MembershipService.NewEmail("dq2"), passport.ToLowerInvariant()) })
        {
            var refused = await anonymous.PostAsJsonAsync("/members", new
            {
                email = again, password = "correct-horse-battery", name = "Ha-eun Jung", birthDate = "1992-11-03", country = "KR", passportNumber,
                termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
            }, Ct);
            Assert.Equal((HttpStatusCode.Forbidden, "/problems/registration-refused"), (refused.StatusCode, await MembershipService.ProblemTypeAsync(refused)));
        }
    }

    [Fact]
    [Trait("Rule", "M8")]
    public async Task Should_reinstate_only_a_disqualified_member_and_say_so_by_event()
    {
        await service.Host.SetClockAsync(Now);
        var email = MembershipService.NewEmail("re");
        var memberId = await service.RegisterAsync(email);
        using var ops = await service.OpsClientAsync();

        var premature = await ops.PostAsJsonAsync($"/ops/members/{memberId}/reinstatement", new { reason = "Explanation accepted" }, Ct);
        Assert.Equal((HttpStatusCode.Conflict, "/problems/member-not-disqualified"), (premature.StatusCode, await MembershipService.ProblemTypeAsync(premature)));

        (await ops.PostAsJsonAsync($"/ops/members/{memberId}/disqualification", new { reason = "Abusive cancellations" }, Ct)).EnsureSuccessStatusCode();
        var reinstated = await ops.PostAsJsonAsync($"/ops/members/{memberId}/reinstatement", new { reason = "Explanation accepted" }, Ct);

        Assert.Equal(HttpStatusCode.OK, reinstated.StatusCode);
        var view = await reinstated.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("active", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("graceEndsAt").ValueKind);
        Assert.Equal(["disqualified", "reinstated"], view.GetProperty("audit").EnumerateArray().Select(a => a.GetProperty("action").GetString()));
        Assert.Equal(["MemberRegistered", "MemberDisqualified", "MemberReinstated"], await service.EventsAsync(memberId));

        await service.Host.SetClockAsync(Now.AddDays(31));
        Assert.Equal(HttpStatusCode.OK, (await service.LoginAsync(email)).StatusCode);
    }

    [Fact]
    [Trait("Rule", "M9")]
    [Trait("Rule", "M3")]
    public async Task Should_suspend_a_problem_customer_end_their_sessions_refuse_rejoining_and_restore_them_when_unmarked()
    {
        await service.Host.SetClockAsync(Now);
        var email = MembershipService.NewEmail("pc");
        var phone = NewPhone();
        var memberId = await service.RegisterAsync(email, phone: phone);
        var refreshToken = (await (await service.LoginAsync(email)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("refreshToken").GetString();
        using var ops = await service.OpsClientAsync();

        var marked = await ops.PutAsJsonAsync($"/ops/members/{memberId}/problem-customer", new { reason = "Malicious complaints" }, Ct);
        (await ops.PutAsJsonAsync($"/ops/members/{memberId}/problem-customer", new { reason = "Malicious complaints" }, Ct)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        var view = await marked.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(("suspended", true), (view.GetProperty("status").GetString(), view.GetProperty("problemCustomer").GetBoolean()));
        var login = await service.LoginAsync(email);
        Assert.Equal((HttpStatusCode.Forbidden, "/problems/member-suspended"), (login.StatusCode, await MembershipService.ProblemTypeAsync(login)));
        using var anonymous = service.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/auth/refresh", new { refreshToken }, Ct)).StatusCode);
        var rejoin = await anonymous.PostAsJsonAsync("/members", new
        {
            email = MembershipService.NewEmail("pc2"), password = "correct-horse-battery", name = "Ha-eun Jung", birthDate = "1992-11-03",
            country = "KR", phone, termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct);
        Assert.Equal((HttpStatusCode.Forbidden, "/problems/registration-refused"), (rejoin.StatusCode, await MembershipService.ProblemTypeAsync(rejoin)));

        using var unmark = new HttpRequestMessage(HttpMethod.Delete, $"/ops/members/{memberId}/problem-customer")
        {
            Content = JsonContent.Create(new { reason = "Apologised; complaints withdrawn" }),
        };
        var unmarked = await ops.SendAsync(unmark, Ct);

        Assert.Equal(HttpStatusCode.OK, unmarked.StatusCode);
        Assert.Equal("active", (await unmarked.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await service.LoginAsync(email)).StatusCode);
        Assert.Equal(["MemberRegistered", "MemberSuspended", "MemberSuspensionLifted"], await service.EventsAsync(memberId));
    }

    [Fact]
    [Trait("Rule", "M8")]
    [Trait("Rule", "M9")]
    public async Task Should_keep_standing_changes_to_ops_and_require_a_reason()
    {
        await service.Host.SetClockAsync(Now);
        var email = MembershipService.NewEmail("sec");
        var memberId = await service.RegisterAsync(email);
        var otherId = await service.RegisterAsync(MembershipService.NewEmail("other"));
        using var member = await service.ClientAsync(email);
        using var anonymous = service.Host.CreateClient();
        using var ops = await service.OpsClientAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync($"/ops/members/{otherId}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync($"/ops/members/{memberId}/reinstatement", new { reason = "me" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PutAsJsonAsync($"/ops/members/{otherId}/problem-customer", new { reason = "x" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/ops/members/{otherId}/disqualification", new { reason = "x" }, Ct)).StatusCode);
        var noReason = await ops.PostAsJsonAsync($"/ops/members/{otherId}/disqualification", new { reason = " " }, Ct);
        Assert.Equal((HttpStatusCode.BadRequest, "/problems/validation"), (noReason.StatusCode, await MembershipService.ProblemTypeAsync(noReason)));
        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync($"/ops/members/{Guid.CreateVersion7()}", Ct)).StatusCode);

        var view = await ops.GetFromJsonAsync<JsonElement>($"/ops/members/{otherId}", Ct);
        Assert.Equal(("active", 0), (view.GetProperty("status").GetString(), view.GetProperty("audit").GetArrayLength()));
    }
}
