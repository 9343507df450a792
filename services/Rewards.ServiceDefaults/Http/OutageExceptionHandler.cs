using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Rewards.ServiceDefaults.Http;

/// <summary>
/// Answers a request that failed because PostgreSQL or RabbitMQ could not be reached (or the database broke off the
/// transaction to be retried) with 503 /problems/service-unavailable and Retry-After, logged as a warning without a
/// stack trace: an outage is expected, and the client's retry with the same Idempotency-Key is safe.
/// </summary>
internal sealed class OutageExceptionHandler(IProblemDetailsService problems, ILogger<OutageExceptionHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Outages.Describe(exception) is not { } what) return false;
        logger.LogWarning("{Method} {Path} answered 503: {What} ({Error})", context.Request.Method, context.Request.Path, what,
            exception.GetBaseException().Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = 503,
                Type = "/problems/service-unavailable",
                Title = "The service is unavailable for a moment",
                Detail = $"{what}. Try again in a few seconds; a retry with the same Idempotency-Key is safe.",
            },
        });
    }
}
