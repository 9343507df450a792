using Microsoft.AspNetCore.Authentication.Cookies;
using Rewards.Ops.Console;
using Rewards.ServiceDefaults.Http;
using Rewards.ServiceDefaults.Messaging;

namespace Rewards.Ops;

public static class OpsConsoleModule
{
    /// <summary>The console's cookie session and its policy: an ops login, nothing else.</summary>
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string Policy = "ops-console";

    /// <summary>
    /// Razor Pages over the services' own APIs (with the logged-in ops token) and RabbitMQ's management API; a cookie
    /// session holds the token, so the browser never sees it. Antiforgery tokens guard every form.
    /// </summary>
    public static WebApplicationBuilder AddOpsConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServiceDirectory>().Bind(builder.Configuration.GetSection("Services"))
            .Validate(d => d.All.All(s => s.Url is not null), $"Services: set the base URL of each of {string.Join(", ", ServiceDirectory.Names)}")
            .ValidateOnStart();
        builder.Services.AddOptions<RabbitMqOptions>().Bind(builder.Configuration.GetSection("RabbitMq")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHttpClient(OpsApi.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddScoped<OpsApi>();
        builder.Services.AddScoped<OpsLogin>();
        builder.Services.AddSingleton<RabbitManagement>();

        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
            })
            .AddCookie(Scheme, o =>
            {
                o.Cookie.Name = "rewards-ops";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/login";
                o.ExpireTimeSpan = TimeSpan.FromHours(12); // at most; Membership's refresh tokens (Ops:RefreshTokenHours) decide
                o.Events.OnValidatePrincipal = context =>
                    context.HttpContext.RequestServices.GetRequiredService<OpsLogin>().RefreshIfDueAsync(context);
            });
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole(AuthExtensions.OpsRole));
        builder.Services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/", Policy);
            o.Conventions.AllowAnonymousToPage("/Login");
        });
        return builder;
    }

    public static WebApplication MapOpsConsole(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapRazorPages();
        return app;
    }
}
