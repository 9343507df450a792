using Rewards.Notifications;
using Rewards.ServiceDefaults;
using Rewards.ServiceDefaults.Data;
using Rewards.ServiceDefaults.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("notifications");
builder.Services.AddOpenApi(options => OpenApiConventions.Apply(options));
builder.AddNotifications();

var app = builder.Build();
app.MapServiceDefaults();
app.MapNotificationsEndpoints();
app.RunService(args);
