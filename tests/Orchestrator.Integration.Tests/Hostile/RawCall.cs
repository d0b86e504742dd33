using System.Diagnostics;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Orchestrator.Protos;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// Calls the coordinator with request bytes as a client may send them, not as our generated client would build
/// them: a spec that is not UTF-8, a Duration whose seconds and nanos disagree. Requests come from protobuf's JSON
/// mapping through the method's descriptor; a Duration written as `{"seconds": S, "nanos": N}` is taken literally.
/// </summary>
public sealed class RawCall(GrpcChannel channel, string workerToken, string clientToken)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(8);

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private static readonly Dictionary<string, ServiceDescriptor> Services = new[]
    {
        SweepService.Descriptor, WorkerService.Descriptor, ResultsService.Descriptor,
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>What came back: the status (OK when the call was not refused) and how long it took.</summary>
    public sealed record Outcome(Status Status, Metadata Trailers, TimeSpan Elapsed);

    public static MethodDescriptor Find(string service, string method) =>
        (Services.TryGetValue(service, out var found) ? found : throw new InvalidDataException($"unknown service {service}"))
            .FindMethodByName(method) ?? throw new InvalidDataException($"{service} has no method {method}");

    /// <summary>The request message of <paramref name="method"/> from its JSON mapping, serialised.</summary>
    public static byte[] Serialize(MethodDescriptor method, string json)
    {
        ArgumentNullException.ThrowIfNull(method);
        var node = JsonNode.Parse(json)!.AsObject();
        var literalDurations = new List<(FieldDescriptor Field, Duration Value)>();
        foreach (var field in method.InputType.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.Message && field.MessageType.FullName == Duration.Descriptor.FullName && node[field.JsonName] is JsonObject literal)
            {
                literalDurations.Add((field, new Duration { Seconds = (long?)literal["seconds"] ?? 0, Nanos = (int?)literal["nanos"] ?? 0 }));
                node.Remove(field.JsonName);
            }
        }

        var message = Parser.Parse(node.ToJsonString(), method.InputType);
        foreach (var (field, value) in literalDurations)
        {
            field.Accessor.SetValue(message, value);
        }

        return message.ToByteArray();
    }

    /// <summary>A SubmitSweepRequest whose spec field holds exactly <paramref name="spec"/> (create_new set).</summary>
    public static byte[] SubmitSweepBytes(byte[] spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.WriteTag(SubmitSweepRequest.SpecFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(spec));
            output.WriteTag(SubmitSweepRequest.CreateNewFieldNumber, WireFormat.WireType.Varint);
            output.WriteBool(true);
        }

        return buffer.ToArray();
    }

    public async Task<Outcome> SendAsync(MethodDescriptor method, byte[] request, CallerToken token)
    {
        ArgumentNullException.ThrowIfNull(method);
        var streaming = method.IsServerStreaming;
        var call = new Method<byte[], byte[]>(streaming ? MethodType.ServerStreaming : MethodType.Unary, method.Service.FullName, method.Name, Bytes, Bytes);
        var options = new CallOptions(Headers(token), DateTime.UtcNow + Deadline);
        var invoker = channel.CreateCallInvoker();
        var clock = Stopwatch.StartNew();
        try
        {
            if (streaming)
            {
                using var stream = invoker.AsyncServerStreamingCall(call, null, options, request);
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                    // A refusal comes as the stream's status; messages mean the call was taken.
                }

                return new Outcome(stream.GetStatus(), stream.GetTrailers(), clock.Elapsed);
            }

            using var unary = invoker.AsyncUnaryCall(call, null, options, request);
            await unary.ResponseAsync;
            return new Outcome(unary.GetStatus(), unary.GetTrailers(), clock.Elapsed);
        }
        catch (RpcException refused)
        {
            return new Outcome(refused.Status, refused.Trailers, clock.Elapsed);
        }
    }

    private Metadata? Headers(CallerToken token)
    {
        var value = token switch
        {
            CallerToken.Client => $"Bearer {clientToken}",
            CallerToken.Worker => $"Bearer {workerToken}",
            CallerToken.Unknown => "Bearer not-a-token-of-this-coordinator",
            CallerToken.Basic => "Basic dXNlcjpwYXNzd29yZA==",
            CallerToken.Empty => "Bearer ",
            CallerToken.Oversized => "Bearer " + new string('z', 8192),
            _ => null,
        };
        return value is null ? null : new Metadata { { "authorization", value } };
    }
}
