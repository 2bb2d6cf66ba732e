package logprefix_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crossdock/crossdock/cmd/crossdock/internal/logprefix"
)

func TestLineWriterPrefixesWholeLines(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"one line", []string{"hello\n"}, "users | hello\n"},
		{"split across writes", []string{"hel", "lo\nwor", "ld\n"}, "users | hello\nusers | world\n"},
		{"partial line flushed on close", []string{"a\nb"}, "users | a\nusers | b\n"},
		{"carriage returns dropped", []string{"dos\r\n"}, "users | dos\n"},
		{"empty lines kept", []string{"\n\n"}, "users | \nusers | \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := logprefix.New(5, false).Writer("users", &out)
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestPrefixesArePaddedAndColouredPerName(t *testing.T) {
	var out bytes.Buffer
	p := logprefix.New(logprefix.Width("users", "freight-estimator"), true)
	users, fe := p.Writer("users", &out), p.Writer("freight-estimator", &out)
	fmt.Fprintln(users, "u")
	fmt.Fprintln(fe, "f")
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"\x1b[36musers             |\x1b[0m u",
		"\x1b[33mfreight-estimator |\x1b[0m f",
	}
	if len(lines) != 2 || lines[0] != want[0] || lines[1] != want[1] {
		t.Fatalf("got %q, want %q", lines, want)
	}
}

func TestConcurrentWritersNeverMixWithinALine(t *testing.T) {
	var out bytes.Buffer
	p := logprefix.New(2, false)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := p.Writer(fmt.Sprintf("p%d", i), &out)
			line := strings.Repeat(fmt.Sprint(i), 100) + "\n"
			for range 200 {
				// Two halves per line: only whole lines may reach the output.
				w.Write([]byte(line[:37]))
				w.Write([]byte(line[37:]))
			}
		}()
	}
	locked := p.Locked(&out)
	for range 100 {
		fmt.Fprintln(locked, "own message")
	}
	wg.Wait()
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if l == "own message" {
			continue
		}
		var i int
		if _, err := fmt.Sscanf(l, "p%d |", &i); err != nil {
			t.Fatalf("bad line %q", l)
		}
		if l != fmt.Sprintf("p%d | %s", i, strings.Repeat(fmt.Sprint(i), 100)) {
			t.Fatalf("mixed line %q", l)
		}
	}
}

func TestOverlongLinesAreWrittenInPieces(t *testing.T) {
	var out bytes.Buffer
	w := logprefix.New(1, false).Writer("x", &out)
	w.Write(bytes.Repeat([]byte("a"), 200<<10))
	if out.Len() == 0 {
		t.Fatal("an unterminated 200 KiB line was held back entirely")
	}
	if strings.Count(out.String(), "x | ") != 3 {
		t.Fatalf("got %d pieces", strings.Count(out.String(), "x | "))
	}
}

// A character device that is not a terminal gets no colour: output sent to
// /dev/null or a file is not a screen.
func TestIsTerminalIsFalseForNonTerminals(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, f := range []*os.File{devnull, file} {
		if logprefix.IsTerminal(f) {
			t.Errorf("%s counts as a terminal", f.Name())
		}
	}
}
