using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Rewards.ServiceDefaults.Http;

/// <summary>Endpoints opt into a named rate limit; a refused request gets 429 /problems/rate-limited with Retry-After.</summary>
public static class RateLimits
{
    internal static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Of(429, "rate-limited", "Too many requests", $"The request rate limit was reached; try again in {seconds} s.")
            .ExecuteAsync(rejected.HttpContext);
    }
}
