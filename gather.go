package scope

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one outcome of [Settle] or [AsCompleted]: the function's index
// among the arguments, and what it returned.
type Result[T any] struct {
	Index int
	Value T
	Err   error
}

// Gather runs fns at once, each in a task of its own scope, and returns their
// values in argument order: asyncio.gather. It fails fast like [Run]: the
// first failure cancels the rest, and Gather returns a nil slice with the
// [*Error] of every failure (or the parent's cause). A panic cancels the rest
// and re-panics once they have returned. Its tasks are task-1 to task-n in
// argument order: the *Error names fns[i]'s failure task-(i+1). Gather()
// returns an empty slice and nil, even if ctx is done: there is nothing to
// wait for, as asyncio's gather() of nothing is a future already done.
//
// Gather panics if ctx is nil, or, before anything starts, if a function
// is nil.
func Gather[T any](ctx context.Context, fns ...func(context.Context) (T, error)) ([]T, error) {
	needContext(ctx)
	checkFuncs("Gather", fns)
	if len(fns) == 0 {
		return []T{}, nil
	}
	values := make([]T, len(fns))
	err := Run(ctx, func(ctx context.Context, s *Scope) error {
		for i, fn := range fns {
			s.Go(func(ctx context.Context) error {
				v, err := fn(ctx)
				values[i] = v // each task its own slot; read after Run
				return err
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return values, nil
}

// Settle runs fns at once and returns every outcome in argument order, errors
// included, for the caller to sort out: asyncio.gather(...,
// return_exceptions=True). No failure cancels the others; a panic does, and
// re-panics once they have returned. A function that never started because
// ctx was done has the cause as its Err. Settle of no functions returns an
// empty slice, as [Gather] of none does.
//
// Settle panics, before anything starts, if a function is nil.
func Settle[T any](ctx context.Context, fns ...func(context.Context) (T, error)) []Result[T] {
	checkFuncs("Settle", fns)
	tasks := make([]*Task[T], len(fns))
	Run(ctx, func(ctx context.Context, s *Scope) error {
		for i, fn := range fns {
			tasks[i] = Spawn(s, fn)
		}
		return nil
	}, supervisePanics) // every failure is in the results: Run's error adds nothing
	results := make([]Result[T], len(fns))
	for i, t := range tasks {
		v, err := t.Result()
		results[i] = Result[T]{Index: i, Value: v, Err: err}
	}
	return results
}

// Race runs fns at once and returns the first success; the rest are
// cancelled (a clean stop) and whatever they return afterwards is dropped.
// If none succeeds, Race returns the [*Error] of every failure, or the
// parent's cause if the parent ended it. A panic cancels the others and
// re-panics once they have returned. Of successes at one instant (of a
// testing/synctest bubble's fake time), the first function's wins.
//
// Race panics if there are no functions (asyncio.wait rejects an empty set),
// or, before anything starts, if a function is nil.
func Race[T any](ctx context.Context, fns ...func(context.Context) (T, error)) (T, error) {
	if len(fns) == 0 {
		panic("scope: Race with no functions; pass at least one")
	}
	checkFuncs("Race", fns)
	var w race[T]
	err := Run(ctx, func(ctx context.Context, s *Scope) error {
		for i, fn := range fns {
			s.Go(func(ctx context.Context) error {
				v, err := fn(ctx)
				if err == nil && w.win(i, v) {
					s.Cancel(nil)
				}
				return err
			})
		}
		return nil
	}, supervisePanics)
	if w.won {
		return w.value, nil
	}
	var zero T
	return zero, err
}

// A race keeps Race's winner: the first success, or of successes at one
// instant (of a testing/synctest bubble's fake time, say) the first
// function's, as asyncio, which resumes tasks in the order their timers
// were set, would see it.
type race[T any] struct {
	mu    sync.Mutex
	won   bool
	index int
	at    time.Time
	value T
}

// win offers the success v of function i, and reports whether it is the
// first.
func (r *race[T]) win(i int, v T) (first bool) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.won || now.Equal(r.at) && i < r.index {
		first = !r.won
		r.won, r.index, r.at, r.value = true, i, now, v
	}
	return first
}

// Map calls fn on every item, in tasks of its own scope, and returns the
// results in the items' order. It takes a scope's options: without
// [WithLimit] every item runs at once, in a task of its own, as
// asyncio.gather would; with it, at most n at a time, on n tasks that take
// the items in turn (as conc's iter.Map does), so a failure is named by its
// task, task-1 to task-n, not by its item: wrap fn's error with the item
// where that matters. It fails fast like [Run], returning a nil slice with
// the [*Error]; under [Supervise] every item runs in a task of its own and
// the slice always comes back beside the error: the *Error of the items
// that failed, or, if ctx ended (or the scope's deadline passed) with none
// failed, that cancellation. The slot of an item that failed, or that ctx
// or the deadline cut off, holds the zero value; the *Error names the
// failed ones. Under Supervise a panic still cancels the other items, as
// in [Settle]: it re-panics once they have returned. A task of its own for
// each item is task-(i+1) for items[i], as in [Gather]. Map with no items
// returns an empty slice and nil, as [Gather] of nothing does, whatever
// ctx and opts say.
//
// Map panics if ctx or fn is nil.
func Map[In, Out any](ctx context.Context, items []In, fn func(context.Context, In) (Out, error), opts ...Option) ([]Out, error) {
	needContext(ctx)
	if fn == nil {
		panic("scope: Map with a nil function; pass the function to call on each item")
	}
	if len(items) == 0 {
		for _, o := range opts {
			checkOption(o)
		}
		return []Out{}, nil
	}
	out := make([]Out, len(items))
	supervised := false
	opts = append(opts[:len(opts):len(opts)], panicsCancel) // never into the caller's array
	err := Run(ctx, func(ctx context.Context, s *Scope) error {
		supervised = s.cfg.supervise
		if n := s.cfg.limit; n > 0 && n < len(items) && !supervised {
			mapWorkers(s, n, items, out, fn)
			return nil
		}
		for i, item := range items {
			s.Go(func(ctx context.Context) error {
				v, err := fn(ctx, item)
				if err == nil {
					out[i] = v
				}
				return err
			})
		}
		return nil
	}, opts...)
	if err != nil && !supervised {
		return nil, err // failed fast: the slots of the items cut off hold nothing
	}
	return out, err
}

// mapWorkers runs Map under a limit of n, failing fast: n tasks, each taking
// the next item until none is left or the scope is cancelled, so that a batch
// costs n goroutines, not one per item (conc's iter.Map does the same; bench/
// BenchmarkOrdered). A task per item is kept under Supervise, where each
// failed item is its own entry in the *Error.
func mapWorkers[In, Out any](s *Scope, n int, items []In, out []Out, fn func(context.Context, In) (Out, error)) {
	var next atomic.Int64
	for range n {
		s.Go(func(ctx context.Context) error {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(items) {
					return nil
				}
				v, err := fn(ctx, items[i])
				if err != nil {
					return err
				}
				out[i] = v
			}
			return nil
		})
	}
}

// AsCompleted runs fns at once and yields each outcome as it completes:
// asyncio.as_completed, as an iterator. Nothing fails fast; every outcome is
// yielded, errors included. Breaking out of the loop cancels the functions
// still running and waits for them; nothing outlives the loop. Each range over
// the sequence runs the functions anew.
//
// After ctx ends, a function not yet started never starts and is yielded with
// the cause as its Err; one already running is yielded with what it returns. A
// panic cancels the others, is not yielded, and re-panics once they have
// returned.
//
// With no functions it yields nothing. AsCompleted panics, before anything
// starts, if a function is nil.
func AsCompleted[T any](ctx context.Context, fns ...func(context.Context) (T, error)) iter.Seq[Result[T]] {
	needContext(ctx)
	checkFuncs("AsCompleted", fns)
	return func(yield func(Result[T]) bool) {
		s, _ := New(ctx, supervisePanics)
		// The caller reads each outcome as it comes: a crowd yield (see
		// yield) could keep it from its loop for as long as the tasks run.
		s.noYield = true
		inBody := false // the loop's body is running: if it panics, its panic beats a task's, as Run's body's does
		defer func() {
			s.Cancel(nil) // a break, or a panic in the loop's body: stop the rest
			if inBody {
				s.wait()
			} else {
				s.Wait() // re-panics a task's panic
			}
		}()
		completed := make(chan completion[T], len(fns)) // room for all: a task never blocks
		for i, fn := range fns {
			c := &completion[T]{Result: Result[T]{Index: i}, fn: fn, to: completed}
			// Sited at the range statement that runs them, as is their scope.
			t := s.newTask(nil, c, nil, 1)
			if err := s.start(t, false); err != nil { // the scope is cancelled: ctx is done
				c.fn, c.Err = nil, err
				completed <- *c
			}
		}
		for range fns {
			c := awaitCompletion(ctx, s, completed)
			if c.panicked || s.panicked() { // nothing is yielded after a panic: a sibling its cancel woke may come first
				return
			}
			inBody = true
			more := yield(c.Result)
			inBody = false
			if !more {
				return
			}
		}
	}
}

// awaitCompletion receives the next outcome for AsCompleted's loop, with
// the tracked task whose context ctx is, if any, marked as blocked in it.
func awaitCompletion[T any](ctx context.Context, s *Scope, completed <-chan completion[T]) completion[T] {
	defer unblock(blockedIn(ctx, "AsCompleted", s))
	return <-completed
}

// A completion carries one task's outcome to AsCompleted's loop.
type completion[T any] struct {
	Result[T]
	panicked bool
	fn       func(context.Context) (T, error)
	to       chan<- completion[T]
}

func (c *completion[T]) call(ctx context.Context) (err error) {
	c.Value, err = c.fn(ctx)
	return err
}

func (c *completion[T]) keep(int, error) bool { return true }

func (c *completion[T]) release() {}

func (c *completion[T]) numbered(int) {}

func (c *completion[T]) done(how int, err error) {
	c.fn = nil // the loop keeps the outcome, not the function
	c.Err, c.panicked = err, how == panicked
	c.to <- *c
}

// Sleep waits for d and returns nil, or returns context.Cause(ctx) if ctx
// ends first: asyncio.sleep. If ctx ends at the very instant d is up (a
// deadline d from now, in a testing/synctest bubble's fake time), ctx did
// not end first: Sleep returns nil. For d <= 0 it returns at once: nil, or the cause if ctx is
// already done.
func Sleep(ctx context.Context, d time.Duration) error {
	needContext(ctx)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	end := time.Now().Add(d)
	t := time.NewTimer(d)
	defer t.Stop()
	defer unblock(blockedIn(ctx, "Sleep", nil))
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		// Both may be ready as Sleep looks, and which the select picked
		// decides nothing. At d's very instant ctx did not end first: a tie,
		// as fake time in a testing/synctest bubble makes one, whichever
		// timer ran first. Nor did a deadline no earlier than end, though
		// Sleep's goroutine runs after both. Otherwise ctx ended first.
		if time.Now().Equal(end) {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && ctx.Err() == context.DeadlineExceeded && !dl.Before(end) {
			return nil
		}
		return context.Cause(ctx)
	}
}

// checkFuncs panics, naming the helper and the argument, if a function is nil.
func checkFuncs[T any](helper string, fns []func(context.Context) (T, error)) {
	for i, fn := range fns {
		if fn == nil {
			panic(fmt.Sprintf("scope: %s: function %d is nil; pass a function for every argument", helper, i))
		}
	}
}
