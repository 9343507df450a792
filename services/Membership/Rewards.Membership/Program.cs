using Rewards.Membership;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("membership");
builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options));
builder.AddMembership();

var app = builder.Build();
app.MapServiceDefaults();
app.MapMembershipEndpoints();
app.RunService(args);
