using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rewards.Testing;

namespace Rewards.Orders.Tests;

/// <summary>The Mwave programme: members registered through a social network cannot pay (O8), by configuration alone.</summary>
public sealed class MwaveOrdersService : OrdersService
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Policy:SocialLoginMembersMayPay"] = "false" };
}

public sealed class Social_login_payments(MwaveOrdersService service) : IClassFixture<MwaveOrdersService>
{
    private static readonly object Order = new
    {
        lines = new[] { new { sku = "ALB-9", name = "Album", quantity = 1, unitPrice = 15.00m, weightGrams = 300 } },
        currency = "USD", shipping = new { country = "KR", method = "standard", address = "Seoul" }, paymentMethod = "card", policyAccepted = true,
    };

    [Fact]
    [Trait("Rule", "O8")]
    public async Task Should_refuse_orders_of_members_registered_through_a_social_network_when_the_policy_says_so()
    {
        var ct = TestContext.Current.CancellationToken;
        using var social = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "kakao-user@example.com", socialProvider: "kakao"));
        using var regular = service.Host.ClientWithToken(TestTokens.Member(Guid.NewGuid(), "mail-user@example.com"));

        var refused = await social.PostAsJsonAsync("/orders", Order, ct);
        var accepted = await regular.PostAsJsonAsync("/orders", Order, ct);

        Assert.Equal((HttpStatusCode.Forbidden, "/problems/social-login-cannot-pay"),
            (refused.StatusCode, (await refused.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("type").GetString()));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }
}
