package scope

import (
	"context"
	"time"
)

// Ties at one instant of a testing/synctest bubble's fake time: a
// deadline and the work it bounds (a task's end, a Go, a Cancel, a slot
// handed on, a Put to a waiting Get) due at one instant run in the order
// the scheduler picks.
// The scope and the Queue decide them for the deadline, as asyncio does,
// by asking the clock; only for deadlines on a bubble's clock, so that
// nothing else pays for it. doc/semantics.md, "Ties at one instant of fake
// time".

// late reports whether this is the instant of the scope's deadline, its
// own or its parent's, on a testing/synctest bubble's clock, though its
// context may not have ended yet (see fakeDeadline and isNow). At that
// instant the deadline wins, as asyncio's timeout, armed first, fires
// first: the scope starts no task (start), counts a task's
// DeadlineExceeded as noise (isNoise), and a Cancel, its closing, or a
// slot's hand-over (unlink) waits for the context to end by the deadline
// (awaitDeadline). A bool load unless the deadline is a bubble's.
func (s *Scope) late() bool { return s.end != nil && isNow(*s.end) }

// awaitDeadline waits, at the very instant of the scope's deadline on a
// testing/synctest bubble's clock, for the context to end by it: its timer
// is due and may not have fired yet. So a scope that closes at that
// instant reports what the deadline gives (DeadlineExceeded, or the cause
// of a parent made by context.WithDeadlineCause) every run, not what the
// scheduler ran first. s.mu is held, and released while it waits.
func (s *Scope) awaitDeadline() {
	if !s.due() {
		return
	}
	s.mu.Unlock()
	awaitInstant(s.ctx)
	s.mu.Lock()
}

// due reports whether the scope is late and its context has not ended yet:
// then closing and Cancel wait for the deadline to end it (awaitInstant).
func (s *Scope) due() bool { return s.late() && s.ctx.Err() == nil }

// awaitInstant waits for ctx to end within this instant of a bubble's
// clock: a context whose deadline has come ends at it, and one that has
// not once the clock moves on has a Deadline no Done backs (see isNow).
func awaitInstant(ctx context.Context) {
	t := time.NewTimer(time.Nanosecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// isNow reports whether the clock reads d: for a deadline on a bubble's
// clock, whether this is the deadline's very instant, when its timer is due
// and may not have fired yet. Only that instant: a context that has not
// ended once fake time has moved on is one whose Deadline no Done backs (a
// wrapper that drops cancellation and forgets Deadline), and the bubble
// goes on as if it had none rather than wait for it for ever.
func isNow(d time.Time) bool { return time.Now().Equal(d) }

// fakeDeadline returns ctx's deadline and true if it has one on a
// testing/synctest bubble's clock. There the events due at one instant (a
// deadline, a task's end, a Put) run in whatever order the scheduler
// picks, and asking the clock decides them for the deadline. A bubble's
// clock starts in 2000, so its deadlines lie before the process started.
// A deadline on the real clock ends things when its timer fires, as it
// always did, and nothing asks the clock: a read costs 20 to 50ns, a fifth
// of a Go, and every start, hand-over and Queue wake-up under a deadline
// would pay it (a fan-out of 1,000 under WithTimeout, 19% to 28% slower; a
// queue whose Get has a deadline, 16%) to decide ties that real time,
// whose timers fire microseconds late, does not make. A context whose Done
// is nil cannot end, whatever its Deadline says: it has none here, so
// nothing waits for it to end.
func fakeDeadline(ctx context.Context) (time.Time, bool) {
	d, ok := ctx.Deadline()
	if !ok || !d.Before(processStart) || ctx.Done() == nil {
		return time.Time{}, false
	}
	return d, true
}

// processStart is when the package was initialized: on the real clock, as
// no bubble runs before init.
var processStart = time.Now()
