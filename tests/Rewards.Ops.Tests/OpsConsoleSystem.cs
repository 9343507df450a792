using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Rewards.Notifications.Features.Dispatch;
using Rewards.Ops.Console;
using Rewards.Testing;

namespace Rewards.Ops.Tests;

/// <summary>
/// The four services and the ops console, each on Kestrel at a local port (the console calls the services over real
/// HTTP, and a real browser calls the console), sharing one RabbitMQ virtual host; plus Debian's Chromium driven by
/// Playwright, installed from Debian's package when missing.
/// </summary>
public sealed class OpsConsoleSystem : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    public ServiceHost<Rewards.Membership.ProgramPolicy> Membership { get; private set; } = null!;
    public ServiceHost<Rewards.Orders.ProgramPolicy> Orders { get; private set; } = null!;
    public ServiceHost<Rewards.Ledger.ProgramPolicy> Ledger { get; private set; } = null!;
    public ServiceHost<SmtpOptions> Notifications { get; private set; } = null!;
    public ServiceHost<ServiceDirectory> Console { get; private set; } = null!;
    public string ConsoleUrl { get; } = ServiceHost<ServiceDirectory>.FreeLocalUrl();
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    /// <summary>Where each page's screenshot is saved: .local/screenshots/ in the repository.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), ".local", "screenshots");

    public async ValueTask InitializeAsync()
    {
        var install = Task.Run(EnsureChromium);
        var vhost = await TestServers.CreateVirtualHostAsync("ops");
        var urls = ServiceDirectory.Names.ToDictionary(n => n, _ => ServiceHost<ServiceDirectory>.FreeLocalUrl());
        var hosts = await Task.WhenAll(
            Task.Run(async () => (object)await ServiceHost<Rewards.Membership.ProgramPolicy>.StartAsync("Membership", vhost,
                // The shortest ops token there is, so the console renews its session (refresh token) on nearly every request.
                new Dictionary<string, string?> { ["Ledger:BaseUrl"] = urls["Ledger"], ["Jwt:AccessTokenSeconds"] = "60" }, urls["Membership"])),
            Task.Run(async () => (object)await ServiceHost<Rewards.Orders.ProgramPolicy>.StartAsync("Orders", vhost, listenUrl: urls["Orders"])),
            Task.Run(async () => (object)await ServiceHost<Rewards.Ledger.ProgramPolicy>.StartAsync("Ledger", vhost, listenUrl: urls["Ledger"])),
            Task.Run(async () => (object)await ServiceHost<SmtpOptions>.StartAsync("Notifications", vhost, listenUrl: urls["Notifications"])));
        Membership = (ServiceHost<Rewards.Membership.ProgramPolicy>)hosts[0];
        Orders = (ServiceHost<Rewards.Orders.ProgramPolicy>)hosts[1];
        Ledger = (ServiceHost<Rewards.Ledger.ProgramPolicy>)hosts[2];
        Notifications = (ServiceHost<SmtpOptions>)hosts[3];
        Console = await ServiceHost<ServiceDirectory>.StartAsync("Ops", vhost,
            urls.ToDictionary(u => $"Services:{u.Key}", u => (string?)u.Value), ConsoleUrl, withDatabase: false);

        await install;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox"], // the tests run as root
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Console.DisposeAsync();
        await Membership.DisposeAsync();
        await Orders.DisposeAsync();
        await Ledger.DisposeAsync();
        await Notifications.DisposeAsync();
    }

    /// <summary>A fresh browser context (its own cookies) on a page of the console.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = ConsoleUrl });
        return await context.NewPageAsync();
    }

    /// <summary>Registers a member through Membership's API, as a storefront would; returns the member id.</summary>
    public async Task<Guid> RegisterAsync(string email, string name, CancellationToken ct, bool marketingOptIn = false)
    {
        using var membership = Membership.CreateClient();
        var registered = await membership.PostAsJsonAsync("/members", new
        {
            email, password = "correct-horse-battery", name, birthDate = "1990-01-02", country = "KR",
            termsVersion = "2026-01", acceptTerms = true, consentPersonalInfo = true, marketingOptIn,
        }, ct);
        registered.EnsureSuccessStatusCode();
        return (await registered.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("memberId").GetGuid();
    }

    public static async Task LogInAsync(IPage page, string email = ServiceHost<ServiceDirectory>.OpsEmail, string password = ServiceHost<ServiceDirectory>.OpsPassword)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = true });

    /// <summary>Debian's chromium package, as the fixture's one piece of set-up outside the repository.</summary>
    private static void EnsureChromium()
    {
        if (File.Exists(Chromium)) return;
        Run("apt-get", "update -qq");
        Run("apt-get", "install -y -qq --no-install-recommends chromium");
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"apt-get did not install {Chromium}");

        static void Run(string file, string arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                Environment = { ["DEBIAN_FRONTEND"] = "noninteractive" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            }) ?? throw new InvalidOperationException($"{file} did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error}{output.Result}");
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Rewards.sln"))) dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}
