using TorchSharp;

Console.WriteLine($"orch-worker: TorchSharp backend ready, {torch.randn(2, 2).sum().item<float>():F3}");
