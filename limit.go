package scope

import "context"

// The limit is a count of slots under the scope's mutex, not a semaphore:
// a task that finishes while others wait hands its slot, and its goroutine,
// straight to the first waiting task (see handOff). A pool of n goroutines fed
// one function each costs a fraction of a goroutine per task behind a
// semaphore, and the hand-over keeps the order of the calls.

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
