using System.Reflection;
using Dapper;
using DbUp;
using DbUp.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Jobs;

namespace Rewards.ServiceDefaults.Data;

public static class DatabaseExtensions
{
    /// <summary>The pool size when the connection string names none (Npgsql's own default is 100).</summary>
    private const int DefaultMaxPoolSize = 16;

    private static bool SetsPoolSize(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "maxpoolsize" or "maximumpoolsize");

    /// <summary>
    /// Registers the service's <see cref="NpgsqlDataSource"/> from ConnectionStrings:{name} and applies, at start-up,
    /// the SQL migrations embedded in <paramref name="migrations"/> (plus the outbox/inbox tables), creating the
    /// database if it does not exist. With <paramref name="appRole"/> every connection of the data source works as that
    /// role (created and granted by the service's migrations), while migrations run as the connection string's user.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder, string name, Assembly migrations, string? appRole = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException($"ConnectionStrings:{name} is not configured");

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        var appConnection = new NpgsqlConnectionStringBuilder(connectionString);
        if (appRole is not null) appConnection.Options = $"{appConnection.Options} -c role={appRole}".Trim();
        // Statements run again and again (balances, postings) are prepared on each connection after two uses: planning
        // a query costs more than running it on an indexed lookup.
        if (appConnection.MaxAutoPrepare == 0) appConnection.MaxAutoPrepare = 64;
        // A returned connection is not reset: the services keep no session state (temp tables drop on commit, locks are
        // transaction-scoped), and the reset statements cost the database as much as a balance query.
        appConnection.NoResetOnClose = true;
        // Few connections, each kept busy: PostgreSQL slows down as a whole when far more backends than cores run at
        // once, and a burst then never drains. Requests beyond the pool wait in Npgsql's queue instead.
        if (!SetsPoolSize(connectionString)) appConnection.MaxPoolSize = DefaultMaxPoolSize;
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(appConnection.ConnectionString).Build());
        builder.Services.AddKeyedSingleton(JobRunner.LockPool, (_, _) => new NpgsqlDataSourceBuilder(
            new NpgsqlConnectionStringBuilder(appConnection.ConnectionString) { MaxPoolSize = 8, NoResetOnClose = false, MaxAutoPrepare = 0 }.ConnectionString).Build());
        builder.Services.AddSingleton(sp => new DatabaseMigrator(connectionString, migrations, sp.GetRequiredService<ILogger<DatabaseMigrator>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseMigrator>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        builder.Services.AddScoped<RequestTransaction>();
        builder.Services.AddClockJob<IdempotencyCleanupJob>();
        return builder;
    }

    /// <summary>
    /// Runs the service; started with the argument <c>migrate</c> (a deployment's migration job), it only applies the
    /// database migrations and exits, without starting the web server, the consumers or the jobs.
    /// </summary>
    public static void RunService(this WebApplication app, string[] args)
    {
        if (args is ["migrate"])
        {
            app.Services.GetRequiredService<DatabaseMigrator>().StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            return;
        }
        app.Run();
    }
}

/// <summary>Runs before the other hosted services (it is registered first), so consumers never see an old schema.</summary>
internal sealed class DatabaseMigrator(string connectionString, Assembly migrations, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureDatabase.For.PostgresqlDatabase(connectionString);
        // Instances starting together take turns; the second finds nothing left to apply.
        // Unpooled, and unlocked explicitly: a pooled connection would keep the session lock after Dispose, and a
        // later start in the same process (a restarted host) would wait for it for ever.
        using var lockConnection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        lockConnection.Open();
        lockConnection.Execute("select pg_advisory_lock(7341009)");
        DatabaseUpgradeResult result;
        try
        {
            result = DeployChanges.To.PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly)
                .WithScriptsEmbeddedInAssembly(migrations)
                .WithTransactionPerScript()
                .LogToNowhere()
                .Build()
                .PerformUpgrade();
        }
        finally
        {
            lockConnection.Execute("select pg_advisory_unlock(7341009)");
        }
        if (!result.Successful)
            throw new InvalidOperationException($"Database migration failed in {result.ErrorScript?.Name}", result.Error);
        foreach (var script in result.Scripts) logger.LogInformation("Applied migration {Script}", script.Name);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class DatabaseHealthCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var cmd = db.CreateCommand("select 1");
            await cmd.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", ex);
        }
    }
}
