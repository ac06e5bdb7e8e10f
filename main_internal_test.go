package scope

import (
	"context"
	"io"
	"os"
	"testing"
	"time"
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

// Both signals may come as the run ends, after the body's scope closed
// without being cancelled: the second signal's report must not wait for the
// scope's watch, which will never run, or the program hangs instead of
// exiting at once.
func TestSecondSignalReportOfAScopeThatClosedUncancelled(t *testing.T) {
	var s *Scope
	if err := Run(context.Background(), func(ctx context.Context, sc *Scope) error { s = sc; return nil }, WithTracking(TrackTasks)); err != nil {
		t.Fatal(err)
	}
	defer func(prev io.Writer) { osStderr = prev }(osStderr)
	osStderr = io.Discard
	w := &watcher{}
	w.scope.Store(s)
	w.bodyDone.Store(true)
	reported := make(chan struct{})
	go func() { w.report(os.Interrupt); close(reported) }()
	select {
	case <-reported:
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal's report waits for a watch that will never run")
	}
}
