package scope_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/structuredgo/scope"
	"golang.org/x/sync/semaphore"
)

// A long-lived New scope drops each task as it returns: after many short
// tasks its heap is back where it started and Tasks() is empty. (The million
// runs in the soak test; this is the short wave.)
func TestLongLivedScopeDoesNotGrow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const waves, perWave = 200, 1000
		s, _ := scope.New(bg)
		defer s.Wait()
		wave := func() {
			for i := range perWave {
				if i%2 == 0 {
					s.Go(func(context.Context) error { return nil })
				} else { // a task with a context of its own, released when it ends
					scope.Spawn(s, func(context.Context) (int, error) { return i, nil })
				}
			}
			synctest.Wait() // every task has returned and its goroutine ended
		}
		// Warm up, with all perWave tasks alive at once: the runtime keeps
		// every goroutine descriptor it ever made (on the heap), so the peak
		// must be reached before the first measure, not in some later wave.
		release := make(chan struct{})
		for range perWave {
			s.Go(func(context.Context) error { <-release; return nil })
		}
		synctest.Wait()
		close(release)
		synctest.Wait()
		wave() // and size classes, pools
		before := heapInUse()
		for range waves {
			wave()
		}
		if n := len(s.Tasks()); n > 0 {
			t.Fatalf("Tasks() lists %d tasks after every task returned; want none", n)
		}
		after := heapInUse()
		grown := int64(after) - int64(before)
		t.Logf("grew %d", grown)
		if grown > 1<<20 {
			t.Fatalf("heap grew by %d bytes over %d tasks; want the finished tasks released", grown, waves*perWave)
		}
	})
}

// heapInUse returns the bytes of live heap objects. Two collections: the
// first moves sync.Pool's cached objects (recycled task structs among them)
// to its victim cache, the second drops them, so only what is still
// referenced counts. HeapAlloc, not HeapInuse, so that half-used spans do
// not count.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A dependency that reports ctx.Err() rather than the cause, as x/sync's
// semaphore does, is cancellation noise: Wait reports the real cause.
func TestDependencyReportingCtxErrGivesTheRealCause(t *testing.T) {
	boom := errors.New("boom")
	sem := semaphore.NewWeighted(1)
	sem.Acquire(bg, 1) // held: the tasks below block in Acquire
	defer sem.Release(1)
	acquire := func(ctx context.Context) error { return sem.Acquire(ctx, 1) }

	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(acquire)
		s.Go(acquire)
		s.Go(func(context.Context) error { return boom })
		return nil
	})
	if e := asError(t, err); len(e.Errors()) != 1 || e.Errors()[0] != boom {
		t.Errorf("Run = %v; want only boom", err)
	}

	stop := errors.New("parent stop")
	parent, cancel := context.WithCancelCause(bg)
	err = scope.Run(parent, func(ctx context.Context, s *scope.Scope) error {
		s.Go(acquire)
		cancel(stop)
		return nil
	})
	if err != stop {
		t.Errorf("Run = %v; want the parent's cause, not context.Canceled", err)
	}
}
