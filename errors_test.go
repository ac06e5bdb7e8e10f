package scope_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/structuredgo/scope"
	"go.uber.org/multierr"
)

var (
	errA     = errors.New("a failed\nwith a second line")
	errB     = errors.New("b failed")
	errDeep  = errors.New("deep failed")
	errOther = errors.New("other failed")
)

// inOrder returns a task that runs a supervised scope whose tasks fail with
// errs in this order (each starts once the one before has been recorded),
// named prefix-0, prefix-1, ...
func inOrder(prefix string, errs ...error) func(context.Context) error {
	return func(ctx context.Context) error {
		recorded := make(chan struct{})
		return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
			for i, err := range errs {
				s.Go(func(context.Context) error { return err }, scope.Named(fmt.Sprintf("%s-%d", prefix, i)))
				<-recorded
			}
			return nil
		}, scope.Supervise(), scope.OnFailure(func(string, error) { recorded <- struct{}{} }))
	}
}

// tree builds, in this order: a; b; a nested scope "inner" with deep and
// other; an error wrapping a nested scope; an errors.Join.
func tree(t *testing.T) *scope.Error {
	t.Helper()
	recorded := make(chan struct{})
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"a", func(context.Context) error { return errA }},
		{"b", func(context.Context) error { return errB }},
		{"inner", inOrder("leaf", errDeep, errOther)},
		{"wrapped", func(ctx context.Context) error { return fmt.Errorf("wrapped: %w", inOrder("w", errDeep)(ctx)) }},
		{"joined", func(context.Context) error { return errors.Join(errDeep, errB) }},
	}
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		for _, st := range steps {
			s.Go(st.fn, scope.Named(st.name))
			<-recorded
		}
		return nil
	}, scope.Supervise(), scope.OnFailure(func(string, error) { recorded <- struct{}{} }))
	return asError(t, err)
}

func TestErrorIsOneLine(t *testing.T) {
	e := tree(t)
	want := "scope: 5 failures, first: a failed"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	for _, verb := range []string{"%v", "%s"} {
		if got := fmt.Sprintf(verb, e); got != want {
			t.Errorf("%s = %q; want %q", verb, got, want)
		}
	}
	one := asError(t, scope.Run(bg, func(ctx context.Context, s *scope.Scope) error { return errB }))
	if got := one.Error(); got != "scope: 1 failure: b failed" {
		t.Errorf("Error() of one failure = %q", got)
	}
}

func TestPlusVPrintsTheTree(t *testing.T) {
	got := fmt.Sprintf("%+v", tree(t))
	want := strings.Join([]string{
		`scope: 5 failures, first: a failed`,
		`+-+---------------- 1 of 5, task "a" ----------------`,
		`  | a failed`,
		`  | with a second line`,
		`  +---------------- 2 of 5, task "b" ----------------`,
		`  | b failed`,
		`  +---------------- 3 of 5, task "inner" ----------------`,
		`  | scope: 2 failures, first: deep failed`,
		`  | +-+---------------- 1 of 2, task "leaf-0" ----------------`,
		`  |   | deep failed`,
		`  |   +---------------- 2 of 2, task "leaf-1" ----------------`,
		`  |   | other failed`,
		`  |   +------------------------------------`,
		`  +---------------- 4 of 5, task "wrapped" ----------------`,
		`  | wrapped: scope: 1 failure: deep failed`,
		`  | +-+---------------- 1 of 1, task "w-0" ----------------`,
		`  |   | deep failed`,
		`  |   +------------------------------------`,
		`  +---------------- 5 of 5, task "joined" ----------------`,
		`  | deep failed`,
		`  | b failed`,
		`  +------------------------------------`,
	}, "\n")
	if got != want {
		t.Errorf("%%+v =\n%s\nwant\n%s", got, want)
	}
}

func TestPlusVShowsPanicStacks(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { panicHere("in the tree"); return nil }, scope.Named("worker"))
		return nil
	}, scope.CapturePanics())
	got := fmt.Sprintf("%+v", err)
	for _, want := range []string{`task "worker"`, `| scope: task "worker" panicked: in the tree`, "scope_test.panicHere"} {
		if !strings.Contains(got, want) {
			t.Errorf("%%+v lacks %q:\n%s", want, got)
		}
	}
}

func TestIsAndAsSeeThroughTheTree(t *testing.T) {
	e := tree(t)
	for _, target := range []error{errA, errB, errDeep, errOther} {
		if !errors.Is(e, target) {
			t.Errorf("errors.Is(tree, %q) = false", target)
		}
	}
	var inner *scope.Error
	if !errors.As(e.Errors()[3], &inner) || inner.Tasks()[0] != "w-0" {
		t.Errorf("errors.As did not find the *Error inside the wrapped failure")
	}
}

func TestErrorsIsACopyAndUnwrapTheSlice(t *testing.T) {
	e := tree(t)
	errs := e.Errors()
	if len(errs) != 5 || errs[0] != errA || errs[1] != errB {
		t.Fatalf("Errors() = %v", errs)
	}
	errs[0] = nil
	if e.Errors()[0] != errA || e.Unwrap()[0] != errA {
		t.Errorf("modifying the copy changed the Error")
	}
	if names := e.Tasks(); strings.Join(names, ",") != "a,b,inner,wrapped,joined" {
		t.Errorf("Tasks() = %v", names)
	}
}

func TestMultierrSplitsIt(t *testing.T) {
	e := tree(t)
	got := multierr.Errors(e)
	if len(got) != 5 || got[0] != errA {
		t.Fatalf("multierr.Errors = %v; want the 5 top-level failures", got)
	}
	if _, ok := got[2].(*scope.Error); !ok {
		t.Errorf("multierr flattened the nested *Error: %T", got[2])
	}
	// multierr keeps a foreign tree whole when combining.
	if c := multierr.Combine(errOther, e); len(multierr.Errors(c)) != 2 || !errors.Is(c, errDeep) {
		t.Errorf("multierr.Combine = %v", c)
	}
}

func TestSplitKeepsNestingAndNames(t *testing.T) {
	e := tree(t)
	var offered []string
	matched, rest := e.Split(func(err error) bool {
		offered = append(offered, strings.SplitN(err.Error(), "\n", 2)[0])
		return errors.Is(err, errDeep)
	})
	// Leaves only: the wrapped scope and the join are offered whole.
	wantOffered := "a failed|b failed|deep failed|other failed|wrapped: scope: 1 failure: deep failed|deep failed"
	if got := strings.Join(offered, "|"); got != wantOffered {
		t.Errorf("offered %q; want %q", got, wantOffered)
	}
	if got := strings.Join(matched.Tasks(), ","); got != "inner,wrapped,joined" {
		t.Errorf("matched tasks %s; want inner,wrapped,joined", got)
	}
	inner, ok := matched.Errors()[0].(*scope.Error)
	if !ok || len(inner.Errors()) != 1 || inner.Errors()[0] != errDeep || inner.Tasks()[0] != "leaf-0" {
		t.Errorf("matched inner = %v; want a nested *Error of deep from leaf-0", matched.Errors()[0])
	}
	if got := strings.Join(rest.Tasks(), ","); got != "a,b,inner" {
		t.Errorf("rest tasks %s; want a,b,inner", got)
	}
	if restInner := rest.Errors()[2].(*scope.Error); restInner.Errors()[0] != errOther {
		t.Errorf("rest inner = %v; want other", restInner)
	}
}

func TestSplitReturnsNilForAnEmptySide(t *testing.T) {
	e := tree(t)
	all, none := e.Split(func(error) bool { return true })
	if none != nil || len(all.Errors()) != 5 {
		t.Errorf("Split(all) = %v, %v; want everything, nil", all, none)
	}
	none, all = e.Split(func(error) bool { return false })
	if none != nil || len(all.Errors()) != 5 {
		t.Errorf("Split(none) = %v, %v; want nil, everything", none, all)
	}
}

func TestNilErrorMethodsAreSafe(t *testing.T) {
	var e *scope.Error
	if e.Error() == "" || e.Unwrap() != nil || e.Errors() != nil || e.Tasks() != nil {
		t.Errorf("nil *Error methods misbehave")
	}
	if m, r := e.Split(func(error) bool { return true }); m != nil || r != nil {
		t.Errorf("nil Split = %v, %v", m, r)
	}
	if got := fmt.Sprintf("%+v", e); !strings.HasPrefix(got, "scope:") {
		t.Errorf("%%+v of nil = %q", got)
	}
}

func TestPanicErrorUnwrapsErrorValues(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { panic(errB) })
		s.Go(func(context.Context) error { panic(42) })
		return nil
	}, scope.CapturePanics(), scope.Supervise())
	if !errors.Is(err, errB) {
		t.Errorf("errors.Is does not reach an error panic value: %v", err)
	}
	for _, f := range asError(t, err).Errors() {
		pe := f.(*scope.PanicError)
		if (pe.Value == 42) != (pe.Unwrap() == nil) {
			t.Errorf("Unwrap() of panic(%v) = %v", pe.Value, pe.Unwrap())
		}
	}
}

// fieldErr is an error whose Error method reads a field: a nil *fieldErr
// returned as an error is a failure, and dereferencing it would panic.
type fieldErr struct{ msg string }

func (e *fieldErr) Error() string { return e.msg }

// A task that returns a nil pointer as its error has failed (the interface
// is not nil), and the report prints it as fmt does, "<nil>", instead of
// panicking in the middle of Main's report.
func TestTypedNilFailurePrints(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return (*fieldErr)(nil) }, scope.Named("nil-pointer"))
		return nil
	})
	e := asError(t, err)
	if got := e.Error(); got != "scope: 1 failure: <nil>" {
		t.Errorf("Error() = %q; want %q", got, "scope: 1 failure: <nil>")
	}
	got := fmt.Sprintf("%+v", e)
	if !strings.Contains(got, `task "nil-pointer"`) || !strings.Contains(got, "  | <nil>") || strings.Contains(got, "PANIC") {
		t.Errorf("%%+v =\n%s\nwant the task's name and <nil>", got)
	}
}

// nestedFailure returns the error of depth scopes, each a task of the one
// above, the innermost failing with errDeep.
func nestedFailure(depth int) error {
	fail := func(context.Context) error { return errDeep }
	for range depth {
		inner := fail
		fail = func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
				s.Go(inner, scope.Named("down"))
				return nil
			})
		}
	}
	return fail(bg)
}

// A deep tree prints whole, three lines a scope and the failure at the
// bottom, indented once a level (Python's traceback stops at a depth of 10;
// this prints everything, in one pass).
func TestPlusVPrintsADeepTreeWhole(t *testing.T) {
	const depth = 1000
	err := nestedFailure(depth)
	if want := strings.Repeat("scope: 1 failure: ", depth) + "deep failed"; err.Error() != want {
		t.Fatalf("Error() = %.80q...; want each level's count, then deep failed", err.Error())
	}
	lines := strings.Split(fmt.Sprintf("%+v", err), "\n")
	if len(lines) != 3*depth+1 {
		t.Fatalf("%%+v has %d lines; want %d", len(lines), 3*depth+1)
	}
	if bottom, want := lines[2*depth], strings.Repeat("  | ", depth)+"deep failed"; bottom != want {
		t.Errorf("line %d = %.60q...; want the failure %d levels in", 2*depth, bottom, depth)
	}
}

// formatted formats itself, as pkg/errors' wrappers do: its %+v shows its
// cause's, so the tree must not print the wrapped scope's failures again.
type formatted struct{ cause error }

func (f formatted) Error() string { return "formatted: " + f.cause.Error() }
func (f formatted) Unwrap() error { return f.cause }
func (f formatted) Format(s fmt.State, verb rune) {
	fmt.Fprintf(s, "formatted, cause follows:\n%+v", f.cause)
}

// A failure that wraps scopes' errors without formatting itself (fmt.Errorf's
// %w, errors.Join) is followed by their failures, so their task names and
// stacks reach the report; one that formats itself prints only itself.
func TestPlusVShowsTheScopesAFailureWraps(t *testing.T) {
	left := inOrder("left", errB)
	right := inOrder("right", errOther)
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { return errors.Join(left(ctx), right(ctx)) }, scope.Named("joined"))
		s.Go(func(ctx context.Context) error { return formatted{left(ctx)} }, scope.Named("formatted"))
		return nil
	}, scope.Supervise())
	got := fmt.Sprintf("%+v", err)
	for _, want := range []string{
		"  | scope: 1 failure: b failed\n  | scope: 1 failure: other failed\n" +
			`  | +-+---------------- 1 of 1, task "left-0" ----------------` + "\n  |   | b failed\n  |   +---",
		`  | +-+---------------- 1 of 1, task "right-0" ----------------` + "\n  |   | other failed\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%%+v =\n%s\nlacks\n%s", got, want)
		}
	}
	if n := strings.Count(got, `task "left-0"`); n != 2 {
		t.Errorf("%%+v names left-0 %d times; want twice: under the join, and once in the formatted failure's own %%+v:\n%s", n, got)
	}
}

// A nil *Error that a task returned (the misuse Error's doc comment warns
// of) is a failure like any other, and Split offers it as a leaf, so it
// lands on one side, not neither.
func TestSplitOffersANilErrorAsALeaf(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return (*scope.Error)(nil) }, scope.Named("nil-error"))
		return nil
	})
	e := asError(t, err)
	all, none := e.Split(func(error) bool { return true })
	if none != nil || len(all.Errors()) != 1 || all.Tasks()[0] != "nil-error" {
		t.Errorf("Split(all) = %v, %v; want the nil *Error matched", all, none)
	}
	none, all = e.Split(func(error) bool { return false })
	if none != nil || len(all.Errors()) != 1 {
		t.Errorf("Split(none) = %v, %v; want the nil *Error in the rest", none, all)
	}
}

// wrapErr wraps a cause; a nil *wrapErr's Unwrap would dereference it.
type wrapErr struct{ cause error }

func (w *wrapErr) Error() string { return "wrap: " + w.cause.Error() }
func (w *wrapErr) Unwrap() error { return w.cause }

// loopErr unwraps to itself.
type loopErr struct{}

func (loopErr) Error() string   { return "loop" }
func (l loopErr) Unwrap() error { return l }

// Looking for the scopes a failure wraps never breaks the report: not at a
// nil pointer with an Unwrap method, not at an Unwrap that returns itself.
func TestPlusVSurvivesOddWrappers(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return (*wrapErr)(nil) }, scope.Named("nil-wrapper"))
		s.Go(func(context.Context) error { return loopErr{} }, scope.Named("loop"))
		return nil
	}, scope.Supervise())
	got := fmt.Sprintf("%+v", err)
	for _, want := range []string{`task "nil-wrapper"`, "  | <nil>", `task "loop"`, "  | loop"} {
		if !strings.Contains(got, want) || strings.Contains(got, "PANIC") {
			t.Errorf("%%+v =\n%s\nlacks %q, or panicked", got, want)
		}
	}
}
