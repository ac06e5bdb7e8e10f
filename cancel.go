package scope

import (
	"context"
	"reflect"
)

// record records a failure of a task (or of Run's body, which counts as a
// task), unless err is cancellation noise, and cancels the scope when it
// should. It returns the failing task's name and whether OnFailure is to
// hear of it: the caller tells it (see finish). ctx is the context the task
// ran with.
func (s *Scope) record(named string, id int, ctx context.Context, err error, how int) (name string, tell bool) {
	if how == returned && s.isNoise(err, ctx) {
		return "", false
	}
	name = taskName(named, id) // only now: noise, the common failure, costs no name
	s.mu.Lock()
	if how == panicked && !s.cfg.capture {
		if s.panic == nil {
			s.panic = err.(*PanicError)
		}
	} else {
		s.errs = append(s.errs, err)
		s.names = append(s.names, name)
	}
	cancels := (!s.cfg.supervise || (how == panicked && s.cfg.panics)) && s.claim(err)
	s.mu.Unlock()
	if cancels {
		if testHookClaimed != nil {
			testHookClaimed()
		}
		s.cancelOutside(err)
	}
	return name, s.cfg.onFailure != nil
}

// testHookClaimed, if set, runs between a failure's claim and its cancel,
// where a Cancel can come: a test holds the window open with it.
var testHookClaimed func()

// claim takes the right to cancel the scope with cause, unless something
// claimed or cancelled it first, and reports whether it did. The first
// failure recorded claims it under s.mu, so that the cause is that failure,
// and cancels after unlocking (cancelOutside). s.mu is held.
func (s *Scope) claim(cause error) bool {
	if s.claimed != nil || s.closed || s.ctx.Err() != nil {
		return false
	}
	s.claimed = cause
	return true
}

// cancelOutside cancels the scope with the cause it claimed, without s.mu:
// cancelling wakes every task blocked on the context, one at a time, while
// the context holds its lock. Under s.mu, each task woken on the other core
// would at once block on s.mu to count itself out, and the herd would drain
// in a convoy of lock hand-offs (bench/ BenchmarkFailFast: 1.44x the raw
// floor with the cancel under s.mu).
func (s *Scope) cancelOutside(cause error) {
	s.cancel(cause)
	s.markCancelled()
}

// callBody runs Run's body and records its failure. OnFailure runs here too,
// so a panic or Goexit in either aborts the body. It reports a panic(nil)
// under GODEBUG=panicnil=1, which it cannot re-panic from where it is; on a
// Goexit it does not return, and Run's deferred call takes over.
func (s *Scope) callBody(body func(ctx context.Context, s *Scope) error) (nilPanic bool) {
	ok := false
	defer func() {
		if !ok {
			if r := recover(); r != nil {
				s.abortBody(panicked, r) // re-panics here, where the stack still shows where r came from
			}
			nilPanic = true
		}
	}()
	if err := body(s.ctx, s); err != nil {
		if name, tell := s.record("body", 0, s.ctx, err, returned); tell {
			s.cfg.onFailure(name, err)
		}
	}
	ok = true
	return false
}

// abortBody runs when Run's body panicked with r, or called runtime.Goexit:
// it records that, cancels the scope, even under Supervise, or the panic could
// wait forever behind tasks that never end, and tells OnFailure; then counts
// the body out and waits for the tasks, even if OnFailure panics; then
// re-panics r, or returns to let the Goexit go on. Run calls it for a
// Goexit as the body's goroutine unwinds, which a panic's re-panic here does
// too: then it does nothing, the body aborted already.
func (s *Scope) abortBody(how int, r any) {
	var cause error = ErrGoexit
	s.mu.Lock()
	if s.aborted {
		s.mu.Unlock()
		return
	}
	s.aborted = true
	if how == panicked {
		s.panic = recovered(r, "body") // a body panic beats the tasks' panics, for any other Wait
		cause = s.panic
	} else {
		s.errs = append(s.errs, cause)
		s.names = append(s.names, "body")
		s.exited = true
	}
	cancels := s.claim(cause)
	s.mu.Unlock()
	if cancels {
		s.cancelOutside(cause)
	}
	defer func() {
		s.mu.Lock()
		s.waited = true
		s.leaveUnlock()
		s.awaitClosed()
	}()
	if f := s.cfg.onFailure; f != nil {
		f("body", cause)
	}
	if how == panicked {
		panic(r)
	}
}

// leaveUnlock counts one task (or the body) out and unlocks s.mu; if that
// was the last and Wait was called, it closes the scope, and ends the
// closing once s.mu is unlocked (closeOutside). s.mu is held.
func (s *Scope) leaveUnlock() {
	if s.leaveUnlocked() {
		s.closeOutside()
	}
}

// leaveUnlocked is leaveUnlock but for the end of the closing: it reports
// whether the scope closed, and the caller then calls closeOutside (see
// wrapUp). s.mu is held.
func (s *Scope) leaveUnlocked() (closed bool) {
	s.live--
	if s.live == 0 && s.waited && !s.closed {
		s.awaitDeadline() // releases s.mu meanwhile, at its instant: see there
	}
	closed = s.live == 0 && s.waited && !s.closed
	if closed {
		s.close()
	}
	s.mu.Unlock()
	return closed
}

// close closes the scope and fixes its result. It runs once, when the last
// task has returned and Wait was called; whoever it ran for calls
// closeOutside once it has unlocked s.mu. s.mu is held.
func (s *Scope) close() {
	s.closed = true
	switch {
	case len(s.errs) > 0:
		s.result = &Error{errs: s.errs, tasks: s.names}
	case s.ctx.Err() != nil:
		if !s.stopped() {
			s.result = context.Cause(s.ctx) // the parent's cause, or DeadlineExceeded
		}
	}
	s.dismiss()
}

// closeOutside ends what close began: it ends tracking, cancels the context,
// releases the deadline's timer and wakes every Wait. Cancelling detaches
// the context from its parent, which calls the parent's Done and Value:
// the parent may be the user's own Context, whose methods may use the
// scope, so this runs without s.mu. Until it has, the scope is closed with
// its context live: a Cancel or a Go that finds it closed cancels the
// context itself, with the same cause, so that it is done when they return.
func (s *Scope) closeOutside() {
	if s.tr != nil {
		s.untrack()
	}
	s.cancel(context.Canceled)
	if s.release != nil {
		s.release()
	}
	s.mu.Lock()
	s.ended = true
	done := s.done
	s.mu.Unlock()
	if done != nil {
		close(done)
	}
}

// isNoise reports whether err only reports the cancellation of the scope's
// context or of the task's own: one of them is done (or the scope is late,
// and err reports a deadline), and err matches its cause or its Err in every
// branch. A panic is never noise.
func (s *Scope) isNoise(err error, taskCtx context.Context) bool {
	// The herd a cancellation wakes mostly returns ctx.Err() itself: noise,
	// known by an atomic load, while reading the cause would wait for the
	// context's lock, which the canceller holds until it has woken the whole
	// herd (bench/ BenchmarkFailFast).
	if done := s.doneErr(); done != nil && sameError(err, done) {
		return true
	}
	var targets [4]error
	n := 0
	if c := s.causes(); c != nil {
		targets[0], targets[1] = c[0], c[1]
		n = 2
	} else if s.late() { // a context of the task's with the scope's deadline may end first
		targets[0] = context.DeadlineExceeded
		n = 1
	}
	if taskCtx != s.ctx && taskCtx.Err() != nil { // a Spawn's, shielded, or tracked
		targets[n], targets[n+1] = context.Cause(taskCtx), taskCtx.Err()
		n += 2
	}
	return n > 0 && matchesAll(err, targets[:n])
}

// causes returns the cause and the Err of the scope's context once it is
// done, else nil. When a scope is cancelled every task returns at once and
// asks; asking the context would take its lock and its channel's, twice per
// task, all of them contending (bench/ BenchmarkFailFast). The answer never
// changes once the context is done, so the first task to ask keeps it for
// the rest: an atomic load each.
//
// The herd comes as the context is cancelled; if the scope cancelled it (a
// failure, Cancel), the canceller keeps them under s.mu as it cancels, so
// the herd waits for s.mu, not for the context's own lock, which the
// cancellation holds while it wakes them all (bench/ BenchmarkFailFast).
func (s *Scope) causes() *[2]error {
	if c := s.doneErrs.Load(); c != nil {
		return c
	}
	if s.doneErr() == nil {
		return nil
	}
	s.keepCauses()
	return s.doneErrs.Load()
}

// doneErr returns the Err of the scope's context, kept once the context is
// done. While the context is live, its Err is an atomic load; once done, it
// also receives from the closed Done channel, taking the channel's lock, and
// the herd a cancellation wakes would take it twice per task, its own ctx.Err
// and this one (bench/ BenchmarkFailFast).
func (s *Scope) doneErr() error {
	if e := s.ctxErr.Load(); e != nil {
		return *e
	}
	e := s.ctx.Err()
	if e != nil {
		s.ctxErr.CompareAndSwap(nil, &e)
	}
	return e
}

// keepCauses keeps the cause and Err of the scope's context, done, for
// causes. Both never change once the context is done, so whoever stores
// first stores what any other would.
func (s *Scope) keepCauses() {
	if s.doneErrs.Load() == nil {
		s.doneErrs.CompareAndSwap(nil, &[2]error{context.Cause(s.ctx), s.doneErr()})
	}
}

// matchesAll is errors.Is for several targets, except that an error with
// several branches matches only if every branch does.
func matchesAll(err error, targets []error) bool {
	for err != nil {
		for _, target := range targets {
			if sameError(err, target) {
				return true
			}
			if x, ok := err.(interface{ Is(error) bool }); ok && x.Is(target) {
				return true
			}
		}
		// A panic is a failure even if its value is a cancellation; only the
		// *PanicError that is itself the cause, checked above, is noise.
		if _, ok := err.(*PanicError); ok {
			return false
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

// sameError is err == target without the panic on a value that == cannot
// compare (a map, a slice, a struct that holds one): for those, an error
// deeply equal to the cause is the cause, so that a task that returns
// context.Cause(ctx) is noise whatever the cause's type.
func sameError(err, target error) bool {
	if err == nil || target == nil {
		return false
	}
	switch t := reflect.TypeOf(target); {
	case reflect.TypeOf(err) != t:
		return false
	case t.Kind() == reflect.Pointer: // errors.New's, context.Canceled: the herd's, kept cheap (bench/ BenchmarkFailFast)
		return err == target
	case reflect.ValueOf(err).Comparable() && reflect.ValueOf(target).Comparable():
		return err == target
	}
	return reflect.DeepEqual(err, target)
}
