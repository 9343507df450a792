using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Rewards.ServiceDefaults.Clock;

public sealed record ClockState(DateTimeOffset Now);

internal static class ClockEndpoints
{
    public static void MapTestClock(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_test/clock").WithTags("Test clock").ExcludeFromDescription();
        group.MapGet("", (TimeProvider clock) => TypedResults.Ok(new ClockState(clock.GetUtcNow())));
        group.MapPut("", Results<Ok<ClockState>, ProblemHttpResult> (ClockState body, TimeProvider clock) =>
        {
            if (clock is not TestClock testClock)
                return TypedResults.Problem(statusCode: 404, type: "/problems/not-found");
            testClock.Set(body.Now);
            return TypedResults.Ok(new ClockState(testClock.GetUtcNow()));
        });
    }
}
