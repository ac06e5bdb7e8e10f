package scope

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// TaskInfo describes a live task, as listed by [Scope.Tasks].
type TaskInfo struct {
	Name    string    // from Named, or a generated "task-N"
	State   string    // StateRunning, StateWaiting (blocked on the limit), StateCancelling (its context is done)
	Started time.Time // zero unless tracking is on
	Site    string    // file:line of the Go/Spawn call; empty unless tracking is on
}

// The states of a task, as reported in [TaskInfo].
const (
	StateRunning    = "running"    // running, its context live
	StateWaiting    = "waiting"    // registered, blocked on the scope's limit
	StateCancelling = "cancelling" // running, its context done
)

// A task is one call of fn in a scope. It sits in the scope's running or
// waiting list from the call that starts it until fn has returned.
type task struct {
	s        *Scope
	fn       func(ctx context.Context) error
	ctx      context.Context // what fn receives: the scope's own, unless shielded
	name     string          // from Named; "" means "task-<id>", formatted when someone looks
	id       int
	shielded bool

	prev, next *task         // in s.running or s.waiting; guarded by s.mu
	waiting    bool          // in s.waiting; guarded by s.mu
	started    chan struct{} // closed when a waiting task is handed a slot
}

// errClosed and errFull say why start did not start a task; neither escapes.
var (
	errClosed = errors.New("scope: closed")
	errFull   = errors.New("scope: limit full")
)

// How a task's function ended.
const (
	returned = iota
	panicked
	exited // runtime.Goexit
)

func (s *Scope) newTask(fn func(ctx context.Context) error, opts []TaskOption) *task {
	s.check()
	if fn == nil {
		panic("scope: nil task function; pass the function the task runs")
	}
	t := taskPool.Get().(*task)
	t.s, t.fn, t.ctx = s, fn, s.ctx
	for _, o := range opts {
		if o == nil {
			panic("scope: nil TaskOption; leave it out")
		}
		o.applyTask(t)
	}
	if t.shielded {
		t.ctx = context.WithoutCancel(s.ctx)
	}
	return t
}

// start registers t and starts it. When the limit is full it queues t and,
// if wait is set, blocks until t is handed a slot. It returns nil once t runs,
// or why t never will: errClosed, errFull, or the scope's cause.
func (s *Scope) start(t *task, wait bool) error {
	s.mu.Lock()
	s.ids++
	t.id = s.ids
	switch {
	case s.closed:
		s.mu.Unlock()
		return errClosed
	case s.ctx.Err() != nil:
		s.mu.Unlock()
		return context.Cause(s.ctx)
	case s.cfg.limit == 0 || s.slots < s.cfg.limit:
		s.slots++
		s.live++
		s.running.push(t)
		s.mu.Unlock()
		go s.run(t)
		return nil
	case !wait:
		s.mu.Unlock()
		return errFull
	}
	s.live++
	t.waiting, t.started = true, make(chan struct{})
	s.waiting.push(t)
	s.mu.Unlock()
	return s.awaitSlot(t)
}

// run runs t, then each waiting task that t's slot is handed to, on one
// goroutine.
func (s *Scope) run(t *task) {
	for t != nil {
		how, err := t.call()
		if how == exited {
			return
		}
		next := s.finish(t, err, how)
		recycle(t)
		t = next
	}
}

// call runs t's function, turning a panic into a *PanicError. A Goexit cannot
// be stopped, so call finishes t itself and hands its slot to a new goroutine.
func (t *task) call() (how int, err error) {
	how = panicked // until fn returns
	defer func() {
		if how == returned {
			return
		}
		if r := recover(); r != nil {
			err = newPanicError(r, t.Name())
			return
		}
		how = exited // run must not finish t again (panic(nil) under GODEBUG=panicnil=1 lands here too)
		if next := t.s.finish(t, ErrGoexit, exited); next != nil {
			go t.s.run(next)
		}
	}()
	err = t.fn(t.ctx)
	return returned, err
}

// finish records how t ended, removes it from the scope, and returns the
// waiting task its slot is handed to, if any.
func (s *Scope) finish(t *task, err error, how int) *task {
	if err != nil {
		s.record(t.Name(), t.ctx, err, how, false)
	}
	s.mu.Lock()
	s.running.remove(t)
	var next *task
	if s.cfg.limit > 0 {
		next = s.handOff()
	}
	s.live--
	if s.live == 0 && s.waited {
		s.close()
	}
	s.mu.Unlock()
	return next
}

// taskPool recycles task structs, so that a task costs one allocation, the
// go statement's, as a raw goroutine does (BenchmarkFanOutScope against
// BenchmarkFanOutRaw; doc/benchmarks.md). It holds no channel and no
// goroutine, so it is safe across synctest bubbles.
var taskPool = sync.Pool{New: func() any { return new(task) }}

// recycle returns a finished task to the pool: it is unlinked, and only its
// goroutine still refers to it. A task that waited for the limit is left to
// the garbage collector, since the Go that queued it may still read it.
func recycle(t *task) {
	if t.started != nil {
		return
	}
	*t = task{}
	taskPool.Put(t)
}

// Name returns the task's name: from Named, or "task-N".
func (t *task) Name() string { return taskName(t.name, t.id) }

func taskName(name string, id int) string {
	if name != "" {
		return name
	}
	return "task-" + strconv.Itoa(id)
}

func (t *task) info() TaskInfo {
	state := StateRunning
	switch {
	case t.waiting:
		state = StateWaiting
	case t.ctx.Err() != nil:
		state = StateCancelling
	}
	return TaskInfo{Name: t.Name(), State: state}
}

// taskList is an intrusive doubly linked list of tasks, so that adding and
// removing a task costs no allocation.
type taskList struct {
	head, tail *task
	n          int
}

func (l *taskList) push(t *task) {
	t.prev, t.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = t
	} else {
		l.head = t
	}
	l.tail = t
	l.n++
}

func (l *taskList) remove(t *task) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		l.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	} else {
		l.tail = t.prev
	}
	t.prev, t.next = nil, nil
	l.n--
}
