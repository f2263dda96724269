namespace LabelLoop.Web;

/// <summary>First-run seeding. Configuration section <c>Seed</c>.</summary>
public sealed class SeedOptions
{
    /// <summary>Create <c>admin@labelloop.local</c> with a random password when there are no users.</summary>
    public bool Admin { get; set; } = true;

    /// <summary>Import the Fashion-MNIST sample project when there are no projects.</summary>
    public bool Sample { get; set; }

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> put the IDX files.</summary>
    public string FashionMnistDir { get; set; } = Core.Samples.FashionMnist.DefaultDirectory;

    /// <summary>Import all 70,000 images instead of the 10,000-image test split.</summary>
    public bool FullSample { get; set; }
}
