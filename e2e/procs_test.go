package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// processesMentioning lists the live processes (other than this one) whose
// command line contains s, as "pid: command line". Zombies have an empty
// command line and never match.
func processesMentioning(s string) ([]string, error) {
	entries, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var found []string
	for _, path := range entries {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if err != nil || pid == self {
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended while we looked
		}
		cmdline := strings.TrimSpace(string(bytes.ReplaceAll(raw, []byte{0}, []byte{' '})))
		if strings.Contains(cmdline, s) {
			found = append(found, fmt.Sprintf("%d: %s", pid, cmdline))
		}
	}
	return found, nil
}

// requireNoProcesses fails the test if anything still runs from dir.
func requireNoProcesses(t *testing.T, dir string) {
	t.Helper()
	left, err := processesMentioning(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Fatalf("processes outlived crossdock up:\n%s", strings.Join(left, "\n"))
	}
}

func TestProcessesMentioningFindsALiveProcessOnly(t *testing.T) {
	marker := fmt.Sprintf("crossdock-e2e-marker-%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command("/bin/sh", "-c", "sleep 60; :", marker) // "; :" keeps the shell from exec-ing sleep
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found, err := processesMentioning(marker)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || !strings.HasPrefix(found[0], strconv.Itoa(cmd.Process.Pid)+": ") {
		t.Fatalf("found %q, want pid %d", found, cmd.Process.Pid)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if found, _ := processesMentioning(marker); len(found) != 0 {
		t.Fatalf("found %q after the process ended", found)
	}
}
