using Orchestrator.Coordinator.Benchmarks;
using Orchestrator.Coordinator.Hosting;

// Until the command line lands, `demo` says what it will do instead of starting the host.
if (args is ["demo", ..])
{
    Console.WriteLine("orch demo: will start a local PostgreSQL, the coordinator and one CPU worker, submit a small sweep and print its results table.");
    return;
}

if (args is ["bench", .. var options])
{
    await QueueBenchmark.RunAsync(options);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddCoordinator(builder.Configuration);
var app = builder.Build();
app.MapCoordinator();
await app.RunAsync();
