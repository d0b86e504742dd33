using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// Binds every gRPC service's methods as Grpc.AspNetCore's own binder does, with one difference: a request that is
/// not a valid message (binary garbage, a string field that is not UTF-8) is INVALID_ARGUMENT naming the message and
/// its text fields. Grpc.AspNetCore decodes the request before any interceptor runs and reports a decoding failure
/// as UNKNOWN "Exception was thrown by handler", which tells a client nothing; an RpcException thrown by the
/// decoder keeps its status.
/// </summary>
public sealed class DecodeCheckedMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bind = BindMethod();
        bind?.Invoke(null, [new Binder(context), null]);
    }

    /// <summary>The generated static BindService(ServiceBinderBase, TServiceBase), named by the attribute on the generated base class.</summary>
    private static MethodInfo? BindMethod()
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                return attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).FirstOrDefault(m =>
                    m.Name == attribute.BindMethodName && m.GetParameters() is [{ } first, _] && first.ParameterType == typeof(ServiceBinderBase));
            }
        }

        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Checked(method), Metadata(method), Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Checked(method), Metadata(method),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Checked(method), Metadata(method),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Checked(method), Metadata(method),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        /// <summary>An open-instance delegate to the service's override of the method, called on the instance made for each call.</summary>
        private static TDelegate Invoker<TDelegate>(IMethod method, params Type[] parameters)
            where TDelegate : Delegate
        {
            var implementation = typeof(TService).GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name} for {method.FullName}");
            return implementation.CreateDelegate<TDelegate>();
        }

        // The attributes Grpc.AspNetCore's binder gives an endpoint: the service type's, then the method's.
        private static List<object> Metadata(IMethod method)
        {
            var metadata = new List<object>(typeof(TService).GetCustomAttributes(inherit: true));
            if (typeof(TService).GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance) is { } implementation)
            {
                metadata.AddRange(implementation.GetCustomAttributes(inherit: true));
            }

            return metadata;
        }

        private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            var marshaller = method.RequestMarshaller;
            var textFields = TextFields(typeof(TRequest));
            TRequest Decode(DeserializationContext request)
            {
                try
                {
                    return marshaller.ContextualDeserializer(request);
                }
                catch (InvalidProtocolBufferException exception)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument,
                        $"the request is not a valid {typeof(TRequest).Name} message ({exception.Message}); " +
                        (textFields.Length == 0 ? "send it as protobuf encodes it" : $"its text fields ({string.Join(", ", textFields)}) must be UTF-8")));
                }
            }

            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name,
                new Marshaller<TRequest>(marshaller.ContextualSerializer, Decode), method.ResponseMarshaller);
        }

        private static string[] TextFields(Type message) =>
            message.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is MessageDescriptor descriptor
                ? descriptor.Fields.InFieldNumberOrder().Where(f => f.FieldType == FieldType.String).Select(f => f.Name).ToArray()
                : [];
    }
}
