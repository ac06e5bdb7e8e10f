package scope

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDroppedScopeIsReported drops two scopes that track drops, one after
// its Wait and one without, and collects garbage until the second is
// reported: only it may be.
func TestDroppedScopeIsReported(t *testing.T) {
	reports := make(chan string, 4)
	saved := dropped
	dropped = func(msg string) { reports <- msg }
	defer func() { dropped = saved }()

	func() {
		waited, _ := New(context.Background(), WithName("waited-7c1"), WithTracking(TrackDropped))
		if err := waited.Wait(); err != nil {
			t.Error(err)
		}
		New(context.Background(), WithName("dropped-7c1"), WithTracking(TrackDropped))
	}()
	// Cleanups run on their own goroutine after a collection: poll, with a
	// deadline, rather than guess how long that takes.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		select {
		case msg := <-reports:
			if strings.Contains(msg, "waited-7c1") {
				t.Fatalf("a waited scope was reported: %s", msg)
			}
			if !strings.HasPrefix(msg, `scope: scope "dropped-7c1" (made at `) || !strings.Contains(msg, "debug_internal_test.go:") ||
				!strings.Contains(msg, "dropped without Wait") {
				t.Fatalf("got report %q; want it to name the scope, where it was made, and what to do", msg)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the dropped scope was never reported")
}
