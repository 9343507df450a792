using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Rewards.ServiceDefaults.Http;

/// <summary>RFC 9457 problems with the stable <c>/problems/{slug}</c> types of API.md.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string slug, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, type: $"/problems/{slug}", title: title, detail: detail);

    public static ValidationProblem Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is invalid", type: "/problems/validation");

    public static ProblemHttpResult NotFound(string detail) => Of(404, "not-found", "Not found", detail);

    /// <summary>Gives the framework's own problems (401, 403, 404, 405, 500 …) a <c>/problems/{slug}</c> type too.</summary>
    internal static void UseStableTypes(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is not null && problem.Type.StartsWith("/problems/", StringComparison.Ordinal)) return;
        problem.Type = problem.Status switch
        {
            400 => "/problems/bad-request",
            401 => "/problems/unauthorized",
            403 => "/problems/forbidden",
            404 => "/problems/not-found",
            405 => "/problems/method-not-allowed",
            413 => "/problems/payload-too-large",
            415 => "/problems/unsupported-media-type",
            _ when problem.Status >= 500 => "/problems/internal-error",
            _ => problem.Type,
        };
    }
}

/// <summary>Collects field errors; empty means valid.</summary>
public sealed class FieldErrors : Dictionary<string, string[]>
{
    public FieldErrors Require(bool condition, string field, string message)
    {
        if (!condition) this[field] = TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        return this;
    }
}

/// <summary>
/// Turns request bodies that cannot be read (malformed JSON, unknown or missing fields, wrong types, too large)
/// into 400 /problems/validation instead of an empty 400 or a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        var json = FindJsonException(bad);
        var tooLarge = bad.StatusCode == StatusCodes.Status413PayloadTooLarge;
        context.Response.StatusCode = tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = tooLarge
                ? new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = 413, Type = "/problems/payload-too-large", Title = "The request body is too large" }
                : new HttpValidationProblemDetails(BodyErrors.Describe(json, bad.Message))
                {
                    Status = 400,
                    Type = "/problems/validation",
                    Title = "The request is invalid",
                },
        });
    }

    private static JsonException? FindJsonException(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is JsonException json) return json;
        return null;
    }
}
