package scope_test

import (
	"context"
	"errors"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

func TestLimitBoundsConcurrency(t *testing.T) {
	for _, limit := range []int{1, 2, 8} {
		var now, peak atomic.Int32
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			for range 200 {
				s.Go(func(context.Context) error {
					n := now.Add(1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					now.Add(-1)
					return nil
				})
			}
			return nil
		}, scope.WithLimit(limit))
		if err != nil || peak.Load() > int32(limit) || peak.Load() < 1 {
			t.Errorf("limit %d: Run = %v, peak %d running", limit, err, peak.Load())
		}
	}
}

// Go blocks while the limit is full; its task is listed as waiting, counted
// by Wait, and started by the slot a finishing task hands over.
func TestGoBlocksOnFullLimitAndTaskWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg, scope.WithLimit(1))
		release := make(chan struct{})
		s.Go(func(context.Context) error { <-release; return nil }, scope.Named("first"))
		if s.TryGo(func(context.Context) error { return nil }) { // task-2
			t.Errorf("TryGo with the limit full = true; want false")
		}
		var secondRan atomic.Bool
		returned := make(chan struct{})
		go func() {
			s.Go(func(context.Context) error { secondRan.Store(true); return nil }) // task-3
			close(returned)
		}()
		synctest.Wait() // Go is durably blocked on the limit
		want := []scope.TaskInfo{{Name: "first", State: scope.StateRunning}, {Name: "task-3", State: scope.StateWaiting}}
		if got := s.Tasks(); !sameTasks(got, want) {
			t.Errorf("Tasks() = %v; want %v", got, want)
		}
		waited := make(chan error)
		go func() { waited <- s.Wait() }()
		synctest.Wait()
		select {
		case <-waited:
			t.Fatalf("Wait returned while a task waited for the limit")
		default:
		}
		close(release)
		<-returned
		if err := <-waited; err != nil || !secondRan.Load() {
			t.Fatalf("Wait = %v, second ran %v; want nil, true", err, secondRan.Load())
		}
	})
}

func TestGoGivesUpWhenScopeIsCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg, scope.WithLimit(1))
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return nil })
		var ran atomic.Bool
		returned := make(chan struct{})
		go func() {
			s.Go(func(context.Context) error { ran.Store(true); return nil })
			close(returned)
		}()
		synctest.Wait()
		s.Cancel(errors.New("stop"))
		<-returned
		if err := s.Wait(); err != nil || ran.Load() {
			t.Fatalf("Wait = %v, waiting task ran %v; want nil, false", err, ran.Load())
		}
	})
}

// A parent cancelled while Go is blocked on the limit: Go returns, the task
// never runs, and Wait reports the parent's cause.
func TestParentCancelledWhileGoBlocksOnLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := errors.New("parent stop")
		parent, cancel := context.WithCancelCause(bg)
		s, _ := scope.New(parent, scope.WithLimit(1))
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		returned := make(chan struct{})
		go func() {
			s.Go(func(context.Context) error { t.Error("the waiting task ran"); return nil })
			close(returned)
		}()
		synctest.Wait()
		cancel(stop)
		<-returned
		if err := s.Wait(); err != stop {
			t.Fatalf("Wait = %v; want the parent's cause", err)
		}
	})
}

func TestWaitingTasksStartInCallOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg, scope.WithLimit(1))
		release := make(chan struct{})
		s.Go(func(context.Context) error { <-release; return nil })
		var order []int
		for i := range 5 {
			go s.Go(func(context.Context) error { order = append(order, i); return nil })
			synctest.Wait() // each caller queues before the next one calls
		}
		close(release)
		s.Wait()
		for i, v := range order {
			if v != i {
				t.Fatalf("order %v; want 0 1 2 3 4", order)
			}
		}
		if len(order) != 5 {
			t.Fatalf("%d waiting tasks ran; want 5", len(order))
		}
	})
}

// A task that spawns into its own full scope waits for a sibling's slot.
func TestTaskSpawnsIntoItsOwnFullScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg, scope.WithLimit(2))
		finishB := make(chan struct{})
		spawned := make(chan struct{})
		var childRan atomic.Bool
		s.Go(func(context.Context) error { <-finishB; return nil }, scope.Named("b"))
		s.Go(func(context.Context) error {
			s.Go(func(context.Context) error { childRan.Store(true); return nil })
			close(spawned)
			return nil
		}, scope.Named("a"))
		synctest.Wait()
		select {
		case <-spawned:
			t.Fatalf("Go into the full scope returned before a slot freed")
		default:
		}
		close(finishB)
		<-spawned
		if err := s.Wait(); err != nil || !childRan.Load() {
			t.Fatalf("Wait = %v, child ran %v; want nil, true", err, childRan.Load())
		}
	})
}

func TestCancelledScopeStartsNoWaitingTask(t *testing.T) {
	var ran atomic.Int32
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return errors.New("fail") })
		for range 100 {
			s.Go(func(ctx context.Context) error {
				if ctx.Err() != nil {
					ran.Add(1) // started after the cancellation
				}
				return nil
			})
		}
		return nil
	}, scope.WithLimit(1))
	if asError(t, err); ran.Load() != 0 {
		t.Fatalf("%d tasks started after the scope was cancelled; want 0", ran.Load())
	}
}

// A New scope with a limit, made outside a testing/synctest bubble and given
// a task inside one, runs the task inside the bubble, on the bubble's clock,
// and leaves nothing behind in it: the bubble's test ends and the scope's
// Wait, outside, returns. With an idle worker kept from the task before the
// bubble, the task ran outside the bubble and its close of the bubble's
// channel was a fatal error; with one idle inside, the bubble's test ended
// with a goroutine still blocked in it.
func TestNewScopeWithALimitServesASynctestBubble(t *testing.T) {
	s, _ := scope.New(bg, scope.WithLimit(2))
	ran := make(chan struct{})
	s.Go(func(context.Context) error { close(ran); return nil })
	<-ran
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		done := make(chan struct{}) // the bubble's
		s.Go(func(ctx context.Context) error {
			time.Sleep(time.Second)
			close(done)
			return nil
		})
		<-done
		if d := time.Since(start); d != time.Second {
			t.Errorf("the task slept %v; want exactly 1s of the bubble's fake time", d)
		}
	})
	if err := s.Wait(); err != nil {
		t.Fatalf("Wait = %v; want nil", err)
	}
}

// goroutinesCreated counts the goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Run's scope under a limit keeps its goroutines for the next task, also
// when its callers wait for each spawned task's Done before the next Spawn:
// Done closes as the worker finishes, and a Spawn just after must find that
// worker idle, not start another.
func TestSpawnUnderALimitReusesItsWorkers(t *testing.T) {
	const spawners = 4
	for _, limit := range []int{1, 2} {
		before := goroutinesCreated()
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			var wg sync.WaitGroup
			for range spawners {
				wg.Go(func() {
					for i := range 500 {
						<-scope.Spawn(s, func(context.Context) (int, error) { return i, nil }).Done()
					}
				})
			}
			wg.Wait()
			return nil
		}, scope.WithLimit(limit))
		if n := goroutinesCreated() - before - spawners; n > uint64(limit)+2 {
			t.Errorf("limit %d: 2,000 tasks started %d goroutines besides the %d spawners; want about %d", limit, n, spawners, limit)
		}
	}
}
