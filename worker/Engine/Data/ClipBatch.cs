using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// A batch of images (N×3×S×S) with one caption each (ids and mask, N×L). Built on a background thread, so
/// its tensors belong to no dispose scope: whoever consumes the batch disposes it.
/// </summary>
public sealed class ClipBatch(Tensor images, Tensor ids, Tensor mask) : IDisposable
{
    public Tensor Images { get; } = images;

    public Tensor Ids { get; } = ids;

    public Tensor Mask { get; } = mask;

    public long Count => Images.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Ids.Dispose();
        Mask.Dispose();
    }
}
