using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.ServiceDefaults.Marketing;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

/// <summary>M10: the unsubscribe link of a marketing mail opts the member out at once, without logging in.</summary>
public sealed class Unsubscribe_links(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly UnsubscribeLinks Links = new() { UnsubscribeKey = ServiceHost<object>.UnsubscribeKey };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M10")]
    public async Task Should_confirm_on_get_and_opt_out_on_post()
    {
        var email = MembershipService.NewEmail("unsub");
        var memberId = await service.RegisterAsync(email);
        using var anonymous = service.Host.CreateClient();
        var token = Links.TokenFor(memberId);

        var page = await anonymous.GetAsync($"/unsubscribe?token={token}", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var member = await service.ClientAsync(email);
        Assert.True((await member.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("marketingOptIn").GetBoolean(), "a GET must change nothing");

        // What a mail client's one-click unsubscribe sends (RFC 8058).
        var done = await anonymous.PostAsync($"/unsubscribe?token={token}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }), Ct);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.False((await member.GetFromJsonAsync<JsonElement>("/members/me", Ct)).GetProperty("marketingOptIn").GetBoolean());
        Assert.Equal(["MemberRegistered", "MarketingConsentChanged"], (await service.EventsAsync(memberId)).Where(e => e != "MemberLoggedIn"));

        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync($"/unsubscribe?token={token}", null, Ct)).StatusCode);
        Assert.Single(await service.EventsAsync(memberId), e => e == "MarketingConsentChanged");
    }

    [Fact]
    [Trait("Rule", "M10")]
    public async Task Should_refuse_a_changed_or_foreign_token()
    {
        var memberId = await service.RegisterAsync(MembershipService.NewEmail("unsub-bad"));
        var token = Links.TokenFor(memberId);
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        var foreign = new UnsubscribeLinks { UnsubscribeKey = "another-key-0123456789abcdef" }.TokenFor(memberId);
        using var anonymous = service.Host.CreateClient();

        foreach (var bad in new[] { tampered, foreign, "", "not-a-token" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync($"/unsubscribe?token={bad}", null, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.GetAsync($"/unsubscribe?token={bad}", Ct)).StatusCode);
        }
        Assert.DoesNotContain("MarketingConsentChanged", await service.EventsAsync(memberId));
    }
}
