using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Rewards.ServiceDefaults.Http;

namespace Rewards.ServiceDefaults.Jobs;

internal static class JobEndpoints
{
    public static void MapJobs(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<JobRunner>() is null) return;
        var group = app.MapGroup("/ops/jobs").WithTags("Jobs").RequireAuthorization(AuthExtensions.OpsPolicy);
        group.MapGet("", (JobRunner runner) => TypedResults.Ok(runner.Status()));
        group.MapPost("/{name}/run", async Task<Results<Ok<JobRun>, ProblemHttpResult>> (string name, JobRunner runner, CancellationToken ct) =>
            runner.Exists(name)
                ? TypedResults.Ok(await runner.RunAsync(name, ct))
                : Problems.NotFound($"No job named '{name}'"));
    }
}
