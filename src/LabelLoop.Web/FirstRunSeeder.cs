using LabelLoop.Core.Accounts;
using LabelLoop.Core.Import;
using LabelLoop.Core.Projects;
using LabelLoop.Core.Samples;
using LabelLoop.Data.Accounts;
using LabelLoop.Data.Import;
using LabelLoop.Data.Projects;
using Microsoft.Extensions.Options;

namespace LabelLoop.Web;

/// <summary>
/// On a fresh database: creates the first admin (password printed once) and imports the Fashion-MNIST
/// sample project. Runs after <see cref="Data.DatabaseInitializer"/> (hosted services start in order).
/// </summary>
public sealed class FirstRunSeeder(
    IServiceScopeFactory scopes,
    ProjectService projects,
    ImportService imports,
    IOptions<SeedOptions> options,
    ILogger<FirstRunSeeder> logger) : IHostedService
{
    public const string SampleProjectName = "fashion-mnist";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seed = options.Value;
        if (seed.Admin)
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserService>();
            if (await users.CreateFirstAdminIfNoneAsync() is { } admin)
            {
                // Printed, not logged: the password appears once, on the console of whoever started the server.
                Console.WriteLine();
                Console.WriteLine("  LabelLoop admin account created (shown once):");
                Console.WriteLine($"    email:    {admin.Email}");
                Console.WriteLine($"    password: {admin.Password}");
                Console.WriteLine();
            }
        }
        if (seed.Sample && (await projects.ListAsync(Caller.System, cancellationToken)).Count == 0)
        {
            await ImportSampleAsync(seed, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ImportSampleAsync(SeedOptions seed, CancellationToken cancellationToken)
    {
        if (!FashionMnist.IsAvailable(seed.FashionMnistDir))
        {
            logger.LogWarning("Fashion-MNIST files not found in {Dir}; install Debian's dataset-fashion-mnist to get the sample project", seed.FashionMnistDir);
            return;
        }
        logger.LogInformation("Importing the Fashion-MNIST sample project ({Count} images)...", seed.FullSample ? 70_000 : 10_000);
        var labels = FashionMnist.ClassNames.Select(n => new LabelSpec(n)).ToList();
        var id = await projects.CreateAsync(Caller.System, new ProjectInput(SampleProjectName, ProjectKind.Image, labels,
            "Choose the kind of clothing shown. Fashion-MNIST: 28x28 grayscale images of Zalando articles.",
            AllowHorizontalFlip: true), cancellationToken);
        var entries = FashionMnist.Read(seed.FashionMnistDir, seed.FullSample)
            .Select(img => new ImportEntry($"{img.Label}/{img.Split}-{img.Index:D5}.png", img.Png.Length, () => new MemoryStream(img.Png)))
            .ToList();
        var report = await imports.ImportAsync(id, new ImportListing(entries, []), cancellationToken: cancellationToken);
        if (report.Succeeded)
        {
            logger.LogInformation("Sample project '{Name}' ready: {Added} items", SampleProjectName, report.Added);
        }
        else
        {
            logger.LogError("Sample import failed: {Errors}", string.Join("; ", report.Errors.Take(5)));
        }
    }
}
