package scope_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// A bounded queue of any kind moves items without allocating once it has
// grown to its size (doc/benchmarks.md's 0 allocations an item): the
// priority queue's heap is typed, where container/heap's Push and Pop
// would box every item twice.
func TestBoundedQueueAllocatesNothingPerItem(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates on its own account")
	}
	less := func(a, b int) bool { return a < b }
	for name, q := range map[string]*scope.Queue[int]{
		"FIFO":     scope.NewQueue[int](64),
		"LIFO":     scope.NewLIFOQueue[int](64),
		"priority": scope.NewPriorityQueue(64, less),
	} {
		for i := range 32 { // half full, the backing array grown
			q.TryPut(i)
		}
		ctx := context.Background()
		n := 0
		allocs := testing.AllocsPerRun(1000, func() {
			n++
			q.Put(ctx, n%97)
			q.Get(ctx)
			q.TryPut(n % 89)
			q.TryGet()
		})
		if allocs != 0 {
			t.Errorf("%s queue: %v allocations a put and get; want 0", name, allocs/2)
		}
	}
}

// A Get that waits, with a context that can end and has a deadline, costs
// no allocation either: the waiter is reused, and a deadline is kept only
// when it is on a synctest bubble's clock.
func TestWaitingGetAllocatesNothing(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates on its own account")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	q := scope.NewQueue[int](1)
	got, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			if _, err := q.Get(ctx); err != nil {
				return
			}
			got <- struct{}{}
		}
	}()
	allocs := testing.AllocsPerRun(1000, func() {
		q.Put(ctx, 1) // mostly to the Get that waits for it
		<-got
	})
	cancel()
	<-stopped
	if allocs >= 0.5 {
		t.Errorf("%v allocations an item handed to a waiting Get; want 0", allocs)
	}
}

// A priority queue's less is the caller's code. If it panics, the panic
// reaches the caller of the Put or Get that called it, which changed
// nothing: the queue's lock is free, every item is still there in order,
// a blocked Put still waits, and Join counts right.
func TestPriorityLessThatPanicsLeavesTheQueueUsable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var angry atomic.Bool
		q := scope.NewPriorityQueue(4, func(a, b int) bool {
			if angry.Load() {
				panic("cannot compare")
			}
			return a < b
		})
		ctx := context.Background()
		for _, v := range []int{30, 10, 40} {
			q.TryPut(v)
		}
		angry.Store(true)
		mustPanicAndChangeNothing := func(name string, call func(), n int) {
			t.Helper()
			if got := panicValue(call); got != "cannot compare" {
				t.Fatalf("%s: panicked with %v; want less's panic", name, got)
			}
			if q.Len() != n { // would block for good if the lock were held
				t.Fatalf("after %s panicked: Len() = %d; want %d, nothing changed", name, q.Len(), n)
			}
		}
		mustPanicAndChangeNothing("TryPut", func() { q.TryPut(25) }, 3)
		mustPanicAndChangeNothing("Put", func() { q.Put(ctx, 25) }, 3)
		angry.Store(false)

		q.TryPut(20)
		blocked := make(chan error)
		go func() { blocked <- q.Put(ctx, 5) }() // full: waits for room
		synctest.Wait()
		angry.Store(true)
		mustPanicAndChangeNothing("TryGet", func() { q.TryGet() }, 4) // would move the blocked 5 in
		mustPanicAndChangeNothing("Get", func() { q.Get(ctx) }, 4)
		angry.Store(false)

		var got []int
		for range 5 {
			v, err := q.Get(ctx)
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			got = append(got, v)
			q.TaskDone()
			if len(got) == 1 {
				if err := <-blocked; err != nil { // the first Get made room
					t.Fatalf("blocked Put = %v; want nil", err)
				}
			}
		}
		if want := []int{10, 5, 20, 30, 40}; !slices.Equal(got, want) {
			t.Errorf("got %v; want %v: 10 first, then the 5 moved in, then the rest", got, want)
		}
		if err := q.Join(ctx); err != nil {
			t.Errorf("Join = %v; want nil: every item got was marked done", err)
		}
	})
}

// panicValue calls f and returns what it panicked with, or nil.
func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// A blocked Put whose item less panics on gets the panic itself, when a Get
// makes room, as Python's put raises the heap's TypeError to its caller:
// the Get succeeds, the item is not added, and the next blocked Put moves
// in.
func TestPriorityPoisonItemPanicsItsOwnPut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewPriorityQueue(2, func(a, b int) bool {
			if a == 99 || b == 99 {
				panic("cannot compare 99")
			}
			return a < b
		})
		ctx := context.Background()
		q.TryPut(2)
		q.TryPut(1)
		poisoned := make(chan any)
		go func() {
			defer func() { poisoned <- recover() }()
			q.Put(ctx, 99)
		}()
		synctest.Wait() // the 99 waits first
		third := make(chan error)
		go func() { third <- q.Put(ctx, 3) }()
		synctest.Wait()

		if v, err := q.Get(ctx); v != 1 || err != nil {
			t.Fatalf("Get = %v, %v; want 1: the Get that made room succeeds", v, err)
		}
		if p := <-poisoned; p != "cannot compare 99" {
			t.Fatalf("the 99's Put panicked with %v; want less's panic", p)
		}
		if err := <-third; err != nil {
			t.Fatalf("the next blocked Put = %v; want its 3 moved in", err)
		}
		got := []int{1}
		for q.Len() > 0 {
			v, _ := q.Get(ctx)
			got = append(got, v)
		}
		if want := []int{1, 2, 3}; !slices.Equal(got, want) {
			t.Errorf("got %v; want %v, and no 99", got, want)
		}
		for range got {
			q.TaskDone()
		}
		if err := q.Join(ctx); err != nil {
			t.Errorf("Join = %v; want nil", err)
		}
	})
}
