package scope

import (
	"context"
	"runtime"
	"sync"
)

// The limit is a count of slots under the scope's mutex, not a semaphore:
// a task that finishes while others wait hands its slot, and its goroutine,
// straight to the first waiting task (see handOff); in Run's scope, one that
// finishes while none waits keeps its goroutine as an idle worker for the
// next Go (see listIdle). So under a limit of n Run's scope runs on at most
// n goroutines, started once, like a pool fed one function per task, and
// the hand-over keeps the order of the calls.

// A limit is the state of WithLimit, made only for a scope that has one, so
// that a Scope without it is smaller (see fixed).
type limit struct {
	few   bool // no more slots than GOMAXPROCS as the scope was made: see awaitWork
	reuse bool // Run's scope: keeps idle workers (see listIdle); set before its body runs

	// Guarded by the scope's mu.
	slots   int          // tasks holding a slot
	waiting taskList     // tasks blocked on the limit, in call order
	idle    []chan *task // idle workers, each waiting for a task

	workers sync.WaitGroup // if reuse, the goroutines running tasks or idle, so that Wait outlives them
	wakes   spares[wake]   // wakes to reuse for tasks waiting for the limit
}

// newLimit returns the state of a limit of n slots, or nil for no limit.
func newLimit(n int) *limit {
	if n == 0 {
		return nil
	}
	return &limit{few: n <= runtime.GOMAXPROCS(0)}
}

// takeIdle takes the idle worker listed last, or returns nil if there is
// none. The scope's mu is held.
func (l *limit) takeIdle() chan *task {
	n := len(l.idle)
	if n == 0 {
		return nil
	}
	w := l.idle[n-1]
	l.idle = l.idle[:n-1]
	return w
}

// full reports whether every slot is taken. s.mu is held.
func (s *Scope) full() bool {
	return s.lim != nil && s.lim.slots >= s.cfg.limit
}

// awaitSlot blocks the caller of Go while its task t waits for a slot, until
// w, t's wake, is signalled. It returns nil once t has been handed a slot, or
// the scope's cause once the scope is cancelled first; then t is dropped and
// never runs. Once t is handed a slot it may run, finish and be recycled at
// any moment, so awaitSlot reads w, never t, until it knows t was not.
func (s *Scope) awaitSlot(t *task, w *wake) error {
	// A running task often finishes within a yield, and a yield costs less
	// than parking (bench/ BenchmarkBounded).
	runtime.Gosched()
	select {
	case <-w.c: // handed a slot during the yield: no select on two channels, which locks both (bench/ BenchmarkBounded, limit 2: -5%)
	default:
		select {
		case <-w.c:
		case <-s.ctx.Done():
			return s.giveUp(t, w)
		}
	}
	s.lim.wakes.put(w)
	return nil
}

// giveUp drops t, which waited for a slot until the scope was cancelled,
// and returns the scope's cause; or returns nil if t was handed a slot just
// as the scope was cancelled: then t runs.
func (s *Scope) giveUp(t *task, w *wake) error {
	s.mu.Lock()
	defer s.lim.wakes.put(w)
	select {
	case <-w.c: // handed a slot just as the scope was cancelled: it runs
		s.mu.Unlock()
		return nil
	default: // handOff signals under s.mu: t still waits, and is ours
	}
	s.lim.waiting.remove(t)
	t.waiting = false
	s.leaveUnlock()
	return context.Cause(s.ctx)
}

// A wake is how a waiting task is told it was handed a slot: a channel with
// room for the one signal, so that it can be used again.
type wake struct{ c chan struct{} }

// handOff passes the slot of a finishing task to the first waiting task and
// returns it, to run on the finishing task's goroutine; or frees the slot.
// A cancelled scope starts nothing: its waiting callers drop their own tasks.
// s.mu is held.
func (s *Scope) handOff() *task {
	l := s.lim
	next := l.waiting.head
	if next == nil || s.ctx.Err() != nil {
		l.slots--
		return nil
	}
	l.waiting.remove(next)
	next.waiting = false
	s.running.push(next)
	next.started.c <- struct{}{} // room for it: the wake is new or drained
	next.started = nil
	return next
}

// listIdle lists work, the channel of a goroutine whose task finished with
// no task waiting, as an idle worker, and reports whether it did: not once
// the scope is closed or cancelled, nor past limit workers. A Go then hands
// its task to the worker (see awaitWork). s.mu is held: finish lists the
// worker as it counts the task out, without locking again (bench/against
// Bounded, limit 64: see doc/benchmarks.md).
//
// Only Run's scope keeps idle workers (finish is given no work channel
// otherwise). Its Go calls come from its body and its tasks, all on
// goroutines of its caller's testing/synctest bubble, if any. A New scope's
// Go may come from anywhere: made outside a bubble and given tasks inside
// one, it would hand them to a worker outside the bubble, where they would
// run on real time and crash on the bubble's channels; and a worker idle in
// a bubble would outlive the bubble's test. So a New scope starts a
// goroutine for each task that finds room, as without a limit, and ends it
// with its task.
func (s *Scope) listIdle(work chan *task) bool {
	l := s.lim
	if s.closed || s.ctx.Err() != nil || len(l.idle) >= s.cfg.limit {
		return false
	}
	l.idle = append(l.idle, work)
	return true
}

// awaitWork parks an idle worker until a Go hands it the next task
// (returned), or the scope closes (nil: the goroutine ends). Wait waits for
// every goroutine of a scope that reuses them to end (see goRun), so none
// outlives the scope. A trivial task under a limit then costs a channel
// send, not a goroutine (bench/ BenchmarkBounded).
func (s *Scope) awaitWork(work chan *task) *task {
	// With no more workers than processors the next Go often comes within a
	// yield, as above; with more, the yield only hands the processor to
	// another worker (bench/ BenchmarkBounded, limits 2 and 64).
	if s.lim.few {
		runtime.Gosched()
	}
	return <-work
}

// dismiss sends every idle worker away, when the scope closes or is
// cancelled. s.mu is held.
func (s *Scope) dismiss() {
	if s.lim == nil {
		return
	}
	for _, w := range s.lim.idle {
		w <- nil
	}
	s.lim.idle = s.lim.idle[:0]
}

// waiters returns how many tasks wait for the limit. s.mu is held.
func (s *Scope) waiters() int {
	if s.lim == nil {
		return 0
	}
	return s.lim.waiting.n
}
