using System.Globalization;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Options;
using Rewards.Notifications.Features.Triggers;

namespace Rewards.Notifications.Features.Dispatch;

public sealed record RenderedMail(string Subject, string Text, string Html);

/// <summary>
/// The mail texts: Liquid templates (Fluid) embedded from <c>Templates/</c>. For each mail type,
/// <c>{type}.txt.liquid</c> is the plain-text body and starts with a <c>Subject: …</c> line, and
/// <c>{type}.html.liquid</c> is the HTML body, set into <c>_layout.html.liquid</c>. Every template sees the mail's
/// model (camelCase names) and <c>programme</c>, the configured figures the texts quote. All are parsed at start-up,
/// so a broken template stops the service instead of a mail.
/// </summary>
public sealed class MailTemplates
{
    private const string Prefix = "Rewards.Notifications.Templates.";
    private static readonly FluidParser Parser = new();
    private readonly Dictionary<string, (IFluidTemplate Text, IFluidTemplate Html)> _templates = [];
    private readonly IFluidTemplate _layout;
    private readonly TemplateOptions _options = new()
    {
        CultureInfo = CultureInfo.InvariantCulture,
        MemberAccessStrategy = new UnsafeMemberAccessStrategy { MemberNameStrategy = MemberNameStrategies.CamelCase },
    };
    private readonly ProgrammeFigures _figures;

    public MailTemplates(IOptions<ProgrammeFigures> figures)
    {
        _figures = figures.Value;
        var sources = typeof(MailTemplates).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(n => n[Prefix.Length..^".liquid".Length], Read);
        _layout = Parse("_layout.html", sources["_layout.html"]);
        foreach (var type in sources.Keys.Where(k => k.EndsWith(".txt", StringComparison.Ordinal)).Select(k => k[..^4]))
        {
            if (!sources.TryGetValue($"{type}.html", out var html)) throw new InvalidOperationException($"Mail template {type}.html.liquid is missing");
            _templates[type] = (Parse($"{type}.txt", sources[$"{type}.txt"]), Parse($"{type}.html", html));
        }
    }

    public IReadOnlyCollection<string> Types => _templates.Keys;

    public RenderedMail Render(string type, object model)
    {
        if (!_templates.TryGetValue(type, out var template)) throw new InvalidOperationException($"No mail template for {type}");
        var context = new TemplateContext(model, _options);
        context.SetValue("programme", _figures);
        var text = template.Text.Render(context, NullEncoder.Default).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.StartsWith("Subject: ", StringComparison.Ordinal)) throw new InvalidOperationException($"{type}.txt.liquid must start with a Subject: line");
        var subjectEnd = text.IndexOf('\n', StringComparison.Ordinal);
        var subject = text["Subject: ".Length..subjectEnd].Trim();
        var body = template.Html.Render(context, HtmlEncoder.Default);
        context.SetValue("subject", subject);
        context.SetValue("content", new StringValue(body, encode: false));
        return new RenderedMail(subject, text[(subjectEnd + 1)..].Trim() + "\n", _layout.Render(context, HtmlEncoder.Default));
    }

    private static string Read(string resource)
    {
        using var reader = new StreamReader(typeof(MailTemplates).Assembly.GetManifestResourceStream(resource)!);
        return reader.ReadToEnd();
    }

    private static IFluidTemplate Parse(string name, string source) =>
        Parser.TryParse(source, out var template, out var error) ? template : throw new InvalidOperationException($"Mail template {name}.liquid: {error}");
}
