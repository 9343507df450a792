using System.Collections.Concurrent;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Rewards.Contracts.Ledger;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Messaging;
using Rewards.Testing;

namespace Rewards.ServiceDefaults.Tests;

/// <summary>Counts every delivery, whether or not the inbox lets it through, and the trace it was consumed in.</summary>
public sealed class Deliveries
{
    private readonly ConcurrentDictionary<Guid, int> _count = new();
    private readonly ConcurrentDictionary<Guid, (string? ConsumedIn, string? PublishedIn)> _traces = new();
    public void Add(Guid messageId, string? consumedIn, string? publishedIn)
    {
        _count.AddOrUpdate(messageId, 1, (_, n) => n + 1);
        _traces[messageId] = (consumedIn, publishedIn);
    }
    public int Of(Guid messageId) => _count.GetValueOrDefault(messageId);
    /// <summary>The trace id of the consumer's activity, and the activity id the publisher put in the message headers.</summary>
    public (string? ConsumedIn, string? PublishedIn) TraceOf(Guid messageId) => _traces.GetValueOrDefault(messageId);
}

public sealed class DeliveryObserver(Deliveries deliveries) : MassTransit.IConsumeObserver
{
    public Task PreConsume<T>(MassTransit.ConsumeContext<T> context) where T : class
    {
        deliveries.Add(context.MessageId!.Value, System.Diagnostics.Activity.Current?.TraceId.ToHexString(),
            context.Headers.Get<string>("MT-Activity-Id"));
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(MassTransit.ConsumeContext<T> context) where T : class => Task.CompletedTask;
    public Task ConsumeFault<T>(MassTransit.ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}

/// <summary>
/// Holds back the publish of every PointsPending whose reference starts with "unconfirmed-" while <see cref="Holding"/>
/// is set, and ignores cancellation meanwhile: a publish whose confirm was lost with its connection behaves like this.
/// </summary>
public sealed class UnconfirmedPublishes : MassTransit.IPublishObserver
{
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool Holding { get; private set; }

    public void Hold() { _released = new(TaskCreationOptions.RunContinuationsAsynchronously); Holding = true; }
    public void Release() { Holding = false; _released.TrySetResult(); }

    public Task PrePublish<T>(MassTransit.PublishContext<T> context) where T : class =>
        Holding && context.Message is PointsPending { Reference: var r } && r.StartsWith("unconfirmed-", StringComparison.Ordinal)
            ? _released.Task : Task.CompletedTask;

    public Task PostPublish<T>(MassTransit.PublishContext<T> context) where T : class => Task.CompletedTask;
    public Task PublishFault<T>(MassTransit.PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}

/// <summary>A consumer whose effect is a row in the effects table, written in the inbox transaction.</summary>
public sealed class RecordingConsumer(IServiceProvider services) : InboxConsumer<PointsPending>(services)
{
    protected override Task HandleAsync(PointsPending message, NpgsqlTransaction tx, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "insert into effects (message_id, reference, points) values (gen_random_uuid(), @Reference, @Points)",
            new { message.Reference, message.Points }, tx, cancellationToken: ct));
}

/// <summary>A bare host with the shared database, outbox, relay and inbox on real PostgreSQL and RabbitMQ.</summary>
public sealed class MessagingHost : IAsyncLifetime
{
    public IHost Host { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var rabbit = await TestServers.RabbitMqAsync();
        ConnectionString = await TestServers.CreateDatabaseAsync("defaults");
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Test"] = ConnectionString,
            ["RabbitMq:Host"] = rabbit.Host,
            ["RabbitMq:Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = await TestServers.CreateVirtualHostAsync("defaults"),
            ["RabbitMq:Username"] = rabbit.Username,
            ["RabbitMq:Password"] = rabbit.Password,
            // The relay's own loop stays mostly asleep, so tests drive passes themselves.
            ["Outbox:PollInterval"] = "01:00:00",
            ["Outbox:PublishTimeout"] = "00:00:02",
        });
        builder.Services.AddSingleton(TimeProvider.System);
        Telemetry.TraceContext.PropagateWithoutRecording(); // as AddServiceDefaults does without an OTLP collector
        builder.Services.AddSingleton<Deliveries>();
        MassTransit.ObserverRegistrationExtensions.AddConsumeObserver<DeliveryObserver>(builder.Services);
        builder.Services.AddSingleton<UnconfirmedPublishes>();
        MassTransit.ObserverRegistrationExtensions.AddPublishObserver(builder.Services, sp => sp.GetRequiredService<UnconfirmedPublishes>());
        builder.AddDatabase("Test", typeof(MessagingHost).Assembly);
        builder.AddMessaging("defaults-test", x => x.AddConsumer<RecordingConsumer>());
        Host = builder.Build();
        await Host.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }

    public OutboxRelay Relay => Host.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Single();
    public Deliveries Deliveries => Host.Services.GetRequiredService<Deliveries>();
    public UnconfirmedPublishes Unconfirmed => Host.Services.GetRequiredService<UnconfirmedPublishes>();

    public async Task<Guid> EnqueueAsync(PointsPending message, bool commit = true)
    {
        var outbox = Host.Services.GetRequiredService<Outbox>();
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await outbox.EnqueueAsync(tx, message);
        if (commit) await tx.CommitAsync();
        else await tx.RollbackAsync();
        return id;
    }

    public async Task<long> EffectsAsync(string reference)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return await conn.ExecuteScalarAsync<long>("select count(*) from effects where reference = @reference", new { reference });
    }

    public async Task<OutboxRow?> OutboxRowAsync(Guid messageId)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        return await conn.QuerySingleOrDefaultAsync<OutboxRow>(
            "select attempts, last_error as LastError, published_at as PublishedAt, next_attempt_at as NextAttemptAt from outbox_messages where message_id = @messageId",
            new { messageId });
    }

    public static PointsPending Message(string reference) => new()
    {
        MemberId = Guid.NewGuid(), Channel = "online", LotId = Guid.NewGuid(), Points = 1230, Reference = reference, At = DateTimeOffset.UtcNow,
    };
}

public sealed record OutboxRow(int Attempts, string? LastError, DateTimeOffset? PublishedAt, DateTimeOffset NextAttemptAt);
