// Package logprefix interleaves the output of many processes on one terminal:
// every line is written whole, prefixed with the padded name of the process
// that wrote it (in a colour of its own when the output is a terminal).
package logprefix

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// maxLine bounds a line held back while waiting for its newline; a longer one
// is written in pieces rather than growing without limit.
const maxLine = 64 << 10

// palette holds ANSI foreground colours that read well on dark and light
// backgrounds alike.
var palette = []string{"36", "33", "32", "35", "34", "31", "96", "93", "92", "95", "94", "91"}

// Prefixer hands out line writers that share one lock, so lines from different
// processes (and from stdout and stderr) never mix within a line.
type Prefixer struct {
	mu     sync.Mutex
	width  int
	color  bool
	colors map[string]string
}

// New returns a Prefixer padding names to width, colouring them when color is set.
func New(width int, color bool) *Prefixer {
	return &Prefixer{width: width, color: color, colors: map[string]string{}}
}

// Width returns the widest of names, for New.
func Width(names ...string) int {
	w := 0
	for _, n := range names {
		w = max(w, len(n))
	}
	return w
}

// IsTerminal reports whether f is a terminal (not merely a character
// device: /dev/null is one too) and the user has not asked for no colour
// (https://no-color.org).
func IsTerminal(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// Writer returns a writer that writes each complete line to dst, prefixed with
// name. Call Close to flush a last line without a newline.
func (p *Prefixer) Writer(name string, dst io.Writer) *LineWriter {
	return &LineWriter{p: p, dst: dst, prefix: p.prefix(name)}
}

// Locked returns a writer to dst that holds the shared lock for each write, for
// the program's own messages.
func (p *Prefixer) Locked(dst io.Writer) io.Writer { return lockedWriter{p: p, dst: dst} }

func (p *Prefixer) prefix(name string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	label := fmt.Sprintf("%-*s |", p.width, name)
	if !p.color {
		return label + " "
	}
	c, ok := p.colors[name]
	if !ok {
		c = palette[len(p.colors)%len(palette)]
		p.colors[name] = c
	}
	return "\x1b[" + c + "m" + label + "\x1b[0m "
}

type lockedWriter struct {
	p   *Prefixer
	dst io.Writer
}

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.dst.Write(b)
}

// LineWriter is an io.WriteCloser that prefixes whole lines. It is safe for use
// by one writer at a time, as an exec.Cmd's Stdout or Stderr is.
type LineWriter struct {
	p      *Prefixer
	dst    io.Writer
	prefix string
	buf    []byte
}

// Write emits every complete line in b and keeps the rest for the next call.
func (w *LineWriter) Write(b []byte) (int, error) {
	n := len(b)
	w.buf = append(w.buf, b...)
	var out bytes.Buffer
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(&out, w.buf[:i])
		w.buf = w.buf[i+1:]
	}
	for len(w.buf) >= maxLine {
		w.line(&out, w.buf[:maxLine])
		w.buf = w.buf[maxLine:]
	}
	// Keep the partial line in a buffer of its own so the next append cannot
	// grow into memory the caller reuses.
	w.buf = append([]byte(nil), w.buf...)
	if out.Len() == 0 {
		return n, nil
	}
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if _, err := w.dst.Write(out.Bytes()); err != nil {
		return n, err
	}
	return n, nil
}

// Close writes a pending partial line, if any.
func (w *LineWriter) Close() error {
	if len(w.buf) == 0 {
		return nil
	}
	var out bytes.Buffer
	w.line(&out, w.buf)
	w.buf = nil
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	_, err := w.dst.Write(out.Bytes())
	return err
}

func (w *LineWriter) line(out *bytes.Buffer, line []byte) {
	out.WriteString(w.prefix)
	out.Write(bytes.TrimRight(line, "\r"))
	out.WriteByte('\n')
}
