using LabelLoop.Web;

var app = LabelLoopWebApplication.Create(args);
await app.RunAsync();

/// <summary>The entry point; public so <c>WebApplicationFactory&lt;Program&gt;</c> can find it.</summary>
public partial class Program;
