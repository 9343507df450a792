using System.Net;
using System.Net.Http.Headers;
using Rewards.Clients.Membership;
using Rewards.Clients.Orders;

namespace Rewards.EndToEnd.Tests;

/// <summary>
/// A storefront written against the generated clients (clients/Rewards.Clients, built from the checked-in OpenAPI
/// documents): if a document stops describing what the service does, this breaks.
/// </summary>
public sealed class Generated_clients_end_to_end(RewardsSystem system) : IClassFixture<RewardsSystem>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait("Rule", "M1")]
    [Trait("Rule", "O1")]
    public async Task Should_register_log_in_order_and_read_the_order_through_the_generated_clients()
    {
        var membership = new MembershipClient(system.Membership.CreateClient());
        var terms = await membership.TermsGETAsync(Ct);
        var email = $"client-{Guid.NewGuid():N}@example.com";
        var registration = new RegisterMemberRequest
        {
            Email = email, Password = "correct-horse-battery", Name = "Na-yeon Im", BirthDate = new DateTimeOffset(1995, 9, 22, 0, 0, 0, TimeSpan.Zero),
            Country = "KR", TermsVersion = terms.Version, AcceptTerms = true, ConsentPersonalInfo = true, MarketingOptIn = false,
        };
        var registered = await membership.MembersPOSTAsync(null, registration, Ct);
        Assert.Equal("active", registered.Status);
        Assert.Equal(terms.Version, (await membership.TermsGETAsync(Ct)).Version);
        var duplicate = await Assert.ThrowsAsync<MembershipApiException<Rewards.Clients.Membership.ProblemDetails>>(() => membership.MembersPOSTAsync(null, registration, Ct));
        Assert.Equal(((int)HttpStatusCode.Conflict, "/problems/duplicate-identity"), (duplicate.StatusCode, duplicate.Result.Type)); // the problem, typed

        var token = await membership.TokenAsync(null, new TokenRequest { Email = email, Password = "correct-horse-battery" }, Ct);
        var http = system.Orders.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        var orders = new OrdersClient(http);
        var placed = await orders.OrdersPOSTAsync(Guid.NewGuid().ToString(), new PlaceOrderRequest
        {
            Lines = [new OrderLineRequest { Sku = "PC-1", Name = "Photocard set", Quantity = 2, UnitPrice = 12.50m, WeightGrams = 80, ItemType = OrderLineRequestItemType.MeetAndGreet, BroadcastAt = DateTimeOffset.UtcNow.AddDays(30) }],
            Currency = "USD", Shipping = new ShippingRequest { Country = "KR", Method = ShippingRequestMethod.Standard, Address = "Seoul" },
            PaymentMethod = PlaceOrderRequestPaymentMethod.BankTransfer, PolicyAccepted = true,
        }, Ct);
        Assert.Equal(25.00m, placed.Totals.AmountDue);

        Assert.Equal(HttpStatusCode.OK, (await system.ConfirmPaymentAsync(placed.PaymentId, placed.OrderId, 25.00m)).StatusCode);
        var order = await orders.OrdersGETAsync(placed.OrderId, Ct);
        Assert.Equal((placed.OrderNumber, OrderViewStatus.Processing), (order.OrderNumber, order.Status)); // kebab-case values map to the enum
        var profile = await new MembershipClient(WithToken(system.Membership.CreateClient(), token.AccessToken)).MeGETAsync(Ct);
        Assert.Equal((registered.MemberId, email, MemberProfileStatus.Active), (profile.MemberId, profile.Email, profile.Status));
    }

    private static HttpClient WithToken(HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
