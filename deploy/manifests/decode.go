package manifests

import (
	"errors"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Custom resources of the operators an installation runs. Their Go types are
// not in k8s.io/api, so they are decoded as unstructured and their fields
// checked by rules.
var (
	// ClusterGVK is CloudNativePG's PostgreSQL cluster.
	ClusterGVK = schema.GroupVersionKind{Group: "postgresql.cnpg.io", Version: "v1", Kind: "Cluster"}
	// ScheduledBackupGVK is CloudNativePG's recurring base backup of a cluster.
	ScheduledBackupGVK = schema.GroupVersionKind{Group: "postgresql.cnpg.io", Version: "v1", Kind: "ScheduledBackup"}
	// PodMonitorGVK is the Prometheus Operator's scrape configuration for pods.
	PodMonitorGVK = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "PodMonitor"}
	// PrometheusRuleGVK is the Prometheus Operator's alerting rules.
	PrometheusRuleGVK = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "PrometheusRule"}
)

// custom lists the custom resources the manifests may use.
var custom = []schema.GroupVersionKind{ClusterGVK, ScheduledBackupGVK, PodMonitorGVK, PrometheusRuleGVK}

// builtin lists every Kubernetes kind the manifests may use, with the type it is
// strictly decoded into. A kind missing here is a decoding error, so a typo in
// apiVersion or kind cannot slip through.
var builtin = map[schema.GroupVersionKind]func() metav1.Object{
	corev1.SchemeGroupVersion.WithKind("Namespace"):                      func() metav1.Object { return &corev1.Namespace{} },
	corev1.SchemeGroupVersion.WithKind("ServiceAccount"):                 func() metav1.Object { return &corev1.ServiceAccount{} },
	corev1.SchemeGroupVersion.WithKind("ConfigMap"):                      func() metav1.Object { return &corev1.ConfigMap{} },
	corev1.SchemeGroupVersion.WithKind("Secret"):                         func() metav1.Object { return &corev1.Secret{} },
	corev1.SchemeGroupVersion.WithKind("Service"):                        func() metav1.Object { return &corev1.Service{} },
	appsv1.SchemeGroupVersion.WithKind("Deployment"):                     func() metav1.Object { return &appsv1.Deployment{} },
	appsv1.SchemeGroupVersion.WithKind("StatefulSet"):                    func() metav1.Object { return &appsv1.StatefulSet{} },
	networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"):            func() metav1.Object { return &networkingv1.NetworkPolicy{} },
	networkingv1.SchemeGroupVersion.WithKind("Ingress"):                  func() metav1.Object { return &networkingv1.Ingress{} },
	policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"):          func() metav1.Object { return &policyv1.PodDisruptionBudget{} },
	autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"): func() metav1.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
}

// Object is one rendered manifest decoded into its API type.
type Object struct {
	GVK schema.GroupVersionKind
	// Value points to the k8s.io/api type (for example *appsv1.Deployment), or
	// is an *unstructured.Unstructured for a custom resource.
	Value metav1.Object
}

// Ref names the object for messages: Kind/namespace/name.
func (o Object) Ref() string {
	return ref(o.GVK.Kind, o.Value.GetNamespace(), o.Value.GetName())
}

func ref(kind, namespace, name string) string {
	if namespace == "" {
		return kind + "/" + name
	}
	return kind + "/" + namespace + "/" + name
}

// Set is a rendered overlay with every object decoded.
type Set struct {
	Objects []Object
}

// Decode strictly decodes rendered documents: a field the API type does not
// know, a duplicated key or an unsupported kind is an error, which is what
// `kubectl apply` with server-side field validation would reject later.
func Decode(docs [][]byte) (*Set, error) {
	s := &Set{Objects: make([]Object, 0, len(docs))}
	for i, doc := range docs {
		var head struct {
			metav1.TypeMeta `json:",inline"`
			Metadata        struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		gvk := schema.FromAPIVersionAndKind(head.APIVersion, head.Kind)
		where := fmt.Sprintf("document %d (%s %s)", i, head.Kind, head.Metadata.Name)
		var v metav1.Object
		switch newValue, ok := builtin[gvk]; {
		case ok:
			v = newValue()
			if err := unmarshalStrict(doc, v); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
		case slices.Contains(custom, gvk):
			j, err := yaml.YAMLToJSONStrict(doc)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(j); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			v = u
		default:
			return nil, fmt.Errorf("%s: unsupported kind in %q", where, head.APIVersion)
		}
		s.Objects = append(s.Objects, Object{GVK: gvk, Value: v})
	}
	return s, nil
}

// unmarshalStrict decodes YAML the way the API server decodes JSON with strict
// field validation: field names match case-sensitively (encoding/json would
// accept readOnlyRootFileSystem for readOnlyRootFilesystem), and unknown or
// duplicated fields are errors.
func unmarshalStrict(doc []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(j, v, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// all returns the set's objects of type T, in rendering order.
func all[T metav1.Object](s *Set) []T {
	var out []T
	for _, o := range s.Objects {
		if v, ok := o.Value.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// Deployments returns the set's Deployments.
func (s *Set) Deployments() []*appsv1.Deployment { return all[*appsv1.Deployment](s) }

// StatefulSets returns the set's StatefulSets.
func (s *Set) StatefulSets() []*appsv1.StatefulSet { return all[*appsv1.StatefulSet](s) }

// Services returns the set's Services.
func (s *Set) Services() []*corev1.Service { return all[*corev1.Service](s) }

// NetworkPolicies returns the set's NetworkPolicies.
func (s *Set) NetworkPolicies() []*networkingv1.NetworkPolicy {
	return all[*networkingv1.NetworkPolicy](s)
}

// DisruptionBudgets returns the set's PodDisruptionBudgets.
func (s *Set) DisruptionBudgets() []*policyv1.PodDisruptionBudget {
	return all[*policyv1.PodDisruptionBudget](s)
}

// Autoscalers returns the set's HorizontalPodAutoscalers.
func (s *Set) Autoscalers() []*autoscalingv2.HorizontalPodAutoscaler {
	return all[*autoscalingv2.HorizontalPodAutoscaler](s)
}

// Clusters returns the set's CloudNativePG clusters.
func (s *Set) Clusters() []*unstructured.Unstructured { return s.Custom(ClusterGVK) }

// Custom returns the set's custom resources of one kind.
func (s *Set) Custom(gvk schema.GroupVersionKind) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range s.Objects {
		if o.GVK == gvk {
			out = append(out, o.Value.(*unstructured.Unstructured))
		}
	}
	return out
}

// Ingresses returns the set's Ingresses.
func (s *Set) Ingresses() []*networkingv1.Ingress { return all[*networkingv1.Ingress](s) }

// Has reports whether the set holds an object of the kind in the namespace
// with the name.
func (s *Set) Has(kind, namespace, name string) bool {
	for _, o := range s.Objects {
		if o.GVK.Kind == kind && o.Value.GetNamespace() == namespace && o.Value.GetName() == name {
			return true
		}
	}
	return false
}

// workload is a pod template with the object that owns it.
type workload struct {
	ref       string
	namespace string
	name      string
	template  *corev1.PodTemplateSpec
}

// workloads returns every pod template of the set: Deployments and StatefulSets.
func (s *Set) workloads() []workload {
	var out []workload
	for _, d := range s.Deployments() {
		out = append(out, workload{ref("Deployment", d.Namespace, d.Name), d.Namespace, d.Name, &d.Spec.Template})
	}
	for _, st := range s.StatefulSets() {
		out = append(out, workload{ref("StatefulSet", st.Namespace, st.Name), st.Namespace, st.Name, &st.Spec.Template})
	}
	return out
}
