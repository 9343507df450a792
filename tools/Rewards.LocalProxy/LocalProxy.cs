using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Rewards.LocalProxy;

/// <summary>A public port and the ports of the instances behind it, all on 127.0.0.1.</summary>
public sealed record LocalRoute(int Port, int[] Instances)
{
    /// <summary>Reads <c>--route PORT=INSTANCE,INSTANCE…</c> arguments.</summary>
    public static IReadOnlyList<LocalRoute> Parse(string[] args)
    {
        var routes = new List<LocalRoute>();
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] != "--route") continue;
            var (port, instances) = (args[i + 1].Split('=')[0], args[i + 1].Split('=')[1]);
            routes.Add(new LocalRoute(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture),
                [.. instances.Split(',').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))]));
        }
        return routes.Count > 0 ? routes : throw new ArgumentException("Give at least one --route PORT=INSTANCE,INSTANCE…");
    }
}

/// <summary>
/// YARP in front of the instances: requests go round-robin to the instances whose process answers (an active check
/// of /health/live every second, and a connection that fails takes an instance out for 10 s at once). Liveness rather
/// than readiness, so that when the database is down every instance still answers its own 503 with Retry-After. A
/// request the proxy could not forward (its instance died under it, or none is up) is answered 503 with Retry-After
/// too, as a ProblemDetails.
/// </summary>
public static class LocalProxy
{
    public static WebApplication Build(IReadOnlyList<LocalRoute> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var route in routes) kestrel.Listen(IPAddress.Loopback, route.Port);
        });
        builder.Services.Configure<ConsecutiveFailuresHealthPolicyOptions>(o => o.DefaultThreshold = 1);
        builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(o => o.MinimalTotalCountThreshold = 1);
        builder.Services.AddProblemDetails();
        builder.Services.AddReverseProxy().LoadFromMemory(
            [.. routes.Select(r => new RouteConfig
            {
                RouteId = $"port-{r.Port}", ClusterId = $"instances-{r.Port}",
                Match = new RouteMatch { Path = "{**path}", Hosts = [$"*:{r.Port}"] },
            })],
            [.. routes.Select(r => new ClusterConfig
            {
                ClusterId = $"instances-{r.Port}",
                LoadBalancingPolicy = "RoundRobin",
                HealthCheck = new HealthCheckConfig
                {
                    Active = new ActiveHealthCheckConfig { Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(1), Path = "/health/live", Policy = "ConsecutiveFailures" },
                    Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate, ReactivationPeriod = TimeSpan.FromSeconds(10) },
                },
                Destinations = r.Instances.ToDictionary(p => $"instance-{p}", p => new DestinationConfig { Address = $"http://127.0.0.1:{p}/" }),
            })]);
        var app = builder.Build();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(async (context, next) =>
            {
                await next();
                if (context.GetForwarderErrorFeature() is null || context.Response.HasStarted) return;
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = { Type = "/problems/service-unavailable", Title = "No instance could answer; try again shortly.", Status = 503 },
                });
            });
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
