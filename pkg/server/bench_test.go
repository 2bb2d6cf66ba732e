package server_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/crossdock/crossdock/pkg/logging"
	"github.com/crossdock/crossdock/pkg/server"
	"github.com/crossdock/crossdock/pkg/testkit"
)

// BenchmarkUnaryCall measures the CPU one gRPC call between two services
// costs on this host, both ends counted (they share this process): the
// client's stats handler and HTTP/2 framing, loopback TCP, the server's
// stats handler and interceptor chain (the call logged at info as JSON to a
// file, as services log to stdout), and a small message each way; 16
// callers share one connection, as a service's calls to a peer do. Token
// checks are left out: a token seen before costs well under a microsecond
// (BenchmarkVerify). A request's CPU is roughly its calls times this plus
// its statements times BenchmarkCalibrationStatement's figures.
func BenchmarkUnaryCall(b *testing.B) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	log, err := logging.New("info", "json", devNull)
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New("crossdock.test.v1.EchoService", server.Config{GRPCAddr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"}, log, nil)
	srv.GRPC().RegisterService(&echoDesc, &echoService{})
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	call := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		out := new(wrapperspb.StringValue)
		return conn.Invoke(ctx, echoMethod, wrapperspb.String("a small request of a few dozen bytes"), out)
	}
	for range 100 {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	cpu, wall := testkit.RunParallelCPU(b, call)
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/wall.Seconds(), "calls/s")
}
