using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Messaging;

public sealed class RabbitMqOptions
{
    [Required] public string Host { get; set; } = "127.0.0.1";
    [Range(1, 65535)] public int Port { get; set; } = 5672;
    [Required] public string VirtualHost { get; set; } = "/";
    [Required] public string Username { get; set; } = "guest";
    [Required] public string Password { get; set; } = "guest";
    /// <summary>
    /// Every node of a RabbitMQ cluster, as <c>host:port</c>: the service connects to one that answers and moves to
    /// another when it goes. Empty for a single node (<see cref="Host"/> and <see cref="Port"/>).
    /// </summary>
    public string[] ClusterNodes { get; set; } = [];
    /// <summary>RabbitMQ's management API (HTTP), on the same host, for the list of _error queues.</summary>
    [Range(1, 65535)] public int ManagementPort { get; set; } = 15672;
    /// <summary>
    /// The management API of every node of a cluster, as <c>host:port</c>, tried in turn until one answers. Empty for
    /// <see cref="Host"/> and <see cref="ManagementPort"/>.
    /// </summary>
    public string[] ManagementNodes { get; set; } = [];
    /// <summary>MassTransit's anonymous usage report to its vendor over the internet; off unless asked for.</summary>
    public bool UsageTelemetry { get; set; }
}

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ (quorum queues, publisher confirms, retry then the endpoint's _error queue),
    /// queues named "{service}-{consumer}", plus the outbox, its relay and the clean-up of published rows.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, string serviceName,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        builder.Services.AddOptions<RabbitMqOptions>().Bind(builder.Configuration.GetSection("RabbitMq"))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OutboxOptions>().Bind(builder.Configuration.GetSection("Outbox"));
        builder.Services.AddSingleton<WakeSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddSingleton<OutboxMonitor>();
        builder.Services.AddSingleton<InboxMetrics>();
        builder.Services.AddSingleton(new MessagingService(serviceName));
        builder.Services.AddSingleton<ErrorQueues>();
        builder.Services.AddHostedService<OutboxRelay>();
        builder.Services.AddHealthChecks().AddCheck<OutboxHealthCheck>("outbox", tags: ["ready"]);
        builder.Services.AddClockJob<OutboxCleanupJob>();
        builder.Services.AddClockJob<InboxCleanupJob>();

        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        var rabbit = builder.Configuration.GetSection("RabbitMq").Get<RabbitMqOptions>() ?? new RabbitMqOptions();
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, false));
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = rabbit.UsageTelemetry);
            configure?.Invoke(x);
            x.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbitEndpoint) rabbitEndpoint.SetQuorumQueue();
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, h =>
                {
                    h.Username(rabbit.Username);
                    h.Password(rabbit.Password);
                    h.PublisherConfirmation = true;
                    if (rabbit.ClusterNodes.Length > 0) h.UseCluster(cluster => { foreach (var node in rabbit.ClusterNodes) cluster.Node(node); });
                });
                // An outage is waited out with the message held (about 5 minutes), so it does not end in an _error queue;
                // any other failure is retried five times within about 20 s, then the message is parked there.
                cfg.UseMessageRetry(r =>
                {
                    r.Handle<Exception>(ex => Outages.Describe(ex) is not null);
                    r.Interval(150, TimeSpan.FromSeconds(2));
                });
                cfg.UseMessageRetry(r =>
                {
                    r.Ignore<Exception>(ex => Outages.Describe(ex) is not null);
                    r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500));
                });
                // MassTransit's meter ("MassTransit": messages received, consumed and failed by type and consumer) on /metrics.
                cfg.UseInstrumentation(serviceName: serviceName);
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
