// Package health waits for the mesh to be ready: backends through the standard
// gRPC health service, the gateway through its /readyz endpoint, as Kubernetes
// probes them.
package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// attemptTimeout bounds one check, so a hung server counts as a failed attempt
// rather than stalling the wait.
const attemptTimeout = 2 * time.Second

// CheckFunc performs one check and describes the healthy state ("SERVING",
// "200 OK") or says what is wrong.
type CheckFunc func(ctx context.Context) (string, error)

// Probe is one named check.
type Probe struct {
	Name  string
	Check CheckFunc
}

// Result is the last outcome of a probe.
type Result struct {
	Name   string
	Status string // set when healthy
	Err    error  // the last failure, nil when healthy
}

// GRPC checks the overall health (service "") of the gRPC server at addr.
// Close the returned closer when done with the probe.
func GRPC(addr string) (CheckFunc, func() error, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, nil, err
	}
	client := healthpb.NewHealthClient(conn)
	check := func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
		defer cancel()
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: ""})
		if err != nil {
			return "", err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return "", fmt.Errorf("health status %s", resp.GetStatus())
		}
		return resp.GetStatus().String(), nil
	}
	return check, conn.Close, nil
}

// HTTP checks that GET url answers 200.
func HTTP(url string) CheckFunc {
	client := &http.Client{Timeout: attemptTimeout}
	return func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return resp.Status, nil
	}
}

// NotHealthyError lists the probes that never passed.
type NotHealthyError struct {
	After   time.Duration
	Failing []Result
}

func (e *NotHealthyError) Error() string {
	parts := make([]string, len(e.Failing))
	for i, r := range e.Failing {
		parts[i] = fmt.Sprintf("%s (%v)", r.Name, r.Err)
	}
	return fmt.Sprintf("not healthy after %s: %s", e.After, strings.Join(parts, ", "))
}

// Wait polls every probe every interval until all pass, timeout passes, or ctx
// ends (its cause is returned, e.g. which process exited). A probe that passed
// is not checked again. The results are in the order of probes.
func Wait(ctx context.Context, probes []Probe, timeout, interval time.Duration) ([]Result, error) {
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results := make([]Result, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		results[i].Name = p.Name
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				status, err := p.Check(waitCtx)
				if err == nil {
					results[i].Status, results[i].Err = status, nil
					return
				}
				// A check cut short by the deadline says less than the attempt before it.
				if waitCtx.Err() == nil || results[i].Err == nil {
					results[i].Err = err
				}
				select {
				case <-waitCtx.Done():
					return
				case <-time.After(interval):
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return results, context.Cause(ctx)
	}
	var failing []Result
	for _, r := range results {
		if r.Err != nil {
			failing = append(failing, r)
		}
	}
	if len(failing) > 0 {
		return results, &NotHealthyError{After: timeout, Failing: failing}
	}
	return results, nil
}

// IsNotHealthy reports whether err is a NotHealthyError.
func IsNotHealthy(err error) bool {
	var nh *NotHealthyError
	return errors.As(err, &nh)
}
