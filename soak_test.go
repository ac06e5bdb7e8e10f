package scope_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// soakGrowth bounds how far the live heap may end above where it started.
// Two collections drop sync.Pool's caches, and the warm-up wave reaches the
// peak of live goroutines first (the runtime keeps every goroutine
// descriptor it made), so what is left is noise of the runtime's own. 1 MiB
// is less than one byte per task over the long run's million, and less than
// half of one leaked task struct (128 bytes) per task over the short run's
// 20,000: a scope that kept anything per finished task would cross it.
const soakGrowth = 1 << 20

// TestSoak runs waves of short tasks through one long-lived New scope, as a
// server's background tasks do, and checks that finished tasks are released:
// the live heap is back near where it started and Tasks() is empty. By
// default 20 waves of 1,000; SCOPE_SOAK=1 runs 1,000 waves, a million tasks.
// go test -v shows the figures.
func TestSoak(t *testing.T) {
	waves, perWave := 20, 1000
	if os.Getenv("SCOPE_SOAK") != "" {
		waves = 1000
	}
	var fig soakFigures
	start := time.Now() // outside the bubble, whose clock is fake
	synctest.Test(t, func(t *testing.T) { fig = soak(t, waves, perWave) })
	t.Logf("%d tasks in %d waves of %d, %v: heap before %s, peak %s (all of a wave live), after %s (grew %+d bytes)",
		waves*perWave, waves, perWave, time.Since(start).Round(time.Millisecond),
		kib(fig.before), kib(fig.peak), kib(fig.after), int64(fig.after)-int64(fig.before))
	if grown := int64(fig.after) - int64(fig.before); grown > soakGrowth {
		t.Fatalf("live heap grew by %d bytes over %d tasks; want at most %d: finished tasks are kept", grown, waves*perWave, soakGrowth)
	}
}

type soakFigures struct{ before, peak, after uint64 }

// soak runs the waves in a bubble, so that synctest.Wait tells when every
// task of a wave is blocked, or has returned and its goroutine ended.
func soak(t *testing.T, waves, perWave int) soakFigures {
	s, _ := scope.New(context.Background(), scope.WithName("soak"))
	defer s.Wait()
	peak := soakWave(t, s, perWave) // warm-up: goroutine descriptors, size classes, pools
	fig := soakFigures{before: heapInUse(), peak: peak}
	for range waves {
		fig.peak = max(fig.peak, soakWave(t, s, perWave))
	}
	if n := len(s.Tasks()); n > 0 {
		t.Fatalf("Tasks() lists %d tasks after every task returned; want none", n)
	}
	fig.after = heapInUse()
	return fig
}

// soakWave starts n tasks, the ways a server would (Go, TryGo, Spawn with
// the Task discarded, Start, named and not), all alive at once; measures
// the heap then; releases them and waits until every one has ended. It
// returns the heap at the wave's peak.
func soakWave(t *testing.T, s *scope.Scope, n int) uint64 {
	release := make(chan struct{})
	wait := func(context.Context) error { <-release; return nil }
	for i := range n {
		switch i % 5 {
		case 0:
			s.Go(wait)
		case 1:
			s.Go(wait, scope.Named("worker"))
		case 2:
			if !s.TryGo(wait) {
				t.Fatal("TryGo refused a live scope without a limit")
			}
		case 3:
			scope.Spawn(s, func(ctx context.Context) (int, error) { return i, wait(ctx) })
		case 4:
			scope.Start(s, func(ctx context.Context, ready func(int)) error { ready(i); return wait(ctx) })
		}
	}
	synctest.Wait()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if got := len(s.Tasks()); got != n {
		t.Fatalf("Tasks() lists %d tasks with the wave's %d alive", got, n)
	}
	close(release)
	synctest.Wait()
	return m.HeapAlloc
}

func kib(b uint64) string { return fmt.Sprintf("%d KiB", b>>10) }
