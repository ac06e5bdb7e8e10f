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
