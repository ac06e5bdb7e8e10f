package scope_test

import (
	"context"
	"testing"

	"github.com/structuredgo/scope"
)

// Misuse panics at once with a message that starts "scope:" and says what to do.
func TestMisusePanicsWithAClearMessage(t *testing.T) {
	var zero scope.Scope
	var nilScope *scope.Scope
	var nilCtx context.Context
	noop := func(context.Context) error { return nil }
	body := func(context.Context, *scope.Scope) error { return nil }
	cases := []struct {
		name, want string
		f          func()
	}{
		{"Run with nil ctx", "context.Background()", func() { scope.Run(nilCtx, body) }},
		{"New with nil ctx", "context.Background()", func() { scope.New(nilCtx) }},
		{"Run with nil body", "nil body", func() { scope.Run(bg, nil) }},
		{"Go with nil fn", "nil task function", func() {
			s, _ := scope.New(bg)
			defer s.Wait()
			s.Go(nil)
		}},
		{"TryGo with nil fn", "nil task function", func() {
			s, _ := scope.New(bg)
			defer s.Wait()
			s.TryGo(nil)
		}},
		{"nil TaskOption", "nil TaskOption", func() {
			s, _ := scope.New(bg)
			defer s.Wait()
			s.Go(noop, nil)
		}},
		{"WithLimit(0)", "at least 1", func() { scope.WithLimit(0) }},
		{"WithLimit(-3)", "at least 1", func() { scope.WithLimit(-3) }},
		{"OnFailure(nil)", "OnFailure(nil)", func() { scope.OnFailure(nil) }},
		{"nil Option", "nil Option", func() { scope.New(bg, nil) }},
		{"zero Scope Go", "use New or Run", func() { zero.Go(noop) }},
		{"zero Scope Wait", "use New or Run", func() { zero.Wait() }},
		{"zero Scope Cancel", "use New or Run", func() { zero.Cancel(nil) }},
		{"zero Scope Tasks", "use New or Run", func() { zero.Tasks() }},
		{"nil Scope Context", "use New or Run", func() { nilScope.Context() }},
		{"Split(nil)", "Split(nil)", func() { (&scope.Error{}).Split(nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantScopePanic(t, c.f, c.want) })
	}
}

func TestZeroScopeStringDoesNotPanic(t *testing.T) {
	var zero scope.Scope
	if got := zero.String(); got == "" {
		t.Errorf("String() of a zero Scope is empty")
	}
}
