package scope_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/structuredgo/scope"
)

// A checker collects what a finished tree got wrong.
type checker struct {
	problems []string
	ran      int // tasks whose function ran
	failures int // failures found where they belong
}

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// scope checks sp and, through its hosts, every scope under it.
func (c *checker) scope(sp *scopePlan, where string) {
	if !sp.made {
		return
	}
	if sp.waits != 1 {
		c.fail("%s: Wait returned %d times; want once", where, sp.waits)
	}
	if sp.waitTwice && sp.otherWait != sp.result {
		c.fail("%s: two Waits returned %v and %v; want the same", where, sp.result, sp.otherWait)
	}
	for _, tp := range sp.all {
		c.task(sp, tp, where)
		if tp.child != nil && tp.ran {
			c.scope(tp.child, where+"/"+tp.name)
		}
	}
	c.result(sp, where)
}

// task checks the order of tp's events and what its starter was told.
func (c *checker) task(sp *scopePlan, tp *taskPlan, where string) {
	switch {
	case !tp.tried:
		if tp.ran {
			c.fail("%s: %s ran, but was never started", where, tp.name)
		}
		return
	case tp.ran:
		c.ran++
	}
	switch {
	case tp.ran && tp.afterCancel:
		c.fail("%s: %s started after its scope was seen cancelled, and ran", where, tp.name)
	case tp.ran && tp.refused:
		c.fail("%s: %s was refused, and ran", where, tp.name)
	case tp.ran && !(tp.startSeq < tp.endSeq && tp.endSeq < sp.waitSeq):
		c.fail("%s: %s ran from %d to %d, after its scope's Wait returned at %d", where, tp.name, tp.startSeq, tp.endSeq, sp.waitSeq)
	}
	switch tp.via {
	case viaSpawn, viaTrySpawn:
		c.spawned(sp, tp, where)
	case viaStart:
		c.started(sp, tp, where)
	}
}

// spawned checks a Task's result, final once its scope's Wait returned.
func (c *checker) spawned(sp *scopePlan, tp *taskPlan, where string) {
	if tp.refused {
		if tp.spawned != nil {
			c.fail("%s: refused TrySpawn of %s returned a task", where, tp.name)
		}
		return
	}
	v, err := tp.spawned.Result()
	var ok bool
	switch {
	case !tp.ran:
		ok = err != nil && err == context.Cause(sp.ctx)
	case tp.kind == panics:
		ok = isPanicOf(err, tp)
	case tp.kind == exits:
		ok = errors.Is(err, scope.ErrGoexit)
	default:
		ok = v == tp.id && err == tp.returned
	}
	if !ok {
		c.fail("%s: Result of %s = (%d, %v)", where, tp.name, v, err)
	}
}

// started checks what Start returned: the value once ready, or, for a task
// that ended first, its outcome, which the scope never sees.
func (c *checker) started(sp *scopePlan, tp *taskPlan, where string) {
	v, err := tp.startVal, tp.startErr
	var ok bool
	switch {
	case !tp.ran:
		ok = err != nil && err == context.Cause(sp.ctx)
	case !tp.early:
		ok = v == tp.id && err == nil
	case tp.kind == panics:
		ok = isPanicOf(err, tp)
	case tp.kind == exits:
		ok = errors.Is(err, scope.ErrGoexit)
	case tp.returned == nil:
		ok = errors.Is(err, scope.ErrNotReady)
	default:
		ok = err == tp.returned
	}
	if !ok {
		c.fail("%s: Start of %s = (%d, %v)", where, tp.name, v, err)
	}
}

// result checks what sp's Wait returned against the failures its tasks
// recorded: every one exactly once, nothing else (no cancellation noise),
// and what OnFailure was told.
func (c *checker) result(sp *scopePlan, where string) {
	want := expectedFailures(sp)
	e, isTree := sp.ownTree()
	if !isTree {
		if n := want.required(); n > 0 {
			c.fail("%s: Wait = %v; want an *Error of %d failures", where, sp.result, n)
		} else if sp.result != nil && sp.result != sp.parentCause {
			c.fail("%s: Wait = %v; want nil or the parent's cause %v", where, sp.result, sp.parentCause)
		}
		c.observed(sp, nil, nil, where)
		return
	}
	errs, names := e.Errors(), e.Tasks()
	if len(errs) == 0 || len(errs) != len(names) {
		c.fail("%s: *Error with %d failures and %d names", where, len(errs), len(names))
	}
	for i, err := range errs {
		if msg := want.take(names[i], err); msg != "" {
			c.fail("%s: failure %d of %q: %v: %s", where, i+1, names[i], err, msg)
		}
	}
	c.failures += len(errs)
	for _, name := range want.missing() {
		c.fail("%s: failure of %s missing from %v", where, name, sp.result)
	}
	c.observed(sp, errs, names, where)
}

// observed checks that OnFailure heard of exactly the failures kept.
func (c *checker) observed(sp *scopePlan, errs []error, names []string, where string) {
	if !sp.observe {
		return
	}
	kept := make(map[failureSeen]int)
	for i := range errs {
		kept[failureSeen{names[i], errs[i]}]++
	}
	for _, f := range sp.seen {
		kept[f]--
	}
	for f, n := range kept {
		if n != 0 {
			c.fail("%s: OnFailure heard of %q: %v %d times less than Wait reports it", where, f.task, f.err, n)
		}
	}
}

func isPanicOf(err error, tp *taskPlan) bool {
	var pe *scope.PanicError
	return errors.As(err, &pe) && pe.Value == tp.token && pe.Task == tp.name
}

// ownTree returns sp's result as its own *Error. A scope that its parent
// cancelled, with no failure of its own, returns the parent's cause, which
// may be the parent's first failure, an *Error of other scopes. (Later its
// own *Error may become the parent's cause: hence the cause as it was when
// Wait returned.)
func (sp *scopePlan) ownTree() (*scope.Error, bool) {
	e, ok := sp.result.(*scope.Error)
	if !ok || sp.result == sp.parentCause {
		return nil, false
	}
	return e, true
}
