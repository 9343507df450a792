using System.Security.Claims;
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
        group.MapGet("", async (JobRunner runner, CancellationToken ct) => TypedResults.Ok(await runner.StatusAsync(ct)))
            .WithSummary("Every clock job: interval, last run (from the recorded history) and next scheduled run on the service's clock");
        group.MapGet("/{name}/runs", async Task<Results<Ok<IReadOnlyList<JobRun>>, ProblemHttpResult>> (
                string name, int? limit, JobRunner runner, CancellationToken ct) =>
            runner.Exists(name)
                ? TypedResults.Ok(await runner.HistoryAsync(name, Math.Clamp(limit ?? 50, 1, 500), ct))
                : Problems.NotFound($"No job named '{name}'"))
            .WithSummary("A job's runs, newest first (limit 1–500, default 50); a run without endedAt is running or died with its process");
        group.MapPost("/{name}/run", async Task<Results<Ok<JobRun>, ProblemHttpResult>> (
                string name, ClaimsPrincipal user, JobRunner runner, CancellationToken ct) =>
            runner.Exists(name)
                ? TypedResults.Ok(await runner.RunAsync(name, $"ops:{user.FindFirstValue("sub")}", ct))
                : Problems.NotFound($"No job named '{name}'"))
            .WithSummary("Runs a job now and answers what it did (recorded in the history like a scheduled run)");
    }
}
