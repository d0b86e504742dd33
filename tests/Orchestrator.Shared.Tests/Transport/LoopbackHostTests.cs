using Orchestrator.Shared.Transport;

namespace Orchestrator.Shared.Tests.Transport;

public sealed class LoopbackHostTests
{
    [Theory]
    [InlineData("http://127.0.0.1:50051", false)]
    [InlineData("http://127.8.9.10:50051", false)]
    [InlineData("http://localhost:50051", false)]
    [InlineData("http://LOCALHOST:50051", false)]
    [InlineData("http://node.localhost:50051", false)]
    [InlineData("http://[::1]:50051", false)]
    [InlineData("https://10.0.0.5:50051", false)]
    [InlineData("https://coordinator.example:50051", false)]
    [InlineData("http://10.0.0.5:50051", true)]
    [InlineData("http://0.0.0.0:50051", true)]
    [InlineData("http://coordinator:50051", true)]
    [InlineData("http://localhost.example.com:50051", true)]
    [InlineData("http://[2001:db8::1]:50051", true)]
    public void A_token_crosses_the_network_in_clear_text_only_over_http_to_another_machine(string address, bool clearText) =>
        Assert.Equal(clearText, LoopbackHost.SendsInClearText(new Uri(address)));
}
