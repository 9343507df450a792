using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.Membership.Tests;

/// <summary>
/// M1/N1: ops publish new terms ahead of time (7 days' notice, 30 when unfavourable); registration requires the
/// version in force, which GET /terms names, and that switches on the effective date.
/// </summary>
public sealed class Terms_versions(MembershipService service) : IClassFixture<MembershipService>
{
    private static readonly DateTimeOffset Today = new(2027, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M1")]
    [Trait("Rule", "N1")]
    public async Task Should_switch_registration_to_published_terms_on_their_effective_date()
    {
        await service.Host.SetClockAsync(Today);
        using var anonymous = service.Host.CreateClient();
        Assert.Equal("2026-01", (await anonymous.GetFromJsonAsync<JsonElement>("/terms", Ct)).GetProperty("version").GetString());

        using var ops = await service.OpsClientAsync();
        var published = await ops.PostAsJsonAsync("/ops/terms", new
        {
            version = "2027-03", effectiveFrom = "2027-03-08", url = "https://shop.example/terms/2027-03", summary = "Gifts need 6 months of validity.",
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ops.PostAsJsonAsync("/ops/terms", new
        {
            version = "2027-03", effectiveFrom = "2027-04-08", url = "https://shop.example/terms/2027-03", summary = "Again.",
        }, Ct)).StatusCode);

        // Announced, not yet in force: registration still takes the old version.
        Assert.Equal("2026-01", (await anonymous.GetFromJsonAsync<JsonElement>("/terms", Ct)).GetProperty("version").GetString());
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(anonymous, "2026-01")).StatusCode);

        await service.Host.SetClockAsync(new DateTimeOffset(2027, 3, 8, 0, 0, 1, TimeSpan.Zero));
        var terms = await anonymous.GetFromJsonAsync<JsonElement>("/terms", Ct);
        Assert.Equal("2027-03", terms.GetProperty("version").GetString());
        Assert.Equal("2027-03-08", terms.GetProperty("effectiveFrom").GetString());
        Assert.Equal("https://shop.example/terms/2027-03", terms.GetProperty("url").GetString());

        var old = await RegisterAsync(anonymous, "2026-01");
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Contains("2027-03", (await old.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").GetProperty("termsVersion")[0].GetString(),
            StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(anonymous, "2027-03")).StatusCode);
    }

    [Theory]
    [InlineData(false, 6)]
    [InlineData(true, 29)]
    [Trait("Rule", "N1")]
    public async Task Should_refuse_terms_announced_too_late(bool unfavourable, int daysAhead)
    {
        await service.Host.SetClockAsync(Today);
        using var ops = await service.OpsClientAsync();
        var response = await ops.PostAsJsonAsync("/ops/terms", new
        {
            version = $"late-{Guid.NewGuid():N}"[..20], effectiveFrom = DateOnly.FromDateTime(Today.UtcDateTime).AddDays(daysAhead),
            url = "https://shop.example/terms/late", summary = "Too late.", unfavourable,
        }, Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("/problems/terms-notice-too-short", await MembershipService.ProblemTypeAsync(response));
    }

    [Fact]
    [Trait("Rule", "N1")]
    public async Task Should_announce_published_terms_to_the_other_services()
    {
        await service.Host.SetClockAsync(Today);
        using var ops = await service.OpsClientAsync();
        var version = $"fav-{Guid.NewGuid():N}"[..20];
        var response = await ops.PostAsJsonAsync("/ops/terms", new
        {
            version, effectiveFrom = "2027-04-01", url = "https://shop.example/terms/fav", summary = "Longer expiry.", unfavourable = true,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var listed = await ops.GetFromJsonAsync<List<JsonElement>>("/ops/terms", Ct);
        Assert.Contains(listed!, t => t.GetProperty("version").GetString() == version && t.GetProperty("unfavourable").GetBoolean());
        Assert.Contains(listed!, t => t.GetProperty("version").GetString() == "2026-01");
        Assert.Equal(1, await service.CountOutboxAsync("TermsChangeAnnounced", version));
    }

    private static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string termsVersion) =>
        client.PostAsJsonAsync("/members", new
        {
            email = MembershipService.NewEmail("terms"), password = "correct-horse-battery", name = "Do-yun Han", birthDate = "1990-01-01", country = "KR",
            termsVersion, acceptTerms = true, consentPersonalInfo = true, marketingOptIn = false,
        }, Ct);
}
