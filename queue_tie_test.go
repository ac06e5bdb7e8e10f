package scope_test

import (
	"context"
	"errors"
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
