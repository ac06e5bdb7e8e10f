package scope

import (
	"context"
	"reflect"
)

// record records a failure of a task (or of Run's body, when owner is set),
// unless err is cancellation noise; cancels the scope when it should; and
// tells OnFailure. ctx is the context the task ran with.
func (s *Scope) record(name string, ctx context.Context, err error, how int, owner bool) {
	if how == returned && isNoise(err, s.ctx, ctx) {
		return
	}
	s.mu.Lock()
	if how == panicked && !s.cfg.capture {
		if s.panic == nil {
			s.panic = err.(*PanicError)
		}
	} else {
		s.errs = append(s.errs, err)
		s.names = append(s.names, name)
	}
	if owner || !s.cfg.supervise {
		s.cancel(err) // under s.mu, so that the cause is the first failure recorded
	}
	s.mu.Unlock()
	if f := s.cfg.onFailure; f != nil {
		f(name, err)
	}
}

// bodyDone counts Run's body out once it has returned err.
func (s *Scope) bodyDone(err error) {
	if err != nil {
		s.record("body", s.ctx, err, returned, true)
	}
	s.mu.Lock()
	s.leave()
	s.mu.Unlock()
}

// abortBody runs when Run's body panicked with r, or called runtime.Goexit
// (r is nil): it cancels the scope, even under Supervise, or the panic could
// wait forever behind tasks that never end; waits for the tasks; then
// re-panics r, or returns to let the Goexit go on.
func (s *Scope) abortBody(r any) {
	var cause error = ErrGoexit
	if r != nil {
		cause = newPanicError(r, "body")
	}
	s.mu.Lock()
	if pe, ok := cause.(*PanicError); ok {
		s.panic = pe // a body panic beats the tasks' panics, for any other Wait
	}
	s.cancel(cause)
	s.waited = true
	s.leave()
	s.mu.Unlock()
	if f := s.cfg.onFailure; f != nil {
		f("body", cause)
	}
	<-s.done
	if r != nil {
		panic(r)
	}
}

// leave counts one task (or the body) out, and closes the scope when it was
// the last and Wait was called. s.mu is held.
func (s *Scope) leave() {
	s.live--
	if s.live == 0 && s.waited {
		s.close()
	}
}

// close fixes the result, cancels the context and wakes every Wait. It runs
// once, when the last task has returned and Wait was called. s.mu is held.
func (s *Scope) close() {
	s.closed = true
	switch {
	case len(s.errs) > 0:
		s.result = &Error{errs: s.errs, tasks: s.names}
	case s.ctx.Err() != nil && !s.stopped:
		s.result = context.Cause(s.ctx) // the parent's cause, or DeadlineExceeded
	}
	s.cancel(context.Canceled)
	if s.release != nil {
		s.release()
	}
	close(s.done)
}

// isNoise reports whether err only reports the cancellation of the scope's
// context or of the task's own: one of them is done, and err matches its cause
// or its Err in every branch. A panic is never noise.
func isNoise(err error, scopeCtx, taskCtx context.Context) bool {
	var targets [4]error
	n := 0
	for _, c := range [2]context.Context{scopeCtx, taskCtx} {
		if c != nil && c.Err() != nil {
			targets[n], targets[n+1] = context.Cause(c), c.Err()
			n += 2
		}
	}
	return n > 0 && matchesAll(err, targets[:n])
}

// matchesAll is errors.Is for several targets, except that an error with
// several branches matches only if every branch does.
func matchesAll(err error, targets []error) bool {
	for err != nil {
		if _, ok := err.(*PanicError); ok {
			return false
		}
		for _, target := range targets {
			if sameError(err, target) {
				return true
			}
			if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(target) {
				return true
			}
		}
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			branches := x.Unwrap()
			for _, b := range branches {
				if !matchesAll(b, targets) {
					return false
				}
			}
			return len(branches) > 0
		default:
			return false
		}
	}
	return false
}

// sameError is err == target without the panic on an uncomparable type.
func sameError(err, target error) bool {
	return target != nil && reflect.TypeOf(target).Comparable() && err == target
}
