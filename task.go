package scope

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrNotDone is what [Task.Result] returns while the task still runs.
var ErrNotDone = errors.New("scope: task not done; wait for Done or call Wait first")

// ErrNotReady is what [Start] returns when its function returns nil without
// calling ready. Test for it with [errors.Is].
var ErrNotReady = errors.New("scope: task returned before calling ready; call ready once the task is set up, or return an error saying why it could not be")

// A Task is a task with a result, started by [Spawn]: asyncio's Task, and
// what `tg.create_task` returns. Its outcome is whatever its function
// returned; a failure also fails its scope, like any task's, unless it only
// reports the task's own cancellation by [Task.Cancel] (a cleanup error after
// Cancel still fails the scope). A Task is safe for use by many goroutines.
type Task[T any] struct {
	name   string
	id     int
	fn     func(ctx context.Context) (T, error) // until the task is done: see call
	cancel context.CancelCauseFunc              // the task's own context: set by spawn before it starts
	killed atomic.Bool                          // Cancel was called: read for Tasks and the tree, which may not ask the context
	ended  chan struct{}                        // closed once value and err are set
	value  T
	err    error
}

// Spawn starts fn in a new task of s, as [Scope.Go] does, and returns the
// task, whose result fn's return values become. The task has a context of its
// own, so [Task.Cancel] reaches it alone.
//
// If the scope is cancelled, fn never runs and the task reports the scope's
// cause. Under [WithLimit], Spawn blocks while the limit is full. Spawn panics
// if s or fn is nil, or if the scope's Wait has returned: use [TrySpawn] where
// a task may race the scope's end.
func Spawn[T any](s *Scope, fn func(ctx context.Context) (T, error), opts ...TaskOption) *Task[T] {
	t, err := spawn(s, fn, opts, true)
	if err == errClosed {
		panic("scope: Spawn called after Wait returned; start tasks before Wait returns, or use TrySpawn or a new scope")
	}
	return t
}

// TrySpawn starts fn in a new task, as [Spawn] does, and reports whether it
// did. It never blocks: it returns nil and false, and never runs fn, when the
// limit is full, the scope is cancelled (or at the very instant of its
// deadline in a testing/synctest bubble: see [WithTimeout]), or its Wait has
// returned.
func TrySpawn[T any](s *Scope, fn func(ctx context.Context) (T, error), opts ...TaskOption) (*Task[T], bool) {
	t, err := spawn(s, fn, opts, false)
	if err != nil {
		return nil, false
	}
	return t, true
}

func spawn[T any](s *Scope, fn func(ctx context.Context) (T, error), opts []TaskOption, wait bool) (*Task[T], error) {
	if fn == nil {
		s.check()
		s.refuse("scope: nil task function; pass the function the task runs")
	}
	tk := &Task[T]{fn: fn, ended: make(chan struct{})}
	t := s.newTask(nil, tk, opts, 2) // up: spawn, and Spawn or TrySpawn
	// t.ctx is the scope's, or shielded from it: the task's own is its child.
	t.ctx, tk.cancel = context.WithCancelCause(t.ctx)
	tk.name = t.name
	err := s.start(t, wait) // t is the scope's now, and recycled once done: read tk only
	if err != nil {
		tk.cancel(err)
		tk.fn, tk.err = nil, err
		close(tk.ended)
	}
	return tk, err
}

func (tk *Task[T]) call(ctx context.Context) (err error) {
	tk.value, err = tk.fn(ctx)
	return err
}

func (tk *Task[T]) numbered(id int) { tk.id = id }

func (tk *Task[T]) keep(int, error) bool { return true }

func (tk *Task[T]) cancelled() bool { return tk.killed.Load() }

func (tk *Task[T]) done(_ int, err error) {
	tk.fn = nil // a Task kept for its result keeps nothing fn holds
	tk.err = err
	close(tk.ended)
}

// release frees the task's context from its scope's, once the task is
// counted out; Cancel after the end changes nothing.
func (tk *Task[T]) release() { tk.cancel(context.Canceled) }

// Wait waits for the task and returns its result, like `await
// asyncio.shield(task)`: if ctx ends first, Wait returns the zero value and
// context.Cause(ctx), and the task runs on. Once the task is done, Wait
// returns its result even if ctx is done too. It panics if ctx is nil.
//
// A task that waits for itself (asyncio raises RuntimeError) waits until
// ctx ends: with its own context, until something cancels it, as a Scope's
// Wait called from its own task would.
func (tk *Task[T]) Wait(ctx context.Context) (T, error) {
	tk.check()
	needContext(ctx)
	select {
	case <-tk.ended:
		return tk.value, tk.err
	default:
	}
	defer unblock(blockedIn(ctx, "Task.Wait", tk))
	select {
	case <-tk.ended:
		return tk.value, tk.err
	case <-ctx.Done():
	}
	select {
	case <-tk.ended:
		return tk.value, tk.err
	default:
		var zero T
		return zero, context.Cause(ctx)
	}
}

// Done returns a channel that is closed once the task is done and its result
// is set.
func (tk *Task[T]) Done() <-chan struct{} {
	tk.check()
	return tk.ended
}

// check panics if tk was not made by Spawn or TrySpawn: a nil *Task, such
// as TrySpawn returns when it starts nothing, or a zero Task, whose Done
// would block for ever.
func (tk *Task[T]) check() {
	if tk == nil || tk.ended == nil {
		panic("scope: Task not made by Spawn or TrySpawn; use the *Task they return (TrySpawn's is nil when it reports false)")
	}
}

// Result returns the task's result: what its function returned; the zero
// value and a [*PanicError] if it panicked; the zero value and an error that
// errors.Is [ErrGoexit] if it called runtime.Goexit; the scope's cause if it
// never started. Until the task is done it returns [ErrNotDone]. It never
// blocks. Like every method of Task, it panics on a Task not made by Spawn
// or TrySpawn (Wait also on a nil context).
func (tk *Task[T]) Result() (T, error) {
	tk.check()
	select {
	case <-tk.ended:
		return tk.value, tk.err
	default:
		var zero T
		return zero, ErrNotDone
	}
}

// Cancel cancels the task's context, and no other, with cause (nil means
// [context.Canceled]): the task sees context.Cause(ctx) == cause. An error the
// task then returns that only reports this cancellation is not a failure of
// the scope. Of two calls the first cause wins, as for [Scope.Cancel]. Cancel
// on a done task does nothing.
func (tk *Task[T]) Cancel(cause error) {
	tk.check()
	if cause == nil {
		cause = context.Canceled
	}
	tk.cancel(cause)
	tk.killed.Store(true)
}

// Name returns the task's name: from [Named], or "task-N".
func (tk *Task[T]) Name() string {
	tk.check()
	return taskName(tk.name, tk.id)
}

// String returns the task's name and whether it is done, for logs.
func (tk *Task[T]) String() string {
	tk.check()
	state := "running"
	select {
	case <-tk.ended:
		state = "done"
	default:
	}
	return fmt.Sprintf("task %q (%s)", tk.Name(), state)
}

// Start starts fn in a new task of s and waits until fn calls ready(v), then
// returns v: trio's nursery.start, for a task that must be set up (a server
// listening, a connection open) before the caller goes on. The task keeps
// running in the scope after ready; a second call of ready is ignored.
//
// Until ready, what ends fn belongs to Start's caller alone, and neither fails
// nor cancels the scope: Start returns fn's error; an error that errors.Is
// [ErrNotReady] if fn returned nil; an error that errors.Is [ErrGoexit] if fn
// called runtime.Goexit; and re-panics a panic as a [*PanicError] (returns it,
// with [CapturePanics]). After ready, what fn returns is the scope's, like any
// task's. On a cancelled scope Start returns the scope's cause without running
// fn. Under [WithLimit], Start blocks while the limit is full, as [Scope.Go]
// does, and returns the scope's cause if it is cancelled meanwhile. Start
// panics if s or fn is nil, or if the scope's Wait has returned.
//
// Start takes no context: fn runs under the scope's context from the start
// (a [Shielded] fn under its own), and Start does not watch its caller's.
// A scope cancelled before ready cancels fn, and Start returns what fn then
// returns. A caller that must give up when its own context ends passes it
// into fn, which returns its cause.
func Start[T any](s *Scope, fn func(ctx context.Context, ready func(T)) error, opts ...TaskOption) (T, error) {
	if fn == nil {
		s.check()
		s.refuse("scope: Start with a nil function; pass the function the task runs")
	}
	st := &starter[T]{fn: fn, settled: make(chan struct{})}
	switch err := s.start(s.newTask(nil, st, opts, 1), true); {
	case err == errClosed:
		panic("scope: Start called after Wait returned; start tasks before Wait returns, or use a new scope")
	case err != nil:
		var zero T
		return zero, err
	}
	<-st.settled
	if pe, ok := st.err.(*PanicError); ok && st.how == panicked && !s.cfg.capture {
		panic(pe)
	}
	return st.value, st.err
}

// A starter is Start's side of a task: it takes the task's outcome for
// Start's caller until ready is called.
type starter[T any] struct {
	fn      func(ctx context.Context, ready func(T)) error
	state   atomic.Int32  // starting, then ready or ended, once
	settled chan struct{} // closed when state leaves starting
	value   T
	err     error
	how     int
}

const (
	starting = iota
	isReady
	endedEarly
)

func (st *starter[T]) ready(v T) {
	if st.state.CompareAndSwap(starting, isReady) {
		st.value = v
		close(st.settled)
	}
}

func (st *starter[T]) call(ctx context.Context) error { return st.fn(ctx, st.ready) }

// keep gives the scope the outcome once the task is ready; before that, it
// takes the outcome for Start's caller.
func (st *starter[T]) keep(how int, err error) bool {
	if !st.state.CompareAndSwap(starting, endedEarly) {
		return true
	}
	if how == returned && err == nil {
		err = ErrNotReady
	}
	st.err, st.how = err, how
	return false
}

// done wakes Start's caller if the task ended before ready: only now, once
// the task has left the scope and freed its slot (see outcome).
func (st *starter[T]) release() {}

func (st *starter[T]) numbered(int) {}

func (st *starter[T]) done(int, error) {
	if st.state.Load() == endedEarly {
		close(st.settled)
	}
}
