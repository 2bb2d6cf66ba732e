package manifests

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/crossdock/crossdock/pkg/natsx"
)

// The settings of natsx.StreamSettings every service that owns a stream
// must be given explicitly, so no stream runs unbounded on a default.
var streamLimitVars = []string{"NATS_STREAM_MAX_AGE", "NATS_STREAM_MAX_BYTES", "NATS_DEADLETTER_MAX_AGE", "NATS_DEADLETTER_MAX_BYTES"}

// natsVolumeShare is how much of a NATS server's volume the streams' size
// limits may add up to; the rest is headroom for the server's own files and
// for the disk alert to fire before anything is refused.
const natsVolumeShare = 0.8

// checkStreams: every stream (each service's own and the shared dead-letter
// stream) has an age and a size limit from the service's settings; every
// service agrees on the replicas and the dead-letter stream's limits (each
// consumer ensures that stream, and disagreeing ones would keep changing
// it); production runs three replicas; and the size limits together fit the
// NATS volume, since every server may hold a replica of every stream.
func checkStreams(s *Set, e Expectations) []Violation {
	var out []Violation
	var total int64
	shared := map[string]string{}
	for _, d := range s.Deployments() {
		env := s.podEnv(d)
		access, ok := natsx.AccessOf(env["NATS_USER"].Value)
		if !ok || access.Area == "" || !slices.Contains(e.Services, d.Name) {
			continue // owns no stream
		}
		r := ref("Deployment", d.Namespace, d.Name)
		for _, name := range streamLimitVars {
			v := env[name].Value
			var positive bool
			if d, err := time.ParseDuration(v); err == nil {
				positive = d > 0
			} else if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				positive = n > 0
			}
			if !positive {
				out = append(out, Violation{r, fmt.Sprintf("%s=%q: every stream needs a positive limit", name, v)})
			}
		}
		size, _ := strconv.ParseInt(env["NATS_STREAM_MAX_BYTES"].Value, 10, 64)
		total += size
		for _, name := range []string{"NATS_STREAM_REPLICAS", "NATS_DEADLETTER_MAX_AGE", "NATS_DEADLETTER_MAX_BYTES"} {
			v := env[name].Value
			if first, seen := shared[name]; seen && first != v {
				out = append(out, Violation{r, fmt.Sprintf("%s=%q where another service has %q: the services must agree", name, v, first)})
			}
			shared[name] = v
		}
		if want := "3"; e.Production && env["NATS_STREAM_REPLICAS"].Value != want {
			out = append(out, Violation{r, fmt.Sprintf("NATS_STREAM_REPLICAS=%q, want %s in production", env["NATS_STREAM_REPLICAS"].Value, want)})
		}
	}
	dead, _ := strconv.ParseInt(shared["NATS_DEADLETTER_MAX_BYTES"], 10, 64)
	total += dead
	volume := natsVolume(s)
	if volume == 0 {
		return append(out, Violation{"StatefulSet/nats", "no JetStream data volume size"})
	}
	if float64(total) > natsVolumeShare*float64(volume) {
		out = append(out, Violation{"StatefulSet/nats", fmt.Sprintf("the streams' size limits add up to %d bytes, more than %.0f%% of the %d-byte volume",
			total, natsVolumeShare*100, volume)})
	}
	return out
}

// natsVolume is the requested size of the NATS servers' data volume, in bytes.
func natsVolume(s *Set) int64 {
	for _, st := range s.StatefulSets() {
		if st.Name != "nats" {
			continue
		}
		for _, pvc := range st.Spec.VolumeClaimTemplates {
			if pvc.Name == "data" {
				q := pvc.Spec.Resources.Requests["storage"]
				return q.Value()
			}
		}
	}
	return 0
}
