package scope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
)

// Error is what a scope's Wait returns when tasks failed: every failure, in
// the order recorded, each beside the name of the task that returned it. It is
// Python's ExceptionGroup: never empty, and a nested scope's *Error is kept
// whole inside it, so the tree mirrors the scopes.
//
// [errors.Is] and [errors.As] see through the whole tree (through
// [Error.Unwrap]), and so does go.uber.org/multierr. Print it with %v for one
// line, %+v for the tree with task names and panic stacks.
//
// Every method is safe on a nil *Error, which [Error.Split] returns for an
// empty side. Do not return a nil *Error as an error: the interface would not
// be nil. Check the pointer first.
type Error struct {
	errs  []error
	tasks []string // tasks[i] returned errs[i]
}

var _ interface {
	error
	fmt.Formatter
	Unwrap() []error
} = (*Error)(nil)

// Error returns one line: how many tasks failed (at the top level, as
// Python's ExceptionGroup counts) and the first failure's message, cut at its
// first newline.
func (e *Error) Error() string {
	if e == nil || len(e.errs) == 0 {
		return "scope: no failures"
	}
	first, _, _ := strings.Cut(e.errs[0].Error(), "\n")
	if len(e.errs) == 1 {
		return "scope: 1 failure: " + first
	}
	return "scope: " + strconv.Itoa(len(e.errs)) + " failures, first: " + first
}

// Format prints [Error.Error] for %v and %s, and for %+v the whole tree: each
// failure under a header with its number and task name, printed with %+v
// (so panic stacks, and the stacks of errors that carry one, show), nested
// scopes indented like Python's ExceptionGroup traceback.
func (e *Error) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('+'):
		io.WriteString(f, strings.Join(e.tree(), "\n"))
	case verb == 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		io.WriteString(f, e.Error())
	}
}

// tree returns the lines of %+v.
func (e *Error) tree() []string {
	lines := []string{e.Error()}
	if e == nil {
		return lines
	}
	for i, err := range e.errs {
		corner := "  +"
		if i == 0 {
			corner = "+-+"
		}
		lines = append(lines, fmt.Sprintf("%s---------------- %d of %d, task %q ----------------",
			corner, i+1, len(e.errs), e.tasks[i]))
		var sub []string
		if inner, ok := err.(*Error); ok {
			sub = inner.tree()
		} else {
			sub = strings.Split(strings.TrimRight(fmt.Sprintf("%+v", err), "\n"), "\n")
		}
		for _, l := range sub {
			lines = append(lines, strings.TrimRight("  | "+l, " "))
		}
	}
	return append(lines, "  +------------------------------------")
}

// Unwrap returns the failures, for [errors.Is], [errors.As] and
// multierr.Errors. The slice is the Error's own: do not modify it.
func (e *Error) Unwrap() []error {
	if e == nil {
		return nil
	}
	return e.errs
}

// Errors returns a copy of the failures, as the tasks returned them, in the
// order they were recorded; a nested scope's failures stay inside its
// *Error. The caller may modify the slice.
func (e *Error) Errors() []error {
	if e == nil {
		return nil
	}
	return append([]error(nil), e.errs...)
}

// Tasks returns the names of the tasks that returned the failures:
// Tasks()[i] returned Errors()[i]. The caller may modify the slice.
func (e *Error) Tasks() []string {
	if e == nil {
		return nil
	}
	return append([]string(nil), e.tasks...)
}

// Split is Python's ExceptionGroup.split: it divides the tree into the
// failures match accepts and the rest, keeping the nesting and the task
// names. match is offered only leaves: any failure whose dynamic type is not
// *Error (so an error wrapping an *Error, and an errors.Join, are offered
// whole); a nested *Error is split in turn, and the group itself is never
// offered. A side with no failures is nil.
//
// Split panics if match is nil.
func (e *Error) Split(match func(error) bool) (matched, rest *Error) {
	if match == nil {
		panic("scope: Split(nil); pass the function that picks the failures to split off")
	}
	if e == nil {
		return nil, nil
	}
	var m, r Error
	for i, err := range e.errs {
		if inner, ok := err.(*Error); ok {
			im, ir := inner.Split(match)
			m.add(im, e.tasks[i])
			r.add(ir, e.tasks[i])
			continue
		}
		if match(err) {
			m.add(err, e.tasks[i])
		} else {
			r.add(err, e.tasks[i])
		}
	}
	return m.orNil(), r.orNil()
}

// add appends a failure, skipping a nil *Error (an empty side of a split).
func (e *Error) add(err error, task string) {
	if inner, ok := err.(*Error); ok && inner == nil {
		return
	}
	e.errs = append(e.errs, err)
	e.tasks = append(e.tasks, task)
}

func (e *Error) orNil() *Error {
	if len(e.errs) == 0 {
		return nil
	}
	return e
}

// PanicError is a task's panic, recovered: its value, the task's name, and
// the stack of the goroutine where it happened, from the panic down.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack, as debug.Stack prints it
	Task  string // the task that panicked, or "body" for Run's body
}

var _ error = (*PanicError)(nil)

// Error returns the task's name and the panic value on its first line, then
// the stack: when a re-panic crashes the program, the runtime prints only
// this.
func (p *PanicError) Error() string {
	return "scope: task " + strconv.Quote(p.Task) + " panicked: " + fmt.Sprint(p.Value) +
		"\n\n" + string(p.Stack)
}

// Unwrap returns the panic value when it is an error, so that [errors.Is]
// and [errors.As] see it (a runtime.Error, say), and nil otherwise.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// ErrGoexit is the failure of a task that called runtime.Goexit instead of
// returning, as t.FailNow and t.Fatal do. The scope does not hang: the task is
// counted out, and its siblings are cancelled as for any failure.
var ErrGoexit = errors.New("scope: task called runtime.Goexit (t.FailNow or t.Fatal?); return an error instead")

// newPanicError recovers what a task's panic left: the value, and the stack
// from the goroutine header down, with the frames of the recovery itself cut
// so that the stack starts at the call of panic.
func newPanicError(value any, task string) *PanicError {
	stack := debug.Stack()
	header, frames, _ := bytes.Cut(stack, []byte("\n"))
	if i := bytes.Index(frames, []byte("\npanic(")); i >= 0 {
		stack = append(append(header, '\n'), frames[i+1:]...)
	}
	return &PanicError{Value: value, Stack: stack, Task: task}
}
