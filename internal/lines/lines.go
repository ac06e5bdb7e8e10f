// Package lines lets the goroutines of the example programs print to one
// writer a whole line at a time, as Python's print does (fmt.Fprintf makes
// one Write per call), and print a line as one step with what it reports.
package lines

import (
	"fmt"
	"io"
	"sync"
)

// A Writer serializes the writes of many goroutines to one io.Writer.
type Writer struct {
	mu sync.Mutex // guards w; held for one Write, or for Then
	w  io.Writer
}

// Locked returns w made safe for concurrent goroutines; w itself if it is
// a Writer already.
func Locked(w io.Writer) *Writer {
	if lw, ok := w.(*Writer); ok {
		return lw
	}
	return &Writer{w: w}
}

// Write writes p while no other goroutine writes.
func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Then runs do and, if it succeeds, prints the line format makes, holding
// the writer throughout: no other line comes between, as none does in
// Python, where nothing else runs between an await that did not block and
// the print after it. do must not wait for another goroutine's line.
func (l *Writer) Then(do func() error, format string, args ...any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := do(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(l.w, format, args...)
	return err
}
