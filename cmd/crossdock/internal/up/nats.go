package up

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATS runs the broker inside this process: nothing to install, and it
// cannot outlive the mesh. JetStream stores under storeDir, so streams and
// unacknowledged messages survive a restart. Only users connect, each a
// service allowed what natsx.Accesses allows it (natsauth.Users). fatal is
// called if the server reports an error it cannot continue from.
func startNATS(storeDir, addr, monitorAddr string, users []*server.User, log io.Writer, fatal func(error)) (*server.Server, error) {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, err
	}
	mhost, mport, err := splitHostPort(monitorAddr)
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "crossdock",
		Host:       host,
		Port:       port,
		HTTPHost:   mhost,
		HTTPPort:   mport,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true,
		Users:      users,
	})
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	ns.SetLogger(&natsLogger{w: log, fatal: fatal}, false, false)
	ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, errors.New("nats did not start: see its log above")
	}
	return ns, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}

// natsLogger writes the broker's warnings and errors, one line each.
// The server logs from many goroutines; the lock keeps each line whole.
type natsLogger struct {
	mu    sync.Mutex
	w     io.Writer
	fatal func(error)
}

func (l *natsLogger) logf(level, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, level+" "+format+"\n", v...)
}

// Noticef drops the start-up banner and routine notices: the mesh reports
// what matters about the broker itself.
func (l *natsLogger) Noticef(format string, v ...any) {}
func (l *natsLogger) Warnf(format string, v ...any)   { l.logf("WRN", format, v...) }
func (l *natsLogger) Errorf(format string, v ...any)  { l.logf("ERR", format, v...) }
func (l *natsLogger) Debugf(format string, v ...any)  {}
func (l *natsLogger) Tracef(format string, v ...any)  {}

// Fatalf is where the server gives up (its own logger would exit the process):
// the mesh stops instead.
func (l *natsLogger) Fatalf(format string, v ...any) {
	l.logf("FTL", format, v...)
	l.fatal(fmt.Errorf("nats: "+format, v...))
}
