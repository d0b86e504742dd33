# The worker agent (`orch-worker`), CPU or CUDA. Build from the repository root:
#   docker build -f infra/docker/worker.Dockerfile -t orchestrator/worker:cpu .
#   docker build -f infra/docker/worker.Dockerfile --build-arg TORCH_BACKEND=cuda -t orchestrator/worker:cuda .
# TORCH_BACKEND=cuda links TorchSharp-cuda-linux 0.107.0 (LibTorch with its own CUDA 12.8 libraries) and runs on
# the CUDA 12.8 runtime image; the host needs the NVIDIA driver and container toolkit (--gpus all).
# Both runtime bases are Ubuntu 24.04, whose libstdc++ (GCC 14) has the GLIBCXX_3.4.32 TorchSharp asks for, so
# the build's ELF patch (infra/build/TorchNativePatch.targets) finds nothing to do here.

ARG TORCH_BACKEND=cpu
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG CPU_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04

FROM ${SDK_IMAGE} AS build
ARG TORCH_BACKEND
WORKDIR /src
# Project files first: the restore layer (LibTorch is large) is reused until a project or a version changes.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY infra/build/ infra/build/
COPY shared/Orchestrator.Shared.csproj shared/
COPY worker/Orchestrator.Worker.csproj worker/
COPY worker/Engine/Orchestrator.Worker.Engine.csproj worker/Engine/
RUN dotnet restore worker/Orchestrator.Worker.csproj -r linux-x64 -p:TorchBackend=${TORCH_BACKEND}
COPY protos/ protos/
COPY shared/ shared/
COPY worker/ worker/
# Self-contained: the CUDA base has no .NET, and the agent starts its trainer children from the same binary.
RUN dotnet publish worker/Orchestrator.Worker.csproj -c Release -r linux-x64 --self-contained --no-restore \
        -p:TorchBackend=${TORCH_BACKEND} -o /app

FROM ${CPU_RUNTIME_IMAGE} AS runtime-cpu

FROM ${CUDA_RUNTIME_IMAGE} AS runtime-cuda
# What .NET needs beside the C library (the runtime-deps image has these), and the same unprivileged user.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libicu74 libssl3t64 tzdata zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1654 app \
    && useradd --uid 1654 --gid 1654 --create-home --shell /usr/sbin/nologin app
ENV APP_UID=1654

FROM runtime-${TORCH_BACKEND} AS final
WORKDIR /app
COPY --from=build /app ./
# libturbojpeg gives JPEG decoding its SIMD (the worker falls back to Skia's slower decoder without it);
# Ubuntu names the package libturbojpeg, Debian libturbojpeg0.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libturbojpeg \
    && rm -rf /var/lib/apt/lists/*
# The agent's folders: its state (outbox, contact file) and image cache in the container; checkpoints, datasets
# and pretrained weights under /var/lib/orchestrator/shared, where compose and Kubernetes mount the shared volume.
RUN mkdir -p /var/lib/orchestrator/worker /var/lib/orchestrator/cache \
        /var/lib/orchestrator/shared/checkpoints /var/lib/orchestrator/shared/datasets /var/lib/orchestrator/shared/weights \
    && chown -R 1654:1654 /var/lib/orchestrator
USER 1654
ENV ORCH_AGENT__STATEDIRECTORY=/var/lib/orchestrator/worker \
    ORCH_AGENT__CHECKPOINTROOT=/var/lib/orchestrator/shared/checkpoints \
    ORCH_AGENT__DATAROOT=/var/lib/orchestrator/shared/datasets \
    ORCH_WEIGHTS_DIR=/var/lib/orchestrator/shared/weights \
    ORCH_CACHE_DIR=/var/lib/orchestrator/cache \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# A worker has no port: healthy while a coordinator answered it in the last two minutes (leases are asked for
# every 20 s and heartbeats sent every 15 s, so a working agent refreshes the file well within that).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD test -n "$(find /var/lib/orchestrator/worker/coordinator-contact -mmin -2 2>/dev/null)"
# SIGTERM (docker stop, a scale-down) stops the trainers and gives their jobs back; allow it time (compose: stop_grace_period).
# Prometheus /metrics when the agent runs with --metrics-port 9465 (nothing else listens on a worker)
EXPOSE 9465
ENTRYPOINT ["/app/orch-worker"]
CMD ["agent"]
