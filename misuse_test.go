package scope_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

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
		{"ValuesFrom(nil)", "ValuesFrom(nil)", func() { scope.ValuesFrom(nilCtx) }},
		{"nil Option", "nil Option", func() { scope.New(bg, nil) }},
		{"zero Scope Go", "use New or Run", func() { zero.Go(noop) }},
		{"zero Scope Wait", "use New or Run", func() { zero.Wait() }},
		{"zero Scope Cancel", "use New or Run", func() { zero.Cancel(nil) }},
		{"zero Scope Tasks", "use New or Run", func() { zero.Tasks() }},
		{"nil Scope Context", "use New or Run", func() { nilScope.Context() }},
		{"Split(nil)", "Split(nil)", func() { (&scope.Error{}).Split(nil) }},
		{"Gather of nothing with nil ctx", "context.Background()", func() { scope.Gather[int](nilCtx) }},
		{"Map of nothing with nil ctx", "context.Background()", func() {
			scope.Map(nilCtx, nil, func(context.Context, int) (int, error) { return 0, nil })
		}},
		{"Map of nothing with a nil Option", "nil Option", func() {
			scope.Map(bg, nil, func(context.Context, int) (int, error) { return 0, nil }, nil)
		}},
		{"Sleep with nil ctx", "context.Background()", func() { scope.Sleep(nilCtx, time.Second) }},
		{"AsCompleted with nil ctx, at the call", "context.Background()", func() {
			_ = scope.AsCompleted(nilCtx, func(context.Context) (int, error) { return 0, nil })
		}},
		{"Queue.Put with nil ctx", "context.Background()", func() { scope.NewQueue[int](1).Put(nilCtx, 1) }},
		{"Queue.Get with nil ctx", "context.Background()", func() { scope.NewQueue[int](1).Get(nilCtx) }},
		{"Queue.Join with nil ctx", "context.Background()", func() { scope.NewQueue[int](1).Join(nilCtx) }},
		{"Queue.All with nil ctx", "context.Background()", func() { scope.NewQueue[int](1).All(nilCtx) }},
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

// A Task not made by Spawn or TrySpawn, nil (TrySpawn's when it started
// nothing) or zero, panics in every method instead of blocking for ever or
// failing in a nil dereference; so does Wait with a nil context.
func TestTaskMisusePanicsWithAClearMessage(t *testing.T) {
	var nilTask *scope.Task[int]
	zero := new(scope.Task[int])
	var nilCtx context.Context
	methods := map[string]func(tk *scope.Task[int]){
		"Wait":   func(tk *scope.Task[int]) { tk.Wait(bg) },
		"Done":   func(tk *scope.Task[int]) { tk.Done() },
		"Result": func(tk *scope.Task[int]) { tk.Result() },
		"Cancel": func(tk *scope.Task[int]) { tk.Cancel(nil) },
		"Name":   func(tk *scope.Task[int]) { tk.Name() },
		"String": func(tk *scope.Task[int]) { _ = tk.String() },
	}
	for name, m := range methods {
		t.Run("nil "+name, func(t *testing.T) { wantScopePanic(t, func() { m(nilTask) }, "use the *Task they return") })
		t.Run("zero "+name, func(t *testing.T) { wantScopePanic(t, func() { m(zero) }, "use the *Task they return") })
	}
	t.Run("Wait with nil ctx", func(t *testing.T) {
		s, _ := scope.New(bg)
		defer s.Wait()
		release := make(chan struct{})
		defer close(release)
		tk := scope.Spawn(s, func(context.Context) (int, error) { <-release; return 1, nil })
		wantScopePanic(t, func() { tk.Wait(nilCtx) }, "context.Background()")
	})
}

// A copy of a Scope (the struct, not the pointer) is refused by every method
// that would use it, instead of running tasks on a second, inconsistent copy
// of its state. reflect makes the copy, as a user's code would, out of vet's
// sight (vet's copylocks check flags a plain one).
func TestCopiedScopePanicsWithAClearMessage(t *testing.T) {
	s, _ := scope.New(bg)
	defer s.Wait()
	copied := reflect.New(reflect.TypeOf(s).Elem()).Interface().(*scope.Scope)
	reflect.ValueOf(copied).Elem().Set(reflect.ValueOf(s).Elem())
	noop := func(context.Context) error { return nil }
	for name, f := range map[string]func(){
		"Go":     func() { copied.Go(noop) },
		"Wait":   func() { copied.Wait() },
		"Cancel": func() { copied.Cancel(nil) },
		"Spawn":  func() { scope.Spawn(copied, func(context.Context) (int, error) { return 0, nil }) },
	} {
		t.Run(name, func(t *testing.T) { wantScopePanic(t, f, "never a copy") })
	}
}

// task-N counts every call that starts a task, whether it started or not
// (DESIGN.md section 2), misused ones too: after a Go and a Spawn of a nil
// function, each a panic, and a Start with a nil TaskOption, the next
// task is task-4. Misused calls were not counted.
func TestTaskNumbersCountMisusedCalls(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		for _, misuse := range []func(){
			func() { s.Go(nil) },
			func() { scope.Spawn[int](s, nil) },
			func() {
				scope.Start(s, func(ctx context.Context, ready func(int)) error { ready(1); return nil }, nil)
			},
		} {
			if msg, _ := panicOf(misuse).(string); !strings.HasPrefix(msg, "scope: ") {
				t.Errorf("misuse panicked with %q; want a scope: message", msg)
			}
		}
		release := make(chan struct{})
		s.Go(func(context.Context) error { <-release; return nil })
		if tasks := s.Tasks(); len(tasks) != 1 || tasks[0].Name != "task-4" {
			t.Errorf("Tasks() = %v; want one task, task-4: three calls came before it", tasks)
		}
		close(release)
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
}
