using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

public sealed class DatasetSpecTests
{
    [Fact]
    public void Relative_paths_start_at_the_worker_s_data_root_and_absolute_ones_stay()
    {
        var dataset = new DatasetSpec { Format = "karpathy-json", Images = "flickr8k/images", Annotations = "/srv/karpathy/dataset_flickr8k.json" };

        var resolved = dataset.ResolvedAgainst("/var/lib/orchestrator/shared/datasets");

        Assert.Equal("/var/lib/orchestrator/shared/datasets/flickr8k/images", resolved.Images);
        Assert.Equal("/srv/karpathy/dataset_flickr8k.json", resolved.Annotations);
        Assert.Null(resolved.Captions);
        Assert.Same(dataset, dataset.ResolvedAgainst(null));
        Assert.Same(dataset, dataset.ResolvedAgainst(" "));
    }
}
