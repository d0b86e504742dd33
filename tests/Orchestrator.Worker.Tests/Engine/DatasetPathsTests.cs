using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;

namespace Orchestrator.Worker.Tests.Engine;

public sealed class DatasetPathsTests
{
    [Fact]
    public void Relative_paths_are_taken_from_the_data_root_and_absolute_ones_are_kept()
    {
        var dataset = new DatasetSpec { Format = "captions-csv", Images = "flickr8k/Images", Captions = "/srv/flickr8k/captions.txt" };

        var resolved = DatasetPaths.Resolve(dataset, "/data");

        Assert.Equal("/data/flickr8k/Images", resolved.Images);
        Assert.Equal("/srv/flickr8k/captions.txt", resolved.Captions);
        Assert.Null(resolved.Annotations);
    }

    [Fact]
    public void Without_a_data_root_the_spec_is_unchanged()
    {
        var dataset = new DatasetSpec { Format = "captions-csv", Images = "Images", Captions = "captions.txt" };

        Assert.Same(dataset, DatasetPaths.Resolve(dataset, null));
    }
}
