using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.Extensions.Options;
using Rewards.Contracts.Ledger;

namespace Rewards.Orders.Features.Checkout;

public sealed class CheckoutOptions
{
    /// <summary>How long placing an order waits for the Ledger to answer a points hold.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")] public TimeSpan HoldTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public abstract record HoldOutcome
{
    public sealed record Held(DateTimeOffset ExpiresAt) : HoldOutcome;
    public sealed record Refused(string Reason, string Detail) : HoldOutcome;
    public sealed record Unavailable : HoldOutcome;
}

/// <summary>
/// L9 at checkout: asks the Ledger over the broker to hold points (request/response with a timeout). On a timeout the
/// hold is released in case it was placed after all; if that release is lost too, the Ledger's own 30-minute timeout
/// frees the points, so none stay held for ever.
/// </summary>
public sealed class PointsHolds(IRequestClient<HoldPoints> client, IPublishEndpoint publish, IOptions<CheckoutOptions> options, ILogger<PointsHolds> logger)
{
    public async Task<HoldOutcome> HoldAsync(HoldPoints request, CancellationToken ct)
    {
        try
        {
            var response = await client.GetResponse<PointsHeld, PointsHoldRefused>(request, ct, RequestTimeout.After(ms: (int)options.Value.HoldTimeout.TotalMilliseconds));
            return response.Is(out Response<PointsHeld>? held)
                ? new HoldOutcome.Held(held!.Message.ExpiresAt)
                : response.Is(out Response<PointsHoldRefused>? refused)
                    ? new HoldOutcome.Refused(refused!.Message.Reason, refused.Message.Detail)
                    : new HoldOutcome.Unavailable();
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("The Ledger did not answer hold {HoldId} in time; releasing it in case it was placed", request.HoldId);
            await ReleaseAsync(request.HoldId, "checkout-timeout");
            return new HoldOutcome.Unavailable();
        }
    }

    /// <summary>Best effort, outside any transaction: used when no order row will carry the hold.</summary>
    public async Task ReleaseAsync(Guid holdId, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await publish.Publish(new ReleasePointsHold { HoldId = holdId, Reason = reason }, timeout.Token); }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not release hold {HoldId}; the Ledger's hold timeout will", holdId);
        }
    }
}
