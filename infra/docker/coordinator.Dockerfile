# The coordinator (`orch serve`) on the ASP.NET runtime image. Build from the repository root:
#   docker build -f infra/docker/coordinator.Dockerfile -t orchestrator/coordinator .
# Configure it with environment variables (infra/README.md): ConnectionStrings__Orchestrator, ORCH_WORKER_TOKEN,
# ORCH_CLIENT_TOKEN. Migrations run at start-up, under an advisory lock, so several replicas may start together.

# Ubuntu 24.04 ("noble") images, named explicitly: their libstdc++ (GCC 14) is what the rest of the stack expects.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Project files first: the restore layer is reused until a project or a package version changes.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY infra/build/ infra/build/
COPY shared/Orchestrator.Shared.csproj shared/
COPY coordinator/Orchestrator.Coordinator.csproj coordinator/
COPY coordinator/LocalPostgres/Orchestrator.LocalPostgres.csproj coordinator/LocalPostgres/
# WithDemoWorker=false: `orch demo`'s local workers (and LibTorch with them) stay out of a server image.
RUN dotnet restore coordinator/Orchestrator.Coordinator.csproj -p:WithDemoWorker=false
COPY protos/ protos/
COPY shared/ shared/
COPY coordinator/ coordinator/
COPY examples/ examples/
RUN dotnet publish coordinator/Orchestrator.Coordinator.csproj -c Release --no-restore -p:WithDemoWorker=false -p:UseAppHost=false -o /app

FROM ${RUNTIME_IMAGE} AS final
WORKDIR /app
COPY --from=build /app ./
# The image's unprivileged user (APP_UID, 1654); nothing here needs root.
USER $APP_UID
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 50051
# Prometheus /metrics when served with --metrics-listen http://0.0.0.0:9464
EXPOSE 9464
# Readiness as the gRPC health service reports it (the database answers); `orch health` needs no token.
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
    CMD ["dotnet", "/app/orch.dll", "health", "--coordinator", "http://127.0.0.1:50051"]
ENTRYPOINT ["dotnet", "/app/orch.dll"]
CMD ["serve", "--listen", "http://0.0.0.0:50051"]
