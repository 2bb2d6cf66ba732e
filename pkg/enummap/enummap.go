// Package enummap turns the one map a port keeps between a domain's values
// and an API's enum into the map the other way, so each pairing is written
// once.
package enummap

// Invert returns m with keys and values swapped. The maps it serves are
// one-to-one (each domain value has one API name); were two keys to share a
// value, one of them would win.
func Invert[K, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}
