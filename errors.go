package scope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
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
// [Error.Unwrap]); go.uber.org/multierr.Errors splits its top level, a
// nested *Error staying one entry. Print it with %v for one
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
	var b strings.Builder
	for { // a nested first failure: its line, built here, not by recursion
		switch {
		case e == nil || len(e.errs) == 0:
			b.WriteString("scope: no failures")
			return b.String()
		case len(e.errs) == 1:
			b.WriteString("scope: 1 failure: ")
		default:
			b.WriteString("scope: " + strconv.Itoa(len(e.errs)) + " failures, first: ")
		}
		next, nested := e.errs[0].(*Error)
		if !nested {
			first, _, _ := strings.Cut(message(e.errs[0]), "\n")
			b.WriteString(first)
			return b.String()
		}
		e = next
	}
}

// message is err.Error() as fmt prints it: "<nil>" for a nil pointer whose
// Error method dereferences it, which a task may return as a non-nil error.
func message(err error) string { return fmt.Sprint(err) }

// Format prints [Error.Error] for %v and %s, and for %+v the whole tree: each
// failure under a header with its number and task name, printed with %+v
// (so panic stacks, and the stacks of errors that carry one, show), nested
// scopes indented like Python's ExceptionGroup traceback. A failure that
// wraps a nested scope's *Error (fmt.Errorf's %w, errors.Join) and does not
// format itself is followed by that scope's failures, so that no task name
// or stack goes missing from the report.
func (e *Error) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('+'):
		var b strings.Builder
		e.writeTree(&b, "")
		io.WriteString(f, strings.TrimSuffix(b.String(), "\n"))
	case verb == 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		io.WriteString(f, e.Error())
	}
}

// writeTree writes e's lines of %+v, each after indent: one pass, however
// deep the tree.
func (e *Error) writeTree(b *strings.Builder, indent string) {
	writeLine(b, indent, e.Error())
	e.writeFailures(b, indent)
}

// writeFailures writes each failure of e under its header, then the rule
// that closes them.
func (e *Error) writeFailures(b *strings.Builder, indent string) {
	if e == nil {
		return
	}
	for i, err := range e.errs {
		corner := "  +"
		if i == 0 {
			corner = "+-+"
		}
		writeLine(b, indent, fmt.Sprintf("%s---------------- %d of %d, task %q ----------------",
			corner, i+1, len(e.errs), e.tasks[i]))
		writeFailure(b, indent+"  | ", err)
	}
	writeLine(b, indent, "  +------------------------------------")
}

// writeFailure writes one failure: a nested scope's tree, or the error's %+v
// followed by the failures of the scopes it wraps, unless it formats itself
// (and so decides what of its causes to show).
func writeFailure(b *strings.Builder, indent string, err error) {
	if inner, ok := err.(*Error); ok {
		inner.writeTree(b, indent)
		return
	}
	for line := range strings.SplitSeq(strings.TrimRight(fmt.Sprintf("%+v", err), "\n"), "\n") {
		writeLine(b, indent, line)
	}
	if _, formats := err.(fmt.Formatter); !formats {
		for _, inner := range scopesWrappedBy(err) {
			inner.writeFailures(b, indent)
		}
	}
}

// scopesWrappedBy returns the *Errors in err's chain, or none if an Unwrap
// method in it panics: one bad wrapper must not cost the report every
// other failure (fmt recovers the panics of Error and Format,
// but wrappedScopes calls Unwrap itself).
func scopesWrappedBy(err error) (found []*Error) {
	defer func() {
		if recover() != nil {
			found = nil
		}
	}()
	return wrappedScopes(err, nil, 0)
}

// wrappedScopes appends to found the *Errors in err's chain, outermost
// first, without looking inside them. It stops maxWrapDepth wrappers down,
// for an Unwrap that returns its own error, and at a nil pointer, whose
// Unwrap would dereference it.
func wrappedScopes(err error, found []*Error, depth int) []*Error {
	if depth == maxWrapDepth || isNilPointer(err) {
		return found
	}
	switch u := err.(type) {
	case *Error:
		found = append(found, u)
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			found = wrappedScopes(inner, found, depth+1)
		}
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			found = wrappedScopes(inner, found, depth+1)
		}
	}
	return found
}

// maxWrapDepth bounds wrappedScopes: real chains are a few wrappers deep.
const maxWrapDepth = 100

// isNilPointer reports whether err holds a nil pointer, as a task may return.
func isNilPointer(err error) bool {
	v := reflect.ValueOf(err)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// writeLine writes indent and text as one line, without trailing blanks.
func writeLine(b *strings.Builder, indent, text string) {
	if text = strings.TrimRight(text, " "); text == "" {
		indent = strings.TrimRight(indent, " ")
	}
	b.WriteString(indent)
	b.WriteString(text)
	b.WriteByte('\n')
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
// whole, and so is a nil *Error a task returned); a nested *Error is split
// in turn, and the group itself is never offered. A side with no failures is nil.
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
		if inner, ok := err.(*Error); ok && inner != nil {
			im, ir := inner.Split(match)
			m.addGroup(im, e.tasks[i])
			r.addGroup(ir, e.tasks[i])
		} else if match(err) { // a leaf, even a nil *Error a task returned
			m.add(err, e.tasks[i])
		} else {
			r.add(err, e.tasks[i])
		}
	}
	return m.orNil(), r.orNil()
}

// add appends a failure.
func (e *Error) add(err error, task string) {
	e.errs = append(e.errs, err)
	e.tasks = append(e.tasks, task)
}

// addGroup appends a side of a nested split, unless it is empty.
func (e *Error) addGroup(side *Error, task string) {
	if side != nil {
		e.add(side, task)
	}
}

func (e *Error) orNil() *Error {
	if len(e.errs) == 0 {
		return nil
	}
	return e
}

// PanicError is a task's panic, recovered: its value, the task's name, and
// the stack of the goroutine where it happened, from the panic down.
//
// A panic that comes out of a nested scope's Wait is a *PanicError already:
// the task (or body) it crosses passes it on as it is, not wrapped in
// another, so Value, Stack and Task are the first panic's at any depth.
// But a nested Run whose own body panicked re-panics the body's value
// itself, as a body's panic does, so the task it crosses wraps that: Task
// is then the crossing task's name, and Stack still reaches the body's
// panic.
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

// recovered returns what a task's panic with value r is: r itself when it
// is a *PanicError, which a nested scope's Wait (or Start) re-panicked, so
// that the first panic's value, task and stack come through any depth of
// scopes whole, as a Python exception does through nested TaskGroups; a
// new *PanicError otherwise.
func recovered(r any, task string) *PanicError {
	if p, ok := r.(*PanicError); ok && p != nil {
		return p
	}
	return newPanicError(r, task)
}

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
