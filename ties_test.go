package scope_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// atTheDeadline runs op, a blocking queue call with a ctx whose deadline is
// one second away, while another goroutine acts on q at that same instant
// of fake time. It does so many times, for a tie that went either way by
// the scheduler's pick went so in about half the runs.
func atTheDeadline(t *testing.T, setup func(q *scope.Queue[int]), act func(q *scope.Queue[int]), op func(ctx context.Context, q *scope.Queue[int]) error, check func(t *testing.T, q *scope.Queue[int])) {
	t.Helper()
	for range 200 {
		synctest.Test(t, func(t *testing.T) {
			q := scope.NewQueue[int](1)
			setup(q)
			done := make(chan struct{})
			go func() {
				defer close(done)
				time.Sleep(time.Second)
				act(q)
			}()
			ctx, cancel := context.WithTimeout(bg, time.Second)
			defer cancel()
			if err := op(ctx, q); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the call at its deadline returned %v; want the deadline to win", err)
			}
			<-done
			check(t, q)
		})
	}
}

func wantLen(n int) func(t *testing.T, q *scope.Queue[int]) {
	return func(t *testing.T, q *scope.Queue[int]) {
		if q.Len() != n {
			t.Fatalf("Len = %d after the tie; want %d", q.Len(), n)
		}
	}
}

func none(*scope.Queue[int]) {}

// A Get whose deadline falls as an item is put gives up, and the item stays
// queued: at one instant the deadline wins, as in asyncio.
func TestGetAtItsDeadlineGivesUpAndLeavesTheItem(t *testing.T) {
	atTheDeadline(t, none,
		func(q *scope.Queue[int]) { _ = q.Put(bg, 1) },
		func(ctx context.Context, q *scope.Queue[int]) error { _, err := q.Get(ctx); return err },
		wantLen(1))
}

// A Put whose deadline falls as room is made gives up, adding nothing.
func TestPutAtItsDeadlineGivesUpAndAddsNothing(t *testing.T) {
	atTheDeadline(t,
		func(q *scope.Queue[int]) { _ = q.TryPut(0) },
		func(q *scope.Queue[int]) { _, _ = q.Get(bg) },
		func(ctx context.Context, q *scope.Queue[int]) error { return q.Put(ctx, 1) },
		wantLen(0))
}

// A Join whose deadline falls as the last item is marked done reports the
// deadline.
func TestJoinAtItsDeadlineReportsIt(t *testing.T) {
	atTheDeadline(t,
		func(q *scope.Queue[int]) { _ = q.TryPut(0); _, _ = q.TryGet() },
		func(q *scope.Queue[int]) { q.TaskDone() },
		func(ctx context.Context, q *scope.Queue[int]) error { return q.Join(ctx) },
		func(t *testing.T, q *scope.Queue[int]) {
			if err := q.Join(bg); err != nil {
				t.Fatalf("Join after the tie = %v; want nil", err)
			}
		})
}

// A Get whose deadline falls as the queue shuts down reports the deadline,
// not the shutdown.
func TestGetAtItsDeadlineBeatsAShutdown(t *testing.T) {
	atTheDeadline(t, none,
		func(q *scope.Queue[int]) { q.Shutdown() },
		func(ctx context.Context, q *scope.Queue[int]) error { _, err := q.Get(ctx); return err },
		func(t *testing.T, q *scope.Queue[int]) {
			if _, err := q.Get(bg); !errors.Is(err, scope.ErrQueueShutDown) {
				t.Fatalf("Get after the tie = %v; want ErrQueueShutDown", err)
			}
		})
}

// A late waiter is skipped, not lost: the next Get in line, with no
// deadline, is handed the item put at the first one's deadline.
func TestLateGetIsSkippedForTheNextInLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](0)
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		late := make(chan error, 1)
		go func() { _, err := q.Get(ctx); late <- err }()
		synctest.Wait()
		got := make(chan int, 1)
		go func() { v, _ := q.Get(bg); got <- v }()
		synctest.Wait()
		time.Sleep(time.Second)
		if err := q.Put(bg, 7); err != nil {
			t.Fatal(err)
		}
		if err := <-late; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the late Get returned %v; want DeadlineExceeded", err)
		}
		if v := <-got; v != 7 {
			t.Fatalf("the next Get got %d; want 7", v)
		}
	})
}

// Ties between a scope's deadline and its work at the same instant: the
// scope is late, and acts as if its deadline had ended it.

// sameInstant runs body in a bubble many times; each tie below went either
// way in about half the runs before the scope looked at the clock.
func sameInstant(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	for range 200 {
		synctest.Test(t, body)
	}
}

// A parent's deadline and the scope's last task at one instant: Run reports
// the deadline.
func TestParentDeadlineAsTheLastTaskEndsIsReported(t *testing.T) {
	sameInstant(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { time.Sleep(time.Second); return nil })
			return nil
		})
		if err != context.DeadlineExceeded {
			t.Fatalf("Run = %v; want DeadlineExceeded", err)
		}
	})
}

// A parent made by WithDeadlineCause, whose deadline comes as the scope's
// last task ends: Run reports the parent's own cause, every run.
func TestParentDeadlineCauseAsTheLastTaskEndsIsReported(t *testing.T) {
	late := errors.New("request budget spent")
	sameInstant(t, func(t *testing.T) {
		ctx, cancel := context.WithDeadlineCause(bg, time.Now().Add(time.Second), late)
		defer cancel()
		err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { time.Sleep(time.Second); return nil })
			return nil
		})
		if err != late {
			t.Fatalf("Run = %v; want the parent's cause", err)
		}
	})
}

// A Cancel at the scope's deadline's instant comes after the deadline:
// Wait reports the deadline, not a clean stop.
func TestCancelAtTheDeadlineIsLate(t *testing.T) {
	sameInstant(t, func(t *testing.T) {
		s, _ := scope.New(bg, scope.WithTimeout(time.Second))
		s.Go(func(context.Context) error {
			time.Sleep(time.Second)
			s.Cancel(nil)
			if s.Context().Err() == nil {
				t.Error("Cancel returned with the scope's context live")
			}
			return nil
		})
		if err := s.Wait(); err != context.DeadlineExceeded {
			t.Fatalf("Wait = %v; want DeadlineExceeded", err)
		}
	})
}

// A task's own context with the scope's deadline may end before the
// scope's: its DeadlineExceeded is noise, not a failure.
func TestTaskTimingOutWithTheScopeIsNoise(t *testing.T) {
	sameInstant(t, func(t *testing.T) {
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				ctx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				<-ctx.Done()
				return fmt.Errorf("fetch: %w", ctx.Err())
			})
			return nil
		}, scope.WithTimeout(time.Second))
		if err != context.DeadlineExceeded {
			t.Fatalf("Run = %v; want DeadlineExceeded alone", err)
		}
	})
}

// A Spawn at the scope's deadline starts nothing, and its Task reports the
// deadline.
func TestSpawnAtTheDeadlineStartsNothing(t *testing.T) {
	sameInstant(t, func(t *testing.T) {
		var ran atomic.Bool
		var got error
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error {
				time.Sleep(time.Second)
				task := scope.Spawn(s, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
				_, got = task.Result()
				return nil
			})
			return nil
		}, scope.WithTimeout(time.Second))
		if ran.Load() || got != context.DeadlineExceeded || err != context.DeadlineExceeded {
			t.Fatalf("ran %v, Result %v, Run %v; want not run, and the deadline twice", ran.Load(), got, err)
		}
	})
}

// A task under a full limit that ends at the scope's deadline does not hand
// its slot to the task waiting for it: the deadline, due at that instant,
// comes first, and the waiting task is dropped unrun, as one waiting on a
// semaphore under asyncio's timeout is cancelled. Both for a Go blocked on
// the limit and for a Spawn's task.
func TestSlotFreedAtTheDeadlineIsNotHandedOn(t *testing.T) {
	sameInstant(t, func(t *testing.T) {
		var ran atomic.Int32
		var waited error
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { time.Sleep(time.Second); ran.Add(1); return nil })
			task := scope.Spawn(s, func(context.Context) (int, error) { ran.Add(1); return 1, nil })
			s.Go(func(context.Context) error { ran.Add(1); return nil }) // blocks the body
			_, waited = task.Result()
			return nil
		}, scope.WithLimit(1), scope.WithTimeout(time.Second))
		if ran.Load() != 1 || waited != context.DeadlineExceeded || err != context.DeadlineExceeded {
			t.Fatalf("%d ran, Spawn's Result %v, Run %v; want only the first, and the deadline twice", ran.Load(), waited, err)
		}
	})
}

// A Join woken by a queue done before its deadline, whose goroutine runs
// late, after the deadline, returns nil: the deadline wins only when it had
// passed as the queue was done. With one processor held by a busy loop,
// Join's goroutine runs only once the loop is preempted (10ms or more).
func TestJoinWokenLateForAQueueDoneInTimeReturnsNil(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range 5 {
		q := scope.NewQueue[int](0)
		_ = q.TryPut(1)
		_, _ = q.TryGet()
		s, _ := scope.New(bg, tracked)
		joined := make(chan error, 1)
		s.Go(func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
			defer cancel()
			joined <- q.Join(ctx)
			return nil
		})
		for len(s.Tasks()) == 0 || s.Tasks()[0].WaitsOn != "Queue.Join" {
			runtime.Gosched() // until Join is in its select
		}
		q.TaskDone()
		for start := time.Now(); time.Since(start) < 20*time.Millisecond; {
			// hold the only processor past the deadline
		}
		if err := <-joined; err != nil {
			t.Fatalf("Join = %v for a queue done before its deadline; want nil", err)
		}
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// detached drops its context's cancellation but forgets its Deadline: a
// context whose deadline no Done backs.
type detached struct{ context.Context }

func (detached) Done() <-chan struct{} { return nil }
func (detached) Err() error            { return nil }

// A deadline decides ties at its very instant only, for a context whose
// Done backs it; a scope or queue under a context whose Deadline has passed
// but can never end goes on as if it had none: no refused work, no hang.
func TestADeadlineNoDoneBacksIsNone(t *testing.T) {
	t.Run("scope", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			expired, cancel := context.WithTimeout(bg, time.Second)
			defer cancel()
			<-expired.Done() // now is its deadline's instant
			var ran atomic.Bool
			err := scope.Run(detached{expired}, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(context.Context) error { ran.Store(true); return nil })
				return nil
			}, scope.WithLimit(1))
			if err != nil || !ran.Load() {
				t.Fatalf("Run = %v, task ran %v; want nil, and the task run", err, ran.Load())
			}
		})
	})
	t.Run("queue", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			expired, cancel := context.WithTimeout(bg, time.Second)
			defer cancel()
			q := scope.NewQueue[int](0)
			ctx, stop := context.WithCancel(detached{expired}) // a Done that never closes
			defer stop()
			got := make(chan int, 1)
			go func() { v, _ := q.Get(ctx); got <- v }()
			<-expired.Done() // the Get waits past its context's deadline's instant
			synctest.Wait()
			if err := q.Put(bg, 7); err != nil {
				t.Fatal(err)
			}
			if v := <-got; v != 7 || q.Len() != 0 {
				t.Fatalf("the Get got %d, %d left; want 7, none", v, q.Len())
			}
		})
	})
}

// slowDone stands in for a goroutine descheduled before it reaches its
// select: its first Done call takes ten seconds of the bubble's clock, while
// the events it waits for happen.
type slowDone struct {
	context.Context
	calls atomic.Int32
}

func (c *slowDone) Done() <-chan struct{} {
	if c.calls.Add(1) == 1 {
		time.Sleep(10 * time.Second)
	}
	return c.Context.Done()
}

// A Join and a Sleep whose goroutine reaches its select late, with both
// the event and the ctx's later deadline ready, answer by the times, not by
// the select's pick: the queue was done, the sleep was over, in time.
func TestLateSelectsAnswerByTheTimes(t *testing.T) {
	for range 100 {
		synctest.Test(t, func(t *testing.T) {
			timed, cancel := context.WithTimeout(bg, 2*time.Second)
			defer cancel()
			if err := scope.Sleep(&slowDone{Context: timed}, time.Second); err != nil {
				t.Fatalf("Sleep(1s) = %v under a deadline at 2s; want nil", err)
			}
		})
		synctest.Test(t, func(t *testing.T) {
			timed, cancel := context.WithTimeout(bg, 2*time.Second)
			defer cancel()
			q := scope.NewQueue[int](0)
			_ = q.TryPut(1)
			_, _ = q.TryGet()
			go func() { time.Sleep(time.Second); q.TaskDone() }()
			if err := q.Join(&slowDone{Context: timed}); err != nil {
				t.Fatalf("Join = %v for a queue done at 1s under a deadline at 2s; want nil", err)
			}
		})
	}
}
