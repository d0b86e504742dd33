using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>infra/k8s: the fields a cluster needs (images, ports, probes, GPU requests), checked so the manifests cannot rot silently.</summary>
public sealed class KubernetesManifestTests
{
    private const string Namespace = "orchestrator";
    private static readonly string Folder = DeploymentFiles.InRepository("infra/k8s");

    private readonly List<(string File, YamlTree Document)> manifests = Directory.EnumerateFiles(Folder, "*.yaml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml")
        .SelectMany(f => YamlTree.LoadAll(f).Select(d => (Path.GetFileName(f), d)))
        .ToList();

    [Fact]
    public void Every_manifest_names_its_kind_and_lives_in_the_orchestrator_namespace()
    {
        Assert.NotEmpty(manifests);
        foreach (var (_, document) in manifests)
        {
            Assert.NotEmpty(document["apiVersion"].Text);
            Assert.NotEmpty(document["metadata"]["name"].Text);
            var expected = document["kind"].Text == "Namespace" ? null : Namespace;
            Assert.Equal(expected, document["metadata"]["namespace"].Exists ? document["metadata"]["namespace"].Text : null);
        }
    }

    [Fact]
    public void The_kustomization_applies_every_manifest_but_the_examples()
    {
        var kustomization = YamlTree.LoadAll(Path.Combine(Folder, "kustomization.yaml")).Single();
        var expected = manifests.Select(m => m.File).Distinct().Where(f => !f.EndsWith(".example.yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

        Assert.Equal(expected, kustomization["resources"].Texts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Two_coordinators_serve_grpc_over_tls_behind_a_service_and_are_probed_on_the_grpc_health_service()
    {
        var deployment = Single("Deployment", "orch-coordinator");
        var container = deployment["spec"]["template"]["spec"]["containers"][0];
        var port = DeploymentFiles.CoordinatorPort;
        var service = Single("Service", "orch-coordinator");
        var args = container["args"].Texts.ToList();

        Assert.Equal(2, deployment["spec"]["replicas"].Number);
        Assert.NotEmpty(container["image"].Text);
        Assert.Contains($"https://0.0.0.0:{port}", args);
        Assert.Equal(port, container["ports"][0]["containerPort"].Number);
        AssertMountedFromSecret(deployment, args[args.IndexOf("--tls-cert") + 1]);
        AssertMountedFromSecret(deployment, args[args.IndexOf("--tls-key") + 1]);
        AssertMountedFromSecret(deployment, args[args.IndexOf("--tokens-file") + 1]);

        // The kubelet's gRPC probe speaks no TLS: `orch health` over TLS asks the same health services.
        var readiness = container["readinessProbe"]["exec"]["command"].Texts.ToList();
        Assert.Contains("health", readiness);
        Assert.DoesNotContain("--service", readiness); // the unnamed service: serving and the database answers
        Assert.Equal($"https://localhost:{port}", readiness[readiness.IndexOf("--coordinator") + 1]);
        AssertMountedFromSecret(deployment, readiness[readiness.IndexOf("--ca") + 1]);
        foreach (var probe in new[] { "livenessProbe", "startupProbe" })
        {
            var command = container[probe]["exec"]["command"].Texts.ToList();
            Assert.Equal(CoordinatorHealth.LivenessService, command[command.IndexOf("--service") + 1]);
            Assert.Equal($"https://localhost:{port}", command[command.IndexOf("--coordinator") + 1]);
        }

        Assert.Equal(container["ports"][0]["name"].Text, service["spec"]["ports"][0]["targetPort"].Text);
        Assert.Equal(port, service["spec"]["ports"][0]["port"].Number);
        AssertSelects(service["spec"]["selector"], deployment);
    }

    [Fact]
    public void Workers_ask_for_one_gpu_each_mount_the_shared_claim_and_point_at_the_coordinator_service()
    {
        var deployment = Single("Deployment", "orch-worker");
        var pod = deployment["spec"]["template"]["spec"];
        var container = pod["containers"][0];
        var args = container["args"].Texts.ToList();
        var claim = pod["volumes"].Items.Single(v => v["persistentVolumeClaim"].Exists);
        var mount = container["volumeMounts"].Items.Single(m => m["name"].Text == claim["name"].Text);

        Assert.NotEmpty(container["image"].Text);
        Assert.Equal("1", container["resources"]["limits"]["nvidia.com/gpu"].Text);
        Assert.Equal("agent", args[0]);
        Assert.Equal($"https://orch-coordinator:{DeploymentFiles.CoordinatorPort}", args[args.IndexOf("--coordinator") + 1]);
        AssertMountedFromSecret(deployment, args[args.IndexOf("--ca") + 1]);
        Assert.Equal(DeploymentFiles.SharedMount, mount["mountPath"].Text);
        var volume = Single("PersistentVolumeClaim", claim["persistentVolumeClaim"]["claimName"].Text);
        Assert.Contains("ReadWriteMany", volume["spec"]["accessModes"].Texts);
        Assert.True(TimeSpan.FromSeconds(pod["terminationGracePeriodSeconds"].Number) >= DeploymentFiles.WorkerDrain, pod["terminationGracePeriodSeconds"].Path);
        Assert.Contains(DeploymentFiles.ContactFile, string.Join(' ', container["livenessProbe"]["exec"]["command"].Texts), StringComparison.Ordinal);
    }

    [Fact]
    public void The_trial_database_keeps_its_data_on_a_claim_and_is_probed()
    {
        var database = Single("StatefulSet", "orch-postgres");
        var container = database["spec"]["template"]["spec"]["containers"][0];

        Assert.NotEmpty(container["image"].Text);
        Assert.Equal(database["spec"]["volumeClaimTemplates"][0]["metadata"]["name"].Text, container["volumeMounts"][0]["name"].Text);
        Assert.True(container["readinessProbe"].Exists && container["livenessProbe"].Exists);
        AssertSelects(Single("Service", "orch-postgres")["spec"]["selector"], database);
    }

    [Fact]
    public void The_dashboard_ingress_reaches_an_https_http1_endpoint_of_the_coordinators_with_the_mounted_certificate()
    {
        var ingress = Single("Ingress", "orch-dashboard");
        var backend = Assert.Single(ingress["spec"]["rules"][0]["http"]["paths"].Items)["backend"]["service"];
        var service = Single("Service", backend["name"].Text);
        var servicePort = Assert.Single(service["spec"]["ports"].Items, p => p["name"].Text == backend["port"]["name"].Text);
        var deployment = Single("Deployment", "orch-coordinator");
        var container = deployment["spec"]["template"]["spec"]["containers"][0];
        var containerPort = Assert.Single(container["ports"].Items, p => p["name"].Text == servicePort["targetPort"].Text);
        var env = container["env"].Items.Where(e => e["value"].Exists).ToDictionary(e => e["name"].Text, e => e["value"].Text, StringComparer.Ordinal);

        Assert.Equal("HTTPS", ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"].Text);
        Assert.Equal($"https://0.0.0.0:{(int)containerPort["containerPort"].Number}", env["Kestrel__Endpoints__Web__Url"]);
        Assert.Contains("Http1", env["Kestrel__Endpoints__Web__Protocols"], StringComparison.Ordinal); // what ingress-nginx speaks to backends
        Assert.NotEqual(DeploymentFiles.CoordinatorPort, containerPort["containerPort"].Number); // the gRPC endpoint is HTTP/2 only
        AssertMountedFromSecret(deployment, env["Kestrel__Endpoints__Web__Certificate__Path"]);
        AssertMountedFromSecret(deployment, env["Kestrel__Endpoints__Web__Certificate__KeyPath"]);
        Assert.StartsWith("orchestrator/", ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-ssl-secret"].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_secret_key_a_pod_reads_is_in_the_example_secret()
    {
        var secret = Single("Secret", "orchestrator");
        var references = manifests.SelectMany(m => m.Document.DescendantsAndSelf()).Where(n => n["secretKeyRef"].Exists).Select(n => n["secretKeyRef"]).ToList();

        Assert.NotEmpty(references);
        Assert.All(references, reference =>
        {
            Assert.Equal("orchestrator", reference["name"].Text);
            Assert.Contains(reference["key"].Text, secret["stringData"].Keys);
        });
    }

    /// <summary>The file at <paramref name="path"/> is a key of a Secret the example defines, mounted into the pod.</summary>
    private void AssertMountedFromSecret(YamlTree workload, string path)
    {
        var pod = workload["spec"]["template"]["spec"];
        var mount = pod["containers"][0]["volumeMounts"].Items.Single(m => path.StartsWith(m["mountPath"].Text + "/", StringComparison.Ordinal));
        var volume = pod["volumes"].Items.Single(v => v["name"].Text == mount["name"].Text)["secret"];
        var secret = Single("Secret", volume["secretName"].Text);
        var file = path[(mount["mountPath"].Text.Length + 1)..];
        var key = volume["items"].Exists ? volume["items"].Items.Single(i => i["path"].Text == file)["key"].Text : file;
        Assert.Contains(key, secret["stringData"].Keys);
    }

    private YamlTree Single(string kind, string name) =>
        Assert.Single(manifests, m => m.Document["kind"].Text == kind && m.Document["metadata"]["name"].Text == name).Document;

    private static void AssertSelects(YamlTree selector, YamlTree workload)
    {
        var labels = workload["spec"]["template"]["metadata"]["labels"];
        Assert.NotEmpty(selector.Keys);
        Assert.All(selector.Keys, key => Assert.Equal(selector[key].Text, labels[key].Text));
    }
}
