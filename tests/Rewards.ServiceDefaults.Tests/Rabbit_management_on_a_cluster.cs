using System.Net;
using System.Net.Sockets;
using Rewards.ServiceDefaults.Messaging;
using Rewards.Testing;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>The error-queue tools reach RabbitMQ's management API on any node of a cluster that answers.</summary>
public sealed class Rabbit_management_on_a_cluster
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Should_ask_the_next_node_when_one_does_not_answer_and_fail_when_none_does()
    {
        var rabbit = await TestServers.RabbitMqAsync();
        var (down, alsoDown) = (ClosedPort(), ClosedPort());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var cluster = new RabbitMqOptions
        {
            Username = rabbit.Username, Password = rabbit.Password,
            ManagementNodes = [$"127.0.0.1:{down}", $"{rabbit.Management.Host}:{rabbit.Management.Port}"],
        };
        using var response = await RabbitManagementApi.GetAsync(http, cluster, "api/overview", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var allDown = new RabbitMqOptions { ManagementNodes = [$"127.0.0.1:{down}", $"127.0.0.1:{alsoDown}"] };
        await Assert.ThrowsAsync<HttpRequestException>(() => RabbitManagementApi.GetAsync(http, allDown, "api/overview", Ct));
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port; // closed again when disposed: connections are refused
    }
}
