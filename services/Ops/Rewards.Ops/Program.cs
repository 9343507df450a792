using Rewards.Ops;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("ops");
builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options));
builder.AddOpsConsole();

var app = builder.Build();
app.MapServiceDefaults();
app.MapOpsConsole();
app.Run();
