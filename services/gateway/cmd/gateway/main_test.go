package main

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// A request whose body trickles in is cut off once the public server's
// read bound passes (shortened here), instead of holding its connection
// and handler as long as the client likes.
func TestAPublicRequestTricklingItsBodyIsCutOff(t *testing.T) {
	read := make(chan error, 1)
	srv := publicServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body) // as edge.MaxBody does
		read <- err
	}), time.Second)
	if srv.ReadTimeout <= 0 {
		t.Fatal("the public server does not bound reading a request")
	}
	srv.ReadTimeout = 300 * time.Millisecond
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(func() { srv.Close() })
	conn, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 100 ms, for ever
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	select {
	case err := <-read:
		if err == nil {
			t.Error("the trickled body was read whole")
		}
	case <-time.After(10 * time.Second):
		t.Error("the trickling request still holds its handler after 10 s")
	}
}

// The write bound runs from the end of the headers: it must outlast a body
// read to the read bound's end, a key fetch for the token (10 s at most) and
// the upstream call's bound, or a slow upload to a hung service loses its
// connection before the 504 that UPSTREAM_TIMEOUT promises.
func TestThePublicWriteBoundOutlastsReadingVerifyingAndTheUpstream(t *testing.T) {
	upstream := 30 * time.Second
	srv := publicServer(http.NotFoundHandler(), upstream)
	if need := srv.ReadTimeout + 10*time.Second + upstream; srv.WriteTimeout <= need {
		t.Errorf("WriteTimeout %v, want more than %v (read %v, key fetch 10s, upstream %v)", srv.WriteTimeout, need, srv.ReadTimeout, upstream)
	}
}
