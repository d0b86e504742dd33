using System.Collections.Concurrent;
using System.Diagnostics;
using Orchestrator.Worker.Engine.Weights;
using Xunit.Abstractions;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>Downloads into the weights cache against a loopback server: resumed, restarted, checked, retried or refused as the server behaves.</summary>
public sealed class WeightsDownloadTests(ITestOutputHelper console) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-weights-").FullName;
    private readonly LoopbackWeightsServer server = new();
    private readonly ConcurrentQueue<string> log = new();

    private WeightsCache Cache(WeightsSettings? settings = null) => new(directory, settings ?? TestWeights.Settings(server.BaseUrl), log.Enqueue);

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void A_good_file_is_downloaded_checked_and_renamed_into_place_once()
    {
        var content = TestWeights.RandomBytes(2_000_000, 1);
        var file = TestWeights.Torchvision("good", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content));

        var clock = Stopwatch.StartNew();
        var path = Cache().Ensure(file);
        console.WriteLine($"2 MB download: {clock.ElapsedMilliseconds} ms");

        Assert.Equal(Path.Combine(directory, file.RelativePath), path);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + WeightsCache.PartialSuffix));
        Assert.Contains(log, l => l.StartsWith($"downloaded {file.RelativePath}: 2.0 MB", StringComparison.Ordinal));

        Assert.Equal(path, Cache().Ensure(file));
        Assert.Single(server.Requests);
    }

    [Fact]
    public void A_download_cut_midway_resumes_with_a_range_request_from_what_arrived()
    {
        var content = TestWeights.RandomBytes(3_000_000, 2);
        var file = TestWeights.Torchvision("cut", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content) { DropFirstAt = 1_200_000 });

        var clock = Stopwatch.StartNew();
        var path = Cache().Ensure(file);
        console.WriteLine($"3 MB download cut at 1.2 MB and resumed: {clock.ElapsedMilliseconds} ms");

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal([null, "bytes=1200000-"], server.Requests.Select(r => r.Range));
        Assert.Contains(log, l => l.Contains("resuming after 1200000 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_server_that_ignores_the_range_gets_a_clean_restart()
    {
        var content = TestWeights.RandomBytes(1_000_000, 3);
        var file = TestWeights.Torchvision("norange", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content) { IgnoreRange = true });
        File.WriteAllBytes(Path.Combine(directory, file.RelativePath + WeightsCache.PartialSuffix), TestWeights.RandomBytes(400_000, 99));

        var path = Cache().Ensure(file);

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal("bytes=400000-", Assert.Single(server.Requests).Range);
        Assert.Contains(log, l => l.Contains("ignored the request to resume after 400000 bytes; starting over", StringComparison.Ordinal));
    }

    [Fact]
    public void A_refused_range_416_restarts_from_the_beginning()
    {
        var content = TestWeights.RandomBytes(100_000, 4);
        var file = TestWeights.Torchvision("toolong", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content));
        File.WriteAllBytes(Path.Combine(directory, file.RelativePath + WeightsCache.PartialSuffix), new byte[150_000]);

        Assert.Equal(content, File.ReadAllBytes(Cache().Ensure(file)));
        Assert.Equal(["bytes=150000-", null], server.Requests.Select(r => r.Range));
    }

    [Fact]
    public void A_file_that_fails_its_checksum_is_deleted_and_never_put_in_place()
    {
        var content = TestWeights.RandomBytes(500_000, 5);
        var file = TestWeights.Torchvision("corrupt", content, server.BaseUrl);
        var served = (byte[])content.Clone();
        served[250_000] ^= 0xff;
        server.Serve(file.RelativePath, new ServedFile(served));

        var error = Assert.Throws<WeightsUnavailableException>(() => Cache().Ensure(file));

        Assert.Contains($"could not download {file.RelativePath} from {file.Url}: the downloaded file failed its checksum: its SHA-256 {TestWeights.Sha256(served)} does not start with {file.Sha256Prefix}", error.Message, StringComparison.Ordinal);
        Assert.Contains("it was deleted, not used", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, file.RelativePath)));
        Assert.False(File.Exists(Path.Combine(directory, file.RelativePath + WeightsCache.PartialSuffix)));
    }

    [Fact]
    public void Not_found_is_permanent_and_names_the_url_and_the_ways_out()
    {
        var file = TestWeights.Torchvision("missing", [1, 2, 3], server.BaseUrl);

        var error = Assert.Throws<WeightsUnavailableException>(() => Cache().Ensure(file));

        Assert.Single(server.Requests);
        Assert.Contains($"from {file.Url}: HTTP 404 Not Found", error.Message, StringComparison.Ordinal);
        Assert.Contains("`orch-worker weights fetch missing --weights-dir DIR`", error.Message, StringComparison.Ordinal);
        Assert.Contains("ORCH_WEIGHTS_TORCHVISION_URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("pretrained: {image: PATH}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_errors_are_retried_with_backoff()
    {
        var content = TestWeights.RandomBytes(10_000, 6);
        var file = TestWeights.Torchvision("flaky", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content) { FailFirst = 2 });

        Assert.Equal(content, File.ReadAllBytes(Cache().Ensure(file)));
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(2, log.Count(l => l.Contains("HTTP 503", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_slow_download_reports_progress_with_bytes_share_and_rate()
    {
        var content = TestWeights.RandomBytes(1_048_576, 7);
        var file = TestWeights.Torchvision("slow", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content) { DelayPerChunk = TimeSpan.FromMilliseconds(60) });

        var clock = Stopwatch.StartNew();
        Assert.Equal(content, File.ReadAllBytes(Cache().Ensure(file)));
        console.WriteLine($"1 MB in 16 chunks 60 ms apart: {clock.ElapsedMilliseconds} ms, {log.Count} lines");

        var progress = log.Where(l => l.StartsWith($"downloading {file.RelativePath}: ", StringComparison.Ordinal)).ToList();
        Assert.True(progress.Count >= 3, string.Join("\n", log));
        Assert.All(progress, l => Assert.Matches(@": \d+\.\d of 1\.0 MB \(\d+ %\), \d+\.\d MB/s$", l));
    }

    [Fact]
    public void Hugging_face_files_are_checked_against_the_sha256_the_hub_declares_or_their_length()
    {
        var weights = TestWeights.RandomBytes(300_000, 8);
        var config = "{\"dim\": 32}"u8.ToArray();
        const string repo = "org/tiny-bert/resolve/main/";
        server.Serve(repo + "model.safetensors", new ServedFile([]) { RedirectTo = "/cdn/model", ETag = TestWeights.Sha256(weights) });
        server.Serve("cdn/model", new ServedFile(weights) { ETag = "cdn-etag" });
        server.Serve(repo + "config.json", new ServedFile(config) { ETag = "0123456789abcdef0123456789abcdef01234567" });
        server.Serve(repo + "vocab.txt", new ServedFile("[PAD]\n"u8.ToArray()));

        var paths = Cache().Fetch("hf:org/tiny-bert");

        Assert.Equal(["tiny-bert/config.json", "tiny-bert/vocab.txt", "tiny-bert/model.safetensors"], paths.Select(p => Path.GetRelativePath(directory, p)));
        Assert.Equal(weights, File.ReadAllBytes(paths[2]));
        var listed = Assert.Single(WeightsInventory.Read(directory, TestWeights.Settings(server.BaseUrl)));
        Assert.Equal(CachedWeights.Other, listed.Name);
        Assert.Equal(["tiny-bert/config.json", "tiny-bert/model.safetensors", "tiny-bert/vocab.txt"], listed.Files.Select(f => f.RelativePath));
        Assert.Equal(["verified (length the server announced, at download)", "verified (SHA-256 the server declared, at download)", "verified (length the server announced, at download)"], listed.Files.Select(f => f.Status));

        server.Serve("org/other-bert/resolve/main/model.safetensors", new ServedFile([]) { RedirectTo = "/cdn/model", ETag = new string('0', 64) });
        server.Serve("org/other-bert/resolve/main/config.json", new ServedFile(config));
        server.Serve("org/other-bert/resolve/main/vocab.txt", new ServedFile(config));
        var error = Assert.Throws<WeightsUnavailableException>(() => Cache().Fetch("hf:org/other-bert"));
        Assert.Contains($"differs from {new string('0', 64)}, the one the server declared", error.Message, StringComparison.Ordinal);
        Assert.Contains("ORCH_WEIGHTS_HF_URL", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "other-bert", "model.safetensors")));
    }

    [Fact]
    public async Task Two_fetches_of_one_file_at_once_download_it_once()
    {
        var content = TestWeights.RandomBytes(1_000_000, 9);
        var file = TestWeights.Torchvision("shared", content, server.BaseUrl);
        server.Serve(file.RelativePath, new ServedFile(content) { DelayPerChunk = TimeSpan.FromMilliseconds(30) });

        var clock = Stopwatch.StartNew();
        var both = await Task.WhenAll(Task.Run(() => Cache().EnsureAsync(file, CancellationToken.None)), Task.Run(() => Cache().EnsureAsync(file, CancellationToken.None)));
        console.WriteLine($"two concurrent fetches of 1 MB: {clock.ElapsedMilliseconds} ms");

        Assert.Equal(both[0], both[1]);
        Assert.Equal(content, File.ReadAllBytes(both[0]));
        Assert.Single(server.Requests);
        Assert.Contains(log, l => l.StartsWith($"waiting for another download of {file.RelativePath}", StringComparison.Ordinal));
        Assert.Contains(log, l => l == $"{file.RelativePath}: put in place by another job meanwhile");
    }

    [Fact]
    public void Offline_uses_a_file_that_is_there_and_refuses_clearly_when_it_is_not()
    {
        var content = TestWeights.RandomBytes(1000, 10);
        var present = TestWeights.Torchvision("present", content, server.BaseUrl);
        File.WriteAllBytes(Path.Combine(directory, present.RelativePath), content);
        var offline = Cache(TestWeights.Settings(server.BaseUrl) with { Offline = true });

        Assert.Equal(Path.Combine(directory, present.RelativePath), offline.Ensure(present));
        var absent = TestWeights.Torchvision("absent", content, server.BaseUrl);
        var error = Assert.Throws<WeightsUnavailableException>(() => offline.Ensure(absent));

        Assert.Empty(server.Requests);
        Assert.Contains("downloads are off (ORCH_WEIGHTS_OFFLINE / --offline); nothing is downloaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("`orch-worker weights fetch absent`", error.Message, StringComparison.Ordinal);
    }
}
