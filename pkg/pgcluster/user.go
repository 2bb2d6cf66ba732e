package pgcluster

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// serverUser is the operating-system account the server runs as. initdb and
// postgres refuse to run as root, so a root caller runs them as `postgres`.
type serverUser struct {
	cred *syscall.Credential // nil: run as the caller
	uid  int
	gid  int
}

func lookupServerUser() (serverUser, error) {
	if os.Geteuid() != 0 {
		return serverUser{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return serverUser{}, fmt.Errorf("running as root needs the `postgres` system user to run the server "+
			"(it comes with `apt-get install -y postgresql`): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return serverUser{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid: uid, gid: gid}, nil
}

// own hands a path to the server user (a no-op when the caller is that user).
func (u serverUser) own(path string) error {
	if u.cred == nil {
		return nil
	}
	return os.Chown(path, u.uid, u.gid)
}

func (u serverUser) sysProcAttr() *syscall.SysProcAttr {
	// Pdeathsig: the server receives SIGINT (fast shutdown) if we die, so neither
	// a crashed test nor a killed `crossdock up` leaves a postmaster behind.
	return &syscall.SysProcAttr{Credential: u.cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
}
