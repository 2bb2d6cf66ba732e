package freight

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress shows how an import goes: a bar redrawn in place on a terminal,
// plain lines (at most one every few seconds) otherwise. A nil *Progress shows
// nothing.
type Progress struct {
	w        io.Writer
	terminal bool
	start    time.Time
	last     time.Time
	// Every is the least time between two plain lines.
	Every time.Duration
	now   func() time.Time
}

// NewProgress writes progress to w, as a bar when terminal is true.
func NewProgress(w io.Writer, terminal bool) *Progress {
	return &Progress{w: w, terminal: terminal, start: time.Now(), Every: 5 * time.Second, now: time.Now}
}

const barWidth = 30

// Update reports the share done (−1 when unknown) and the counts so far.
func (p *Progress) Update(done float64, s Summary) {
	if p == nil {
		return
	}
	now := p.now()
	rate := float64(s.Rows) / max(now.Sub(p.start).Seconds(), 1e-9)
	if p.terminal {
		bar := strings.Repeat(" ", barWidth)
		pct := "   ?"
		if done >= 0 {
			filled := int(done * barWidth)
			bar = strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
			pct = fmt.Sprintf("%3.0f%%", done*100)
		}
		fmt.Fprintf(p.w, "\r[%s] %s  %d rows  %d imported  %d duplicates  %d rejected  %.0f rows/s ",
			bar, pct, s.Rows, s.Imported, s.Duplicates, s.Rejected, rate)
		return
	}
	if now.Sub(p.last) < p.Every {
		return
	}
	p.last = now
	pct := ""
	if done >= 0 {
		pct = fmt.Sprintf(" (%.0f%%)", done*100)
	}
	fmt.Fprintf(p.w, "%d rows%s: %d imported, %d duplicates, %d rejected, %.0f rows/s\n",
		s.Rows, pct, s.Imported, s.Duplicates, s.Rejected, rate)
}

// Done ends the bar's line.
func (p *Progress) Done(s Summary) {
	if p == nil {
		return
	}
	p.last = time.Time{}
	p.Update(1, s)
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}
