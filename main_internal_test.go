package scope

import (
	"context"
	"os"
	"testing"
)

// A signal already in the watcher's channel when the run ends (run has
// stopped the signals and closed stop) is taken, not lost, whichever case
// the watcher's select picks: Main then exits 130, as after any SIGINT.
// Before drain, select took stop first in about half of these rounds.
func TestWatcherTakesASignalThatCameAsTheRunEnded(t *testing.T) {
	for range 100 {
		w := &watcher{sigs: make(chan os.Signal, 2), stop: make(chan struct{}), done: make(chan struct{})}
		w.ctx, w.cancel = context.WithCancelCause(context.Background())
		w.sigs <- os.Interrupt
		close(w.stop)
		w.watch()
		if w.first != os.Interrupt || context.Cause(w.ctx) != w.cause || w.cause == nil {
			t.Fatalf("the watcher took %v, cancelling with %v; want SIGINT taken as the first signal", w.first, context.Cause(w.ctx))
		}
		w.cancel(nil)
	}
}
