package freight

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	freightv1 "github.com/crossdock/crossdock/gen/crossdock/freight/v1"
	"github.com/crossdock/crossdock/services/freight-estimator/synth"
)

// Item is one row of a source: a record to send, or the reason it cannot be.
type Item struct {
	// Line is the row's line in the file (1 is the header); for generated
	// rows, the row's number.
	Line       int
	ShipmentID string
	Record     *freightv1.ShipmentRecord
	// Err is a row that could not be read; it is reported, not sent.
	Err error
}

// Source yields rows one by one; Next returns io.EOF after the last.
type Source interface {
	Next() (Item, error)
	// Progress is how far the source is, from 0 to 1, or -1 when unknown.
	Progress() float64
}

// CSVSource reads rows from a CSV file.
type CSVSource struct {
	r    *csv.Reader
	read *countingReader
	size int64
	line int
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewCSVSource reads the header of r (size bytes long; 0 when unknown) and
// returns the rows after it.
func NewCSVSource(r io.Reader, size int64) (*CSVSource, error) {
	cr := &countingReader{r: r}
	s := &CSVSource{r: csv.NewReader(cr), read: cr, size: size}
	s.r.FieldsPerRecord = -1
	s.r.ReuseRecord = true
	head, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	s.line = 1
	if err := CheckHeader(head); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenCSV opens a CSV file as a source; close the file when done.
func OpenCSV(path string) (*CSVSource, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	s, err := NewCSVSource(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, f, nil
}

// Next returns the next row.
func (s *CSVSource) Next() (Item, error) {
	row, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return Item{}, io.EOF
	}
	// A row that does not parse has no field positions (a bad quote in its
	// first field stops it before one is recorded, and FieldPos panics):
	// its line is the error's.
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		s.line = perr.StartLine
		return Item{Line: perr.StartLine, Err: perr.Err}, nil
	}
	if err != nil {
		return Item{}, err
	}
	line, _ := s.r.FieldPos(0)
	s.line = line
	it := Item{Line: line}
	if len(row) > 0 {
		it.ShipmentID = row[0]
	}
	it.Record, it.Err = ParseRow(row)
	return it, nil
}

// Progress is the share of the file's bytes read.
func (s *CSVSource) Progress() float64 {
	if s.size <= 0 {
		return -1
	}
	return min(1, float64(s.read.n)/float64(s.size))
}

// GeneratedSource yields n synthetic shipments.
type GeneratedSource struct {
	g    *synth.Generator
	n, i int
}

// NewGeneratedSource returns n shipments of the generator.
func NewGeneratedSource(g *synth.Generator, n int) *GeneratedSource {
	return &GeneratedSource{g: g, n: n}
}

// Next returns the next generated shipment.
func (s *GeneratedSource) Next() (Item, error) {
	if s.i >= s.n {
		return Item{}, io.EOF
	}
	s.i++
	sh := s.g.Next()
	rec, err := ParseRow(Row(sh))
	return Item{Line: s.i, ShipmentID: sh.ID, Record: rec, Err: err}, nil
}

// Progress is the share of rows generated.
func (s *GeneratedSource) Progress() float64 {
	if s.n == 0 {
		return 1
	}
	return float64(s.i) / float64(s.n)
}
