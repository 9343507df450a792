using Microsoft.Extensions.Options;

namespace Rewards.Membership.Features.Terms;

/// <summary>The terms version a registration must accept, where to read it, and since when it applies.</summary>
public sealed record TermsView(string Version, DateOnly EffectiveFrom, string Url);

/// <summary>M1: a storefront learns the terms in force before it shows the registration form.</summary>
public static class TermsEndpoints
{
    public static void MapTerms(this IEndpointRouteBuilder app) =>
        app.MapGet("/terms", (IOptions<ProgramPolicy> policy) => TypedResults.Ok(new TermsView(
                policy.Value.CurrentTermsVersion, policy.Value.CurrentTermsEffectiveFrom, policy.Value.TermsUrl)))
            .WithTags("Registration").AllowAnonymous()
            .WithSummary("The terms version registration requires now (pass it as termsVersion), its effective date and where to read it");
}
