package dlq_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/dlq"
	opsv1 "github.com/crossdock/crossdock/gen/crossdock/ops/v1"
)

// oneLetter is a service holding one dead letter of consumer "c-1".
type oneLetter struct {
	opsv1.UnimplementedDeadLetterServiceServer
}

func (oneLetter) ListDeadLetters(_ context.Context, req *opsv1.ListDeadLettersRequest) (*opsv1.ListDeadLettersResponse, error) {
	if c := req.GetConsumer(); c != "" && c != "c-1" {
		return nil, status.Error(codes.InvalidArgument, "no consumer "+c)
	}
	return &opsv1.ListDeadLettersResponse{DeadLetters: []*opsv1.DeadLetter{{Sequence: 7, Consumer: "c-1", Subject: "x.y"}}}, nil
}

// target dials addr; nothing listening there makes an unavailable service.
func target(t *testing.T, service, addr string) dlq.Target {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return dlq.NewTarget(service, conn)
}

func serving(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	opsv1.RegisterDeadLetterServiceServer(srv, oneLetter{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// A list that could not ask every service fails after printing what it
// found, naming the silent ones: "0 dead letters" from an unreachable mesh
// read as all clear. A consumer no service has is an error too.
func TestListFailsWhenAServiceDoesNotAnswer(t *testing.T) {
	up, down := target(t, "orders", serving(t)), target(t, "finance", closedAddr(t))
	token := func(context.Context) (string, error) { return "t", nil }
	tests := []struct {
		name     string
		targets  []dlq.Target
		consumer string
		want     string // in the error; "" for none
		letters  string
	}{
		{"every service answers", []dlq.Target{up}, "", "", "1 dead letters"},
		{"one does not", []dlq.Target{up, down}, "", "finance did not answer", "1 dead letters"},
		{"one does not, asked for a consumer", []dlq.Target{down, up}, "c-1", "finance did not answer", "1 dead letters"},
		{"the only one does not", []dlq.Target{down}, "c-1", "finance did not answer", "0 dead letters"},
		{"no service has the consumer", []dlq.Target{up}, "c-9", `no service has a consumer "c-9"`, "0 dead letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, warn bytes.Buffer
			op := &dlq.Operator{Targets: tt.targets, Token: token, Out: &out, Warn: &warn}
			err := op.List(context.Background(), tt.consumer)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("List = %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("List = %v, want an error naming %q", err, tt.want)
			}
			if !strings.Contains(out.String(), tt.letters) {
				t.Errorf("printed %q, want %q", out.String(), tt.letters)
			}
		})
	}
}
