// Package demo holds the programs that the examples and the tour run: Go
// translations of the asyncio programs in the seed notes, one function each,
// printing to an io.Writer so that tests can read what they print.
package demo

import (
	"fmt"
	"io"
	"sync"
)

// clock is how the programs print a time of day: Python's
// time.strftime('%X').
const clock = "15:04:05"

// lockedWriter lets concurrent tasks print to one writer, a whole line at a
// time, as Python's print does: fmt.Fprintf makes one Write per call.
type lockedWriter struct {
	mu sync.Mutex // guards w; held for one Write, or for then
	w  io.Writer
}

// locked returns w made safe for concurrent tasks.
func locked(w io.Writer) io.Writer {
	if lw, ok := w.(*lockedWriter); ok {
		return lw
	}
	return &lockedWriter{w: w}
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// then runs do and, if it succeeds, prints the line format makes, holding
// the writer throughout: no other line comes between, as none does in
// Python, where nothing else runs between an await that did not block and
// the print after it.
func (l *lockedWriter) then(do func() error, format string, args ...any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := do(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(l.w, format, args...)
	return err
}
