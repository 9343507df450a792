using Rewards.Notifications;
using Rewards.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("notifications");
builder.AddNotifications();

var app = builder.Build();
app.MapServiceDefaults();
app.MapNotificationsEndpoints();
app.Run();
