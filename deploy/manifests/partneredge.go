package manifests

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// The partner edge: partners reach platform-docking's PartnerService from
// the internet; the rest of docking's gRPC port (DockingService, the
// gateway's upstream; health; reflection) stays inside the cluster.
const (
	dockingName        = "platform-docking"
	dockingGRPCPort    = 9090
	partnerServicePath = "/crossdock.partner.v1.PartnerService/"
	// ingressNamespace is the ingress controller's namespace, which the
	// production network policies admit (ingress-nginx's default).
	ingressNamespace = "ingress-nginx"
)

// checkPartnerIngress: in production exactly one Ingress routes to
// platform-docking, and it routes only PartnerService's path prefix, as
// gRPC over TLS with a cert-manager certificate, to docking's gRPC port;
// docking's network policy admits the ingress controller's namespace to that
// port. In any other installation nothing routes to docking.
func checkPartnerIngress(s *Set, e Expectations) []Violation {
	var out []Violation
	var routed []*networkingv1.Ingress
	for _, ing := range s.Ingresses() {
		if routesTo(ing, dockingName) {
			routed = append(routed, ing)
		}
	}
	if !e.Production {
		for _, ing := range routed {
			out = append(out, Violation{ref("Ingress", ing.Namespace, ing.Name), "routes to platform-docking outside production"})
		}
		return out
	}
	if len(routed) != 1 {
		return append(out, Violation{"Ingress", "want exactly one routing to platform-docking (PartnerService), found " + strconv.Itoa(len(routed))})
	}
	ing := routed[0]
	r := ref("Ingress", ing.Namespace, ing.Name)
	if ing.Annotations["nginx.ingress.kubernetes.io/backend-protocol"] != "GRPC" {
		out = append(out, Violation{r, "backend protocol is not GRPC: the controller would speak HTTP/1.1 to a gRPC server"})
	}
	if ing.Annotations["cert-manager.io/cluster-issuer"] == "" && ing.Annotations["cert-manager.io/issuer"] == "" {
		out = append(out, Violation{r, "no cert-manager issuer annotation: nobody obtains or renews its certificate"})
	}
	if ing.Spec.DefaultBackend != nil {
		out = append(out, Violation{r, "has a default backend: paths other than PartnerService's would reach it"})
	}
	for _, rule := range ing.Spec.Rules {
		if rule.Host == "" || !tlsCovers(ing.Spec.TLS, rule.Host) {
			out = append(out, Violation{r, "host " + rule.Host + " is not served over TLS"})
		}
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			if p.Path != partnerServicePath || p.PathType == nil || *p.PathType != networkingv1.PathTypePrefix {
				out = append(out, Violation{r, "routes " + p.Path + ": only the Prefix " + partnerServicePath + " may be published"})
			}
			svc := p.Backend.Service
			if svc == nil || svc.Name != dockingName || s.servicePort(ing.Namespace, svc) != dockingGRPCPort {
				out = append(out, Violation{r, "path " + p.Path + " does not go to platform-docking's gRPC port " + strconv.Itoa(dockingGRPCPort)})
			}
		}
	}
	if !s.admitsNamespace(ing.Namespace, dockingName, ingressNamespace, dockingGRPCPort) {
		out = append(out, Violation{ref("NetworkPolicy", ing.Namespace, dockingName),
			"does not admit the ingress controller's namespace " + ingressNamespace + " to port " + strconv.Itoa(dockingGRPCPort)})
	}
	return out
}

// checkPartnerTLS: production reaches partners over TLS only; plaintext is
// for development installations, whose partners are simulators.
func checkPartnerTLS(s *Set, e Expectations) []Violation {
	if !e.Production {
		return nil
	}
	var out []Violation
	for _, d := range s.Deployments() {
		if d.Name == dockingName && strings.EqualFold(s.podEnv(d)["DOCKING_PARTNER_PLAINTEXT"].Value, "true") {
			out = append(out, Violation{ref("Deployment", d.Namespace, d.Name), "DOCKING_PARTNER_PLAINTEXT is true: partners' calls would cross the internet unencrypted"})
		}
	}
	return out
}

// routesTo reports whether any of the Ingress's backends is the Service.
func routesTo(ing *networkingv1.Ingress, service string) bool {
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil && b.Service.Name == service {
		return true
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			if p.Backend.Service != nil && p.Backend.Service.Name == service {
				return true
			}
		}
	}
	return false
}

// servicePort is the port number an Ingress backend names, looking a named
// port up in the Service; 0 when it names none.
func (s *Set) servicePort(namespace string, b *networkingv1.IngressServiceBackend) int32 {
	if b.Port.Number != 0 || b.Port.Name == "" {
		return b.Port.Number
	}
	for _, svc := range s.Services() {
		if svc.Namespace != namespace || svc.Name != b.Name {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if p.Name == b.Port.Name {
				return p.Port
			}
		}
	}
	return 0
}

// admitsNamespace reports whether a NetworkPolicy of the Deployment's pods
// admits every pod of the namespace to the port.
func (s *Set) admitsNamespace(namespace, deployment, from string, port int32) bool {
	var labels map[string]string
	for _, d := range s.Deployments() {
		if d.Namespace == namespace && d.Name == deployment {
			labels = d.Spec.Template.Labels
		}
	}
	for _, np := range s.NetworkPolicies() {
		if np.Namespace != namespace || !selects(&np.Spec.PodSelector, labels) {
			continue
		}
		for _, rule := range np.Spec.Ingress {
			if !admitsPort(rule, port) {
				continue
			}
			for _, peer := range rule.From {
				if peer.PodSelector == nil && peer.NamespaceSelector != nil &&
					selects(peer.NamespaceSelector, map[string]string{corev1.LabelMetadataName: from}) {
					return true
				}
			}
		}
	}
	return false
}
