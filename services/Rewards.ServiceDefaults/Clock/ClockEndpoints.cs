using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Rewards.ServiceDefaults.Clock;

public sealed record ClockState(DateTimeOffset Now);

internal static class ClockEndpoints
{
    /// <summary>Mapped only when the service runs on a <see cref="TestClock"/>; otherwise the paths are 404.</summary>
    public static void MapTestClock(this IEndpointRouteBuilder app, TestClock clock)
    {
        var group = app.MapGroup("/_test/clock").WithTags("Test clock").ExcludeFromDescription();
        group.MapGet("", () => TypedResults.Ok(new ClockState(clock.GetUtcNow())));
        group.MapPut("", (ClockState body) =>
        {
            clock.Set(body.Now);
            return TypedResults.Ok(new ClockState(clock.GetUtcNow()));
        });
    }
}
