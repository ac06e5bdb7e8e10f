package scope

import "context"

// The limit is a count of slots under the scope's mutex, not a semaphore:
// a task that finishes while others wait hands its slot, and its goroutine,
// straight to the first waiting task (see handOff); one that finishes while
// none waits keeps its goroutine as an idle worker for the next Go (see
// awaitWork). So under a limit of n the scope runs on at most n goroutines,
// started once, like a pool fed one function per task, and the hand-over
// keeps the order of the calls.

// awaitSlot blocks the caller of Go while its task t waits for a slot. It
// returns nil once t has been handed a slot, or the scope's cause once the
// scope is cancelled first; then t is dropped and never runs.
func (s *Scope) awaitSlot(t *task) error {
	select {
	case <-t.started:
		return nil
	case <-s.ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.waiting { // handed a slot just as the scope was cancelled: it runs
		return nil
	}
	s.waiting.remove(t)
	t.waiting = false
	s.live--
	if s.live == 0 && s.waited {
		s.close()
	}
	return context.Cause(s.ctx)
}

// handOff passes the slot of a finishing task to the first waiting task and
// returns it, to run on the finishing task's goroutine; or frees the slot.
// A cancelled scope starts nothing: its waiting callers drop their own tasks.
// s.mu is held.
func (s *Scope) handOff() *task {
	next := s.waiting.head
	if next == nil || s.ctx.Err() != nil {
		s.slots--
		return nil
	}
	s.waiting.remove(next)
	next.waiting = false
	s.running.push(next)
	close(next.started)
	return next
}

// awaitWork parks a goroutine whose task finished with no task waiting, as
// an idle worker, until a Go hands it the next task (returned), or the scope
// closes or is cancelled (nil: the goroutine ends). At most limit workers
// idle; Wait waits for them to leave, so none outlives the scope. A trivial
// task under a limit then costs a channel send, not a goroutine
// (bench/ BenchmarkBounded).
func (s *Scope) awaitWork(work chan *task) *task {
	s.mu.Lock()
	if s.closed || s.ctx.Err() != nil || len(s.idle) >= s.cfg.limit {
		s.mu.Unlock()
		return nil
	}
	s.idle = append(s.idle, work)
	s.workers.Add(1)
	s.mu.Unlock()
	t := <-work
	s.workers.Done()
	return t
}

// dismiss sends every idle worker away, when the scope closes or is
// cancelled. s.mu is held.
func (s *Scope) dismiss() {
	for _, w := range s.idle {
		w <- nil
	}
	s.idle = s.idle[:0]
}
