package scope_test

import (
	"context"

	"github.com/structuredgo/scope"
)

// wanted is what a scope's *Error must hold, by task name: a unique failure
// names its task, so each entry is looked up by name and checked by value.
type wanted map[string]*wantedFailure

type wantedFailure struct {
	is    func(error) bool
	may   presence
	taken int
}

type presence int

const (
	required  presence = iota
	optional           // noise or not, depending on a race the test cannot see
	forbidden          // noise: the scope must drop it
)

// expectedFailures lists the failures sp must report, from what its tasks
// did. A failure, a panic (under CapturePanics) and a Goexit are always
// kept; so is Run's body's failure. What a task that ended before Start's
// ready returned is the caller's, not the scope's. Blocking tasks return
// only noise. A host returns its nested scope's result: a cause is noise
// (the nested scope reports a cause only when its parent, this scope, was
// cancelled, and it is this scope's cause), its own *Error is kept whole, unless all its leaves are ErrGoexit
// and this scope was cancelled by a Goexit: then it wraps nothing but the
// cause, and semantics.md calls that noise.
func expectedFailures(sp *scopePlan) wanted {
	w := wanted{}
	if sp.bodyErr != nil {
		w["body"] = &wantedFailure{is: same(sp.bodyErr)}
	}
	for _, tp := range sp.all {
		if !tp.ran || tp.early {
			continue
		}
		switch tp.kind {
		case fails:
			w[tp.name] = &wantedFailure{is: same(tp.err)}
		case panics:
			w[tp.name] = &wantedFailure{is: func(err error) bool { return isPanicOf(err, tp) }}
		case exits:
			w[tp.name] = &wantedFailure{is: same(scope.ErrGoexit)}
		case hosts:
			if inner, ok := tp.child.ownTree(); ok {
				w[tp.name] = &wantedFailure{is: same(inner), may: hostPresence(sp, tp, inner)}
			}
		}
	}
	return w
}

// hostPresence says whether a host's nested *Error must be kept: it is noise
// if it only repeats sp's cause, ErrGoexit, and sp was cancelled by the time
// it was recorded. The host saw sp cancelled just before returning: then it
// certainly was; if not, sp may have been cancelled in between.
func hostPresence(sp *scopePlan, tp *taskPlan, inner *scope.Error) presence {
	switch {
	case !onlyGoexits(inner) || context.Cause(sp.ctx) != scope.ErrGoexit:
		return required
	case tp.sawDone:
		return forbidden
	}
	return optional
}

// onlyGoexits reports whether every leaf of the tree is ErrGoexit.
func onlyGoexits(e *scope.Error) bool {
	for _, err := range e.Errors() {
		if inner, ok := err.(*scope.Error); ok {
			if !onlyGoexits(inner) {
				return false
			}
		} else if err != scope.ErrGoexit {
			return false
		}
	}
	return true
}

func same(want error) func(error) bool {
	return func(err error) bool { return err == want }
}

// take checks one failure a *Error reported, and returns what is wrong
// with it, or "".
func (w wanted) take(name string, err error) string {
	f := w[name]
	switch {
	case f == nil:
		return "no such failure was recorded (cancellation noise, or made up)"
	case f.taken > 0:
		return "reported twice"
	case f.may == forbidden:
		return "only repeats the cause after cancellation: noise"
	case !f.is(err):
		return "not what the task returned"
	}
	f.taken++
	return ""
}

// missing returns the failures that must be there and were not taken.
func (w wanted) missing() []string {
	var names []string
	for name, f := range w {
		if f.taken == 0 && f.may == required {
			names = append(names, name)
		}
	}
	return names
}

// required counts the failures that must be there.
func (w wanted) required() int {
	n := 0
	for _, f := range w {
		if f.may == required {
			n++
		}
	}
	return n
}
