package manifests

import (
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// gatewayHTTPPort is where the gateway serves REST.
const gatewayHTTPPort = 8000

// checkIngress: the gateway is reached over TLS, with a certificate
// cert-manager issues for every host the ingress serves.
func checkIngress(s *Set) []Violation {
	var out []Violation
	found := false
	for _, ing := range s.Ingresses() {
		r := ref("Ingress", ing.Namespace, ing.Name)
		routesGateway := false
		var hosts []string
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				if svc := p.Backend.Service; svc != nil && svc.Name == "gateway" && (svc.Port.Name == "http" || svc.Port.Number == gatewayHTTPPort) {
					routesGateway = true
					hosts = append(hosts, rule.Host)
				}
			}
		}
		if !routesGateway {
			continue
		}
		found = true
		if ing.Annotations["cert-manager.io/cluster-issuer"] == "" && ing.Annotations["cert-manager.io/issuer"] == "" {
			out = append(out, Violation{r, "no cert-manager issuer annotation: nobody obtains or renews its certificate"})
		}
		for _, h := range hosts {
			if h == "" || !tlsCovers(ing.Spec.TLS, h) {
				out = append(out, Violation{r, "host " + h + " is not served over TLS"})
			}
		}
	}
	if !found {
		out = append(out, Violation{"Ingress", "none routes to the gateway"})
	}
	return out
}

func tlsCovers(tls []networkingv1.IngressTLS, host string) bool {
	for _, t := range tls {
		if t.SecretName != "" && slices.Contains(t.Hosts, host) {
			return true
		}
	}
	return false
}

// checkForwardedFor: a gateway that takes the client address from
// X-Forwarded-For (its rate limits key on it) admits REST only from the
// ingress controller, which sets that header, and production's does; without
// it every client behind the ingress would share one rate-limit bucket.
func checkForwardedFor(s *Set, e Expectations) []Violation {
	var out []Violation
	for _, d := range s.Deployments() {
		if d.Name != "gateway" {
			continue
		}
		r := ref("Deployment", d.Namespace, d.Name)
		trusts := s.podEnv(d)["TRUST_FORWARDED_FOR"].Value == "true"
		if e.Production && !trusts {
			out = append(out, Violation{r, "TRUST_FORWARDED_FOR is not true behind the ingress: every client shares one rate-limit bucket"})
		}
		if !trusts {
			continue
		}
		for _, np := range s.NetworkPolicies() {
			if np.Namespace != d.Namespace || !selects(&np.Spec.PodSelector, d.Spec.Template.Labels) {
				continue
			}
			for _, rule := range np.Spec.Ingress {
				if admitsPort(rule, gatewayHTTPPort) && len(rule.From) == 0 {
					out = append(out, Violation{ref("NetworkPolicy", np.Namespace, np.Name),
						"admits REST from anywhere while the gateway trusts X-Forwarded-For: anyone could choose their address"})
				}
			}
		}
	}
	return out
}

// admitsPort reports whether an ingress rule admits port, by number (a
// range's end included) or by one of its container port names; a rule
// without ports admits every port.
func admitsPort(rule networkingv1.NetworkPolicyIngressRule, port int32, names ...string) bool {
	if len(rule.Ports) == 0 {
		return true
	}
	for _, p := range rule.Ports {
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			if slices.Contains(names, p.Port.StrVal) {
				return true
			}
		case p.Port.IntVal == port, p.EndPort != nil && p.Port.IntVal <= port && port <= *p.EndPort:
			return true
		}
	}
	return false
}
