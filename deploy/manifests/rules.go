package manifests

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Violation is one broken rule, with the object that breaks it.
type Violation struct {
	Object  string
	Message string
}

func (v Violation) String() string { return v.Object + ": " + v.Message }

// Rule checks one house rule across a rendered overlay.
type Rule struct {
	Name  string
	Check func(*Set) []Violation
}

// Expectations describe what one overlay must contain.
type Expectations struct {
	// Namespace is where every namespaced object lives.
	Namespace string
	// Services are the crossdock services, one Deployment each.
	Services []string
	// WithoutDatabase are the services that own no database (the gateway).
	WithoutDatabase []string
	// Replicas is the fixed replica count of every service; zero means an
	// autoscaler owns the count and the Deployment must not set one.
	Replicas int32
	// DatabaseInstances is the PostgreSQL instance count of every database.
	DatabaseInstances int64
	// Production requires a disruption budget and an autoscaler per service
	// and release-versioned crossdock images.
	Production bool
	// WithoutServiceAccount are the services that never act on their own
	// behalf: the users service, which issues the tokens, and the gateway.
	WithoutServiceAccount []string
	// ExternalSecrets are the Secrets the installation supplies itself; every
	// other Secret a pod needs must be in the overlay. CloudNativePG's
	// <cluster>-app secrets are always external.
	ExternalSecrets []string
	// Simulators are the parties outside the mesh that the overlay runs as
	// Deployments of their own (simulators/, e.g. the payment sandbox): each
	// has a Service and follows the container rules, but owns no database,
	// calls no crossdock service and acts on nobody's behalf.
	Simulators []string
	// Infra are the third-party processes the overlay runs as Deployments of
	// its own (the OpenTelemetry collector of the dev overlay): each has a
	// Service and follows the container rules, and like a simulator owns no
	// database and calls no crossdock service.
	Infra []string
	// SynchronousDatabases are the clusters that must commit on a standby
	// too (production's money databases).
	SynchronousDatabases []string
	// RunbookDir is where every alert's runbook must be (docs/runbooks).
	RunbookDir string
}

// simulator reports whether a Deployment is one of the overlay's simulators
// or infrastructure, not a crossdock service.
func (e Expectations) simulator(name string) bool {
	return slices.Contains(e.Simulators, name) || slices.Contains(e.Infra, name)
}

// Labels every crossdock pod carries; selectors and network rules rely on them.
const (
	nameLabel   = "app.kubernetes.io/name"
	partOfLabel = "app.kubernetes.io/part-of"
	partOf      = "crossdock"
)

// Rules returns the rules an overlay with these expectations must pass.
func Rules(e Expectations) []Rule {
	rules := []Rule{
		{"probes", containerRule(checkProbes)},
		{"resources", containerRule(checkResources)},
		{"non-root", containerRule(checkNonRoot)},
		{"image-tag", containerRule(func(_ *corev1.PodSpec, c *corev1.Container) []string {
			return checkImage(c.Image, e.Production)
		})},
		{"seccomp", containerRule(checkSeccomp)},
		{"read-only-root", containerRule(checkReadOnlyRoot)},
		{"no-privileges", containerRule(checkPrivileges)},
		{"no-token", checkNoToken},
		{"services-present", func(s *Set) []Violation { return checkServicesPresent(s, e) }},
		{"network-policy", checkNetworkPolicies},
		{"database-network-policy", checkDatabasePolicies},
		{"database-url-from-secret", func(s *Set) []Violation { return checkDatabaseURL(s, e) }},
		{"database-clusters", func(s *Set) []Violation { return checkClusters(s, e) }},
		{"namespace", func(s *Set) []Violation { return checkNamespace(s, e) }},
		{"references", func(s *Set) []Violation { return checkReferences(s, e) }},
		{"service-selectors", checkServiceSelectors},
		{"replicas", func(s *Set) []Violation { return checkReplicas(s, e) }},
		{"nats-cluster", checkNATS},
		{"peer-addresses", func(s *Set) []Violation { return checkPeerAddresses(s, e) }},
		{"service-accounts", func(s *Set) []Violation { return checkServiceAccounts(s, e) }},
		{"signing-key-encryption", checkKeyEncryption},
		{"nats-users", checkNATSUsers},
		{"memory-limit", checkMemoryLimit},
		{"grace-period", func(s *Set) []Violation { return checkGracePeriod(s, e) }},
		{"nats-streams", func(s *Set) []Violation { return checkStreams(s, e) }},
		{"connection-budget", func(s *Set) []Violation { return checkConnectionBudget(s, e) }},
		{"forwarded-for", func(s *Set) []Violation { return checkForwardedFor(s, e) }},
		{"partner-ingress", func(s *Set) []Violation { return checkPartnerIngress(s, e) }},
		{"partner-tls", func(s *Set) []Violation { return checkPartnerTLS(s, e) }},
	}
	if e.Production {
		rules = append(rules,
			Rule{"disruption-budget", checkDisruptionBudgets},
			Rule{"autoscaler", checkAutoscalers},
			Rule{"topology-spread", checkTopologySpread},
			Rule{"backups", checkBackups},
			Rule{"synchronous-replication", func(s *Set) []Violation { return checkSynchronousReplication(s, e) }},
			Rule{"ingress", checkIngress},
			Rule{"scraped", checkScraped},
			Rule{"alerts", func(s *Set) []Violation { return checkAlerts(s, e) }},
		)
	}
	return rules
}

// containerRule runs check on every container of every workload.
func containerRule(check func(pod *corev1.PodSpec, c *corev1.Container) []string) func(*Set) []Violation {
	return func(s *Set) []Violation {
		var out []Violation
		for _, w := range s.workloads() {
			pod := &w.template.Spec
			if len(pod.Containers) == 0 {
				out = append(out, Violation{w.ref, "has no containers"})
			}
			for _, list := range [][]corev1.Container{pod.InitContainers, pod.Containers} {
				for i := range list {
					for _, msg := range check(pod, &list[i]) {
						out = append(out, Violation{w.ref + " container " + list[i].Name, msg})
					}
				}
			}
		}
		return out
	}
}

func checkProbes(_ *corev1.PodSpec, c *corev1.Container) []string {
	var out []string
	probes := map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe}
	for _, kind := range []string{"readiness", "liveness"} {
		if probes[kind] == nil {
			out = append(out, "no "+kind+" probe")
		}
	}
	grpcPort, servesGRPC := containerPort(c, intstr.FromString("grpc"))
	for _, kind := range []string{"readiness", "liveness", "startup"} {
		p := probes[kind]
		if p == nil {
			continue
		}
		switch {
		case p.Exec == nil && p.HTTPGet == nil && p.TCPSocket == nil && p.GRPC == nil:
			out = append(out, kind+" probe has no handler")
		// Readiness of a gRPC service is its health service (it turns NOT_SERVING
		// when a dependency fails); liveness must not depend on dependencies, or a
		// database outage restarts every pod, so it asks the admin /healthz.
		case servesGRPC && kind == "readiness" && (p.GRPC == nil || p.GRPC.Port != grpcPort):
			out = append(out, fmt.Sprintf("%s probe must ask the gRPC health service on port %d", kind, grpcPort))
		case servesGRPC && kind != "readiness" && (p.HTTPGet == nil || p.HTTPGet.Path != "/healthz"):
			out = append(out, kind+" probe must ask the admin /healthz, not a check that depends on the database")
		case p.HTTPGet != nil:
			if _, ok := containerPort(c, p.HTTPGet.Port); !ok {
				out = append(out, fmt.Sprintf("%s probe port %s is not a container port", kind, p.HTTPGet.Port.String()))
			}
		case p.GRPC != nil:
			if _, ok := containerPort(c, intstr.FromInt32(p.GRPC.Port)); !ok {
				out = append(out, fmt.Sprintf("%s probe port %d is not a container port", kind, p.GRPC.Port))
			}
		}
	}
	return out
}

// containerPort resolves a port by name or number to the container's port number.
func containerPort(c *corev1.Container, port intstr.IntOrString) (int32, bool) {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) ||
			(port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

func checkResources(_ *corev1.PodSpec, c *corev1.Container) []string {
	var out []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := c.Resources.Requests[name]
		lim, hasLim := c.Resources.Limits[name]
		if !hasReq || req.IsZero() {
			out = append(out, "no "+string(name)+" request")
		}
		if !hasLim || lim.IsZero() {
			out = append(out, "no "+string(name)+" limit")
		}
		if hasReq && hasLim && req.Cmp(lim) > 0 {
			out = append(out, string(name)+" request above its limit")
		}
	}
	return out
}

func checkNonRoot(pod *corev1.PodSpec, c *corev1.Container) []string {
	var out []string
	nonRoot, user := false, (*int64)(nil)
	if psc := pod.SecurityContext; psc != nil {
		nonRoot = psc.RunAsNonRoot != nil && *psc.RunAsNonRoot
		user = psc.RunAsUser
	}
	if csc := c.SecurityContext; csc != nil {
		if csc.RunAsNonRoot != nil {
			nonRoot = *csc.RunAsNonRoot
		}
		if csc.RunAsUser != nil {
			user = csc.RunAsUser
		}
	}
	if !nonRoot {
		out = append(out, "runAsNonRoot is not true")
	}
	if user != nil && *user == 0 {
		out = append(out, "runs as uid 0")
	}
	return out
}

// releaseTag is a release version such as 1.4.2 or v1.4.2-rc.1.
var releaseTag = regexp.MustCompile(`^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

// checkImage refuses untagged and :latest images; in production crossdock's
// own images must carry a release version (or a digest) and name the
// registry they were pushed to: an unqualified crossdock/<service> is pulled
// from Docker Hub, where anyone may publish under that name.
func checkImage(image string, production bool) []string {
	own := ownImage(image)
	if production && own && !namesRegistry(image) {
		return []string{fmt.Sprintf("image %q names no registry: it would be pulled from Docker Hub", image)}
	}
	if strings.Contains(image, "@sha256:") {
		return nil
	}
	tag := ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		tag = image[i+1:]
	}
	switch {
	case tag == "":
		return []string{fmt.Sprintf("image %q has no tag", image)}
	case tag == "latest":
		return []string{fmt.Sprintf("image %q uses the moving tag latest", image)}
	case production && own && !releaseTag.MatchString(tag):
		return []string{fmt.Sprintf("image %q is not a release version", image)}
	}
	return nil
}

// ownImage reports whether image is one of crossdock's own (crossdock/<name>,
// under any registry), built from this repository.
func ownImage(image string) bool {
	return strings.HasPrefix(image, "crossdock/") || strings.Contains(image, "/crossdock/")
}

// namesRegistry reports whether image's first path element is a registry
// host (it has a dot or a port, or is localhost), as container runtimes
// read it.
func namesRegistry(image string) bool {
	first, _, more := strings.Cut(image, "/")
	return more && (strings.ContainsAny(first, ".:") || first == "localhost")
}

func checkSeccomp(pod *corev1.PodSpec, c *corev1.Container) []string {
	var profile *corev1.SeccompProfile
	if pod.SecurityContext != nil {
		profile = pod.SecurityContext.SeccompProfile
	}
	if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil {
		profile = c.SecurityContext.SeccompProfile
	}
	if profile == nil || profile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		return []string{"seccomp profile is not RuntimeDefault"}
	}
	return nil
}

func checkReadOnlyRoot(_ *corev1.PodSpec, c *corev1.Container) []string {
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		return []string{"root filesystem is writable"}
	}
	return nil
}

func checkPrivileges(_ *corev1.PodSpec, c *corev1.Container) []string {
	sc := c.SecurityContext
	if sc == nil {
		return []string{"no securityContext"}
	}
	var out []string
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		out = append(out, "allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		out = append(out, "privileged")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		out = append(out, "capabilities do not drop ALL")
	}
	if sc.Capabilities != nil && len(sc.Capabilities.Add) > 0 {
		out = append(out, "adds capabilities")
	}
	return out
}

// checkNoToken: no workload talks to the Kubernetes API, so none gets a token.
func checkNoToken(s *Set) []Violation {
	var out []Violation
	for _, w := range s.workloads() {
		if t := w.template.Spec.AutomountServiceAccountToken; t == nil || *t {
			out = append(out, Violation{w.ref, "mounts a service account token"})
		}
	}
	return out
}

func checkServicesPresent(s *Set, e Expectations) []Violation {
	var out []Violation
	deployed := map[string]*appsv1.Deployment{}
	for _, d := range s.Deployments() {
		deployed[d.Name] = d
		if !slices.Contains(e.Services, d.Name) && !e.simulator(d.Name) {
			out = append(out, Violation{ref("Deployment", d.Namespace, d.Name), "is not a known service or simulator"})
		}
	}
	for _, name := range slices.Concat(e.Services, e.Simulators, e.Infra) {
		d, ok := deployed[name]
		if !ok {
			out = append(out, Violation{ref("Deployment", e.Namespace, name), "missing"})
			continue
		}
		l := d.Spec.Template.Labels
		if l[nameLabel] != name || l[partOfLabel] != partOf {
			out = append(out, Violation{ref("Deployment", d.Namespace, name),
				fmt.Sprintf("pods lack labels %s=%s and %s=%s", nameLabel, name, partOfLabel, partOf)})
		}
		if !s.Has("Service", d.Namespace, name) {
			out = append(out, Violation{ref("Service", d.Namespace, name), "missing"})
		}
	}
	return out
}

// selects reports whether the selector picks pods with these labels; a nil
// selector picks nothing.
func selects(sel *metav1.LabelSelector, podLabels map[string]string) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(podLabels))
}

// checkNetworkPolicies: every service's pods are covered by a policy that
// restricts both ingress and egress.
func checkNetworkPolicies(s *Set) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		covered := false
		for _, np := range s.NetworkPolicies() {
			if np.Namespace == d.Namespace && selects(&np.Spec.PodSelector, d.Spec.Template.Labels) &&
				slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) &&
				slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
				covered = true
			}
		}
		if !covered {
			out = append(out, Violation{ref("Deployment", d.Namespace, d.Name), "no NetworkPolicy restricts both ingress and egress of its pods"})
		}
	}
	return out
}

// operatorNamespace is where the CloudNativePG operator runs (its Helm chart's
// default), the one namespace admitted to the databases besides monitoring's.
const operatorNamespace = "cnpg-system"

// checkDatabasePolicies: a database's instances admit connections (5432)
// only from the pods of the service that owns it and from its own
// instances, each named by exactly one label, and from the CloudNativePG
// operator's namespace: no other pod, namespace or address. A service's
// egress policy alone would leave the database open to any pod with an
// open egress.
func checkDatabasePolicies(s *Set) []Violation {
	var out []Violation
	for _, c := range s.Clusters() {
		r := ref("Cluster", c.GetNamespace(), c.GetName())
		owner := strings.TrimSuffix(c.GetName(), "-db")
		ownerPods := map[string]string{"app.kubernetes.io/name": owner}
		instancePods := map[string]string{"cnpg.io/cluster": c.GetName()}
		operator := map[string]string{"kubernetes.io/metadata.name": operatorNamespace}
		covered, ownerAdmitted := false, false
		for _, np := range s.NetworkPolicies() {
			ingress := len(np.Spec.PolicyTypes) == 0 || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
			if np.Namespace != c.GetNamespace() || !ingress || !selectsInstance(&np.Spec.PodSelector, c.GetName()) {
				continue
			}
			covered = true
			for _, rule := range np.Spec.Ingress {
				if !admitsPort(rule, 5432, "postgresql") {
					continue
				}
				if len(rule.From) == 0 {
					out = append(out, Violation{r, "NetworkPolicy " + np.Name + " admits any source to PostgreSQL"})
				}
				for _, peer := range rule.From {
					switch {
					case peer.IPBlock != nil:
						out = append(out, Violation{r, "NetworkPolicy " + np.Name + " admits addresses " + peer.IPBlock.CIDR + " to PostgreSQL"})
					case peer.NamespaceSelector != nil:
						if !exactly(peer.NamespaceSelector, operator) {
							out = append(out, Violation{r, "NetworkPolicy " + np.Name + " admits a namespace other than the operator's (" + operatorNamespace + ") to PostgreSQL"})
						}
					case exactly(peer.PodSelector, ownerPods):
						ownerAdmitted = true
					case !exactly(peer.PodSelector, instancePods):
						out = append(out, Violation{r, "NetworkPolicy " + np.Name + " admits pods other than " + owner + "'s and the cluster's own to PostgreSQL: " +
							metav1.FormatLabelSelector(peer.PodSelector)})
					}
				}
			}
		}
		switch {
		case !covered:
			out = append(out, Violation{r, "no NetworkPolicy restricts ingress to its instances"})
		case !ownerAdmitted:
			out = append(out, Violation{r, "its NetworkPolicies do not admit " + owner + ", which owns it"})
		}
	}
	return out
}

// selectsInstance reports whether sel selects an instance of the cluster in
// any of the roles CloudNativePG labels its pods with.
func selectsInstance(sel *metav1.LabelSelector, cluster string) bool {
	for _, role := range []string{"primary", "replica"} {
		pod := map[string]string{"cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance", "cnpg.io/instanceRole": role,
			"role": role, "cnpg.io/instanceName": cluster + "-1"}
		if selects(sel, pod) {
			return true
		}
	}
	return false
}

// exactly reports whether sel is nothing but matchLabels equal to want.
func exactly(sel *metav1.LabelSelector, want map[string]string) bool {
	return sel != nil && len(sel.MatchExpressions) == 0 && maps.Equal(sel.MatchLabels, want)
}

// databaseName is the database and role of a service: its name with '_' for '-'.
func databaseName(service string) string { return strings.ReplaceAll(service, "-", "_") }

// checkDatabaseURL: DATABASE_URL is the CloudNativePG app secret's uri, never
// a literal in the manifest; the services without a database get none.
func checkDatabaseURL(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		r := ref("Deployment", d.Namespace, d.Name)
		wantsDB := !slices.Contains(e.WithoutDatabase, d.Name) && !e.simulator(d.Name)
		found := false
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, env := range c.Env {
				if env.Name != "DATABASE_URL" {
					continue
				}
				found = true
				switch sk := secretRef(env); {
				case !wantsDB:
					out = append(out, Violation{r, "gets a DATABASE_URL but owns no database"})
				case sk == nil:
					out = append(out, Violation{r, "DATABASE_URL does not come from a secret"})
				case sk.Name != d.Name+"-db-app" || sk.Key != "uri":
					out = append(out, Violation{r, fmt.Sprintf("DATABASE_URL comes from %s/%s, want %s-db-app/uri", sk.Name, sk.Key, d.Name)})
				}
			}
		}
		if wantsDB && !found {
			out = append(out, Violation{r, "no DATABASE_URL"})
		}
	}
	return out
}

func secretRef(env corev1.EnvVar) *corev1.SecretKeySelector {
	if env.ValueFrom == nil || env.Value != "" {
		return nil
	}
	return env.ValueFrom.SecretKeyRef
}

// checkClusters: every service with a database has its own CloudNativePG
// cluster, bootstrapped with the database and owner the service expects; a
// single instance without the disruption budget that would block drains.
func checkClusters(s *Set, e Expectations) []Violation {
	var out []Violation
	clusters := map[string]*unstructured.Unstructured{}
	for _, c := range s.Clusters() {
		clusters[c.GetName()] = c
	}
	for _, svc := range e.Services {
		if slices.Contains(e.WithoutDatabase, svc) {
			continue
		}
		name := svc + "-db"
		r := ref("Cluster", e.Namespace, name)
		c, ok := clusters[name]
		if !ok {
			out = append(out, Violation{r, "missing"})
			continue
		}
		n, _, _ := unstructured.NestedInt64(c.Object, "spec", "instances")
		if n != e.DatabaseInstances {
			out = append(out, Violation{r, fmt.Sprintf("%d instances, want %d", n, e.DatabaseInstances)})
		}
		// The operator's PodDisruptionBudget keeps one primary up: with a
		// single instance it allows no eviction, and every node drain waits
		// on the database pod until someone deletes the budget by hand.
		if pdb, found, _ := unstructured.NestedBool(c.Object, "spec", "enablePDB"); n == 1 && (!found || pdb) {
			out = append(out, Violation{r, "one instance with the operator's disruption budget (enablePDB), which blocks node drains"})
		}
		for _, field := range []string{"database", "owner"} {
			if v, _, _ := unstructured.NestedString(c.Object, "spec", "bootstrap", "initdb", field); v != databaseName(svc) {
				out = append(out, Violation{r, fmt.Sprintf("initdb %s is %q, want %q", field, v, databaseName(svc))})
			}
		}
		if size, _, _ := unstructured.NestedString(c.Object, "spec", "storage", "size"); size == "" {
			out = append(out, Violation{r, "no storage size"})
		}
		image, _, _ := unstructured.NestedString(c.Object, "spec", "imageName")
		for _, msg := range checkImage(image, false) {
			out = append(out, Violation{r, msg})
		}
	}
	return out
}

func checkNamespace(s *Set, e Expectations) []Violation {
	var out []Violation
	if !s.Has("Namespace", "", e.Namespace) {
		out = append(out, Violation{ref("Namespace", "", e.Namespace), "missing"})
	}
	for _, o := range s.Objects {
		if o.GVK.Kind != "Namespace" && o.Value.GetNamespace() != e.Namespace {
			out = append(out, Violation{o.Ref(), "not in namespace " + e.Namespace})
		}
	}
	return out
}

// checkReferences: the ConfigMaps, Secrets and ServiceAccounts a pod names
// exist, which catches a generator renamed by kustomize but not rewritten in
// the pod. Optional secrets and those the installation supplies are exempt.
func checkReferences(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, w := range s.workloads() {
		pod := &w.template.Spec
		if sa := pod.ServiceAccountName; sa != "" && !s.Has("ServiceAccount", w.namespace, sa) {
			out = append(out, Violation{w.ref, "service account " + sa + " does not exist"})
		}
		var maps, secrets []string
		for _, v := range pod.Volumes {
			if v.ConfigMap != nil {
				maps = append(maps, v.ConfigMap.Name)
			}
			if v.Secret != nil && !ptrTrue(v.Secret.Optional) {
				secrets = append(secrets, v.Secret.SecretName)
			}
		}
		for _, c := range pod.Containers {
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef != nil {
					maps = append(maps, from.ConfigMapRef.Name)
				}
				if from.SecretRef != nil && !ptrTrue(from.SecretRef.Optional) {
					secrets = append(secrets, from.SecretRef.Name)
				}
			}
			for _, env := range c.Env {
				if sk := secretRef(env); sk != nil && !ptrTrue(sk.Optional) {
					secrets = append(secrets, sk.Name)
				}
			}
		}
		for _, m := range maps {
			if !s.Has("ConfigMap", w.namespace, m) {
				out = append(out, Violation{w.ref, "config map " + m + " does not exist"})
			}
		}
		for _, name := range secrets {
			external := strings.HasSuffix(name, "-db-app") || slices.Contains(e.ExternalSecrets, name)
			if !external && !s.Has("Secret", w.namespace, name) {
				out = append(out, Violation{w.ref, "secret " + name + " does not exist and is not one the installation supplies"})
			}
		}
	}
	return out
}

func ptrTrue(b *bool) bool { return b != nil && *b }

// checkServiceSelectors: every Service selects a workload's pods, and its
// target ports exist on them.
func checkServiceSelectors(s *Set) []Violation {
	var out []Violation
	for _, svc := range s.Services() {
		r := ref("Service", svc.Namespace, svc.Name)
		var target *workload
		for _, w := range s.workloads() {
			if w.namespace == svc.Namespace && len(svc.Spec.Selector) > 0 &&
				labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(w.template.Labels)) {
				target = &w
				break
			}
		}
		if target == nil {
			out = append(out, Violation{r, "selects no workload's pods"})
			continue
		}
		for _, p := range svc.Spec.Ports {
			tp := p.TargetPort
			if tp.Type == intstr.Int && tp.IntVal == 0 {
				tp = intstr.FromInt32(p.Port)
			}
			found := false
			for i := range target.template.Spec.Containers {
				if _, ok := containerPort(&target.template.Spec.Containers[i], tp); ok {
					found = true
				}
			}
			if !found {
				out = append(out, Violation{r, fmt.Sprintf("port %s targets %s, which %s does not expose", p.Name, tp.String(), target.ref)})
			}
		}
	}
	return out
}

func checkReplicas(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		r := ref("Deployment", d.Namespace, d.Name)
		switch {
		case e.Replicas == 0 && d.Spec.Replicas != nil:
			out = append(out, Violation{r, "sets replicas although an autoscaler owns the count"})
		case e.Replicas != 0 && (d.Spec.Replicas == nil || *d.Spec.Replicas != e.Replicas):
			out = append(out, Violation{r, fmt.Sprintf("replicas not %d", e.Replicas)})
		}
	}
	return out
}

// checkNATS: JetStream runs as three servers with a budget that keeps a quorum.
func checkNATS(s *Set) []Violation {
	var nats *appsv1.StatefulSet
	for _, st := range s.StatefulSets() {
		if st.Name == "nats" {
			nats = st
		}
	}
	if nats == nil {
		return []Violation{{"StatefulSet/nats", "missing"}}
	}
	r := ref("StatefulSet", nats.Namespace, nats.Name)
	var out []Violation
	if nats.Spec.Replicas == nil || *nats.Spec.Replicas != 3 {
		out = append(out, Violation{r, "replicas not 3"})
	}
	if len(nats.Spec.VolumeClaimTemplates) == 0 {
		out = append(out, Violation{r, "no volume for the JetStream file store"})
	}
	if !s.Has("Service", nats.Namespace, nats.Spec.ServiceName) {
		out = append(out, Violation{r, "governing service " + nats.Spec.ServiceName + " missing"})
	}
	if !hasBudget(s, nats.Namespace, nats.Spec.Template.Labels) {
		out = append(out, Violation{r, "no PodDisruptionBudget"})
	}
	return out
}

func hasBudget(s *Set, namespace string, podLabels map[string]string) bool {
	for _, pdb := range s.DisruptionBudgets() {
		if pdb.Namespace == namespace && selects(pdb.Spec.Selector, podLabels) &&
			(pdb.Spec.MaxUnavailable != nil || pdb.Spec.MinAvailable != nil) {
			return true
		}
	}
	return false
}

func checkDisruptionBudgets(s *Set) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		if !hasBudget(s, d.Namespace, d.Spec.Template.Labels) {
			out = append(out, Violation{ref("Deployment", d.Namespace, d.Name), "no PodDisruptionBudget"})
		}
	}
	return out
}

// checkAutoscalers: every Deployment scales on an autoscaling/v2 HPA that never
// goes below two replicas, so one pod's loss never takes a service down.
func checkAutoscalers(s *Set) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		r := ref("Deployment", d.Namespace, d.Name)
		found := false
		for _, hpa := range s.Autoscalers() {
			t := hpa.Spec.ScaleTargetRef
			if hpa.Namespace != d.Namespace || t.Kind != "Deployment" || t.Name != d.Name {
				continue
			}
			found = true
			if t.APIVersion != "apps/v1" {
				out = append(out, Violation{r, "autoscaler targets apiVersion " + t.APIVersion})
			}
			if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
				out = append(out, Violation{r, "autoscaler may go below two replicas"})
			}
			if hpa.Spec.MinReplicas != nil && hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
				out = append(out, Violation{r, "autoscaler maximum below its minimum"})
			}
			if len(hpa.Spec.Metrics) == 0 {
				out = append(out, Violation{r, "autoscaler has no metrics"})
			}
		}
		if !found {
			out = append(out, Violation{r, "no HorizontalPodAutoscaler"})
		}
	}
	return out
}

// ConfigMaps returns the set's ConfigMaps.
func (s *Set) ConfigMaps() []*corev1.ConfigMap { return all[*corev1.ConfigMap](s) }

// ownAddrs are the listen addresses a process reads; every other *_ADDR
// variable names a peer's gRPC server.
var ownAddrs = []string{"GRPC_ADDR", "ADMIN_ADDR", "HTTP_ADDR"}

// checkPeerAddresses: every service but users is told where users is (it
// verifies tokens with users' keys, and the default is only right on one
// machine), and every peer address names a crossdock Service on its gRPC port.
func checkPeerAddresses(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		if e.simulator(d.Name) {
			continue // it calls no crossdock service; its own *_ADDR is where it listens
		}
		r := ref("Deployment", d.Namespace, d.Name)
		env := s.podEnv(d)
		if _, ok := env["USERS_ADDR"]; !ok && d.Name != "users" {
			out = append(out, Violation{r, "no USERS_ADDR: tokens could not be verified"})
		}
		for k, ev := range env {
			v := ev.Value
			if !strings.HasSuffix(k, "_ADDR") || slices.Contains(ownAddrs, k) {
				continue
			}
			peer := strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(k, "_ADDR"), "_", "-"))
			if want := peer + ":9090"; v != want || !slices.Contains(e.Services, peer) || !s.Has("Service", d.Namespace, peer) {
				out = append(out, Violation{r, fmt.Sprintf("%s=%q, want %q, a crossdock Service", k, v, want)})
			}
		}
	}
	return out
}
