using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Rewards.LocalProxy;
using Rewards.Testing;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>The local reverse proxy that run.sh puts in front of several instances of a service.</summary>
public sealed class Local_proxy
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Should_spread_requests_over_the_instances_and_answer_503_until_it_leaves_out_an_instance_that_is_gone()
    {
        var (first, second, front) = (FreePort(), FreePort(), FreePort());
        await using var one = await InstanceAsync(first, "one");
        var two = await InstanceAsync(second, "two");
        await using var proxy = LocalProxy.LocalProxy.Build([new LocalRoute(front, [first, second])]);
        await proxy.StartAsync(Ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{front}") };

        var answers = new List<string>();
        for (var i = 0; i < 10; i++) answers.Add(await http.GetStringAsync("/who", Ct));
        Assert.Equal(["one", "two"], answers.Distinct().Order());

        await two.DisposeAsync(); // as if killed: its port refuses connections
        // Until the proxy has noticed, a request sent to the dead instance gets 503 with Retry-After, never a 502.
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.GetAsync("/who", Ct);
            if (response.StatusCode == HttpStatusCode.OK) Assert.Equal("one", await response.Content.ReadAsStringAsync(Ct));
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                using var response = await http.GetAsync("/who", Ct);
                if (response.StatusCode != HttpStatusCode.OK || await response.Content.ReadAsStringAsync(Ct) != "one") return false;
            }
            return true;
        }, TimeSpan.FromSeconds(15)));
    }

    private static async Task<WebApplication> InstanceAsync(int port, string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/who", () => name);
        app.MapGet("/health/live", () => Results.Ok());
        await app.StartAsync(Ct);
        return app;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
