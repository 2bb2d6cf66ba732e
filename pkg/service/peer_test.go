package service_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/crossdock/crossdock/pkg/service"
)

// A call to a peer that never answers ends within PeerCallTimeout even when
// the caller's context has no deadline (a worker's round), a caller's earlier
// deadline still wins, and a peer that answers is unaffected.
func TestPeerCallsEndWithinTheCallTimeout(t *testing.T) {
	addr := hangingPeer(t)
	tests := []struct {
		name          string
		bound         time.Duration
		callerTimeout time.Duration // 0: the caller sets no deadline
		method        string
		want          codes.Code
		atLeast       time.Duration
	}{
		{"hung peer, no caller deadline", 300 * time.Millisecond, 0, "/test.Peer/Hang", codes.DeadlineExceeded, 300 * time.Millisecond},
		{"caller's earlier deadline wins", time.Minute, 200 * time.Millisecond, "/test.Peer/Hang", codes.DeadlineExceeded, 200 * time.Millisecond},
		{"peer that answers", 300 * time.Millisecond, 0, "/test.Peer/Answer", codes.OK, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := &service.Runtime{Config: service.Config{PeerCallTimeout: tc.bound}}
			conn, err := rt.DialPeer(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx := context.Background()
			if tc.callerTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.callerTimeout)
				defer cancel()
			}
			start := time.Now()
			done := make(chan error, 1)
			go func() { done <- conn.Invoke(ctx, tc.method, &emptypb.Empty{}, &emptypb.Empty{}) }()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("the call was still waiting after 10s")
			}
			if got := status.Code(err); got != tc.want {
				t.Fatalf("call ended with %v (%v), want %v", got, err, tc.want)
			}
			if took := time.Since(start); took < tc.atLeast || took > 5*time.Second {
				t.Fatalf("call took %v, want between %v and 5s", took, tc.atLeast)
			}
		})
	}
}

// hangingPeer serves every method: "Hang" waits until the call is given up,
// anything else answers at once.
func hangingPeer(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		if err := stream.RecvMsg(&emptypb.Empty{}); err != nil {
			return err
		}
		if method, _ := grpc.MethodFromServerStream(stream); method == "/test.Peer/Hang" {
			<-stream.Context().Done()
			return stream.Context().Err()
		}
		return stream.SendMsg(&emptypb.Empty{})
	}))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}
