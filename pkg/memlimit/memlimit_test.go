package memlimit_test

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/crossdock/crossdock/pkg/memlimit"
)

func TestSet(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    int64 // the limit Set returns and the runtime then has; 0: untouched
		wantErr bool
	}{
		{name: "no container limit", env: map[string]string{}},
		{name: "a share of the container's limit", env: map[string]string{"MEMORY_LIMIT_MIB": "256"}, want: 256 << 20 / 100 * 90},
		{name: "a limit of one MiB", env: map[string]string{"MEMORY_LIMIT_MIB": "1"}, want: 1 << 20 / 100 * 90},
		{name: "an explicit GOMEMLIMIT wins", env: map[string]string{"MEMORY_LIMIT_MIB": "256", "GOMEMLIMIT": "200MiB"}},
		{name: "not a number", env: map[string]string{"MEMORY_LIMIT_MIB": "256Mi"}, wantErr: true},
		{name: "zero", env: map[string]string{"MEMORY_LIMIT_MIB": "0"}, wantErr: true},
		{name: "negative", env: map[string]string{"MEMORY_LIMIT_MIB": "-5"}, wantErr: true},
		{name: "beyond any machine", env: map[string]string{"MEMORY_LIMIT_MIB": "9223372036854775807"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const untouched = math.MaxInt64 - 1 // a limit no test sets
			previous := debug.SetMemoryLimit(untouched)
			t.Cleanup(func() { debug.SetMemoryLimit(previous) })

			got, err := memlimit.Set(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("returned %d, want %d", got, tt.want)
			}
			runtime := debug.SetMemoryLimit(-1) // -1 reads without changing
			if tt.want == 0 && runtime != untouched {
				t.Errorf("the runtime's limit became %d, want it untouched", runtime)
			}
			if tt.want != 0 && runtime != tt.want {
				t.Errorf("the runtime's limit is %d, want %d", runtime, tt.want)
			}
		})
	}
}
