package scope_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/structuredgo/scope"
)

type valueKey string

// A task given a request's context with ValuesFrom sees the request's
// values over the scope's, and the scope's where the request has none; its
// cancellation stays the scope's: the request's end does not reach it, the
// scope's does.
func TestValuesFromLayersValuesNotCancellation(t *testing.T) {
	root := context.WithValue(context.WithValue(bg, valueKey("logger"), "root"), valueKey("region"), "eu")
	s, _ := scope.New(root)
	req, endRequest := context.WithCancel(context.WithValue(context.WithValue(bg, valueKey("logger"), "request"), valueKey("trace"), "t-42"))
	seen := make(chan string, 1)
	s.Go(func(ctx context.Context) error {
		got := []string{}
		for _, k := range []valueKey{"logger", "region", "trace"} {
			v, _ := ctx.Value(k).(string)
			got = append(got, v)
		}
		seen <- strings.Join(got, " ")
		<-ctx.Done()
		return ctx.Err()
	}, scope.ValuesFrom(req))
	if got := <-seen; got != "request eu t-42" {
		t.Fatalf("the task saw %q; want the request's logger, the scope's region, the request's trace", got)
	}
	endRequest()
	if tasks := s.Tasks(); len(tasks) != 1 || tasks[0].State != scope.StateRunning {
		t.Fatalf("after the request ended: %v; want the task still running", tasks)
	}
	s.Cancel(nil)
	if err := s.Wait(); err != nil {
		t.Fatalf("Wait = %v; want nil: the scope's own cancel ended the task", err)
	}
}

// ValuesFrom composes with Shielded (the scope's cancellation does not reach
// the task, the values do) and with Spawn (Task.Cancel reaches it).
func TestValuesFromWithShieldedAndSpawn(t *testing.T) {
	req := context.WithValue(bg, valueKey("trace"), "t-7")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		release := make(chan struct{})
		shielded := scope.Spawn(s, func(ctx context.Context) (string, error) {
			<-release
			v, _ := ctx.Value(valueKey("trace")).(string)
			return v, ctx.Err()
		}, scope.Shielded(), scope.ValuesFrom(req))
		s.Cancel(nil)
		close(release)
		if v, err := shielded.Wait(bg); v != "t-7" || err != nil {
			t.Errorf("shielded task = %q, %v; want t-7 and a live context", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		task := scope.Spawn(s, func(ctx context.Context) (string, error) {
			<-ctx.Done()
			v, _ := ctx.Value(valueKey("trace")).(string)
			return v, context.Cause(ctx)
		}, scope.ValuesFrom(req))
		stop := errors.New("stop")
		task.Cancel(stop)
		if v, err := task.Wait(bg); v != "t-7" || err != stop {
			t.Errorf("cancelled task = %q, %v; want t-7 and its own cause", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A request's context may be a tracked task's of another scope (the
// handler's); a scope made in a task given it hangs where the task's own
// context places it, never under the handler: under the task if its scope
// is tracked, else at the root.
func TestValuesFromKeepsTheTreeTheScopes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		background []scope.Option
	}{{"tracked", []scope.Option{tracked}}, {"untracked", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			background, _ := scope.New(bg, tc.background...)
			want := "" // the root
			if tc.background != nil {
				want = background.Snapshot().Nodes[0].ID + ".1" // the background scope's first task
			}
			err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
				handled := make(chan string, 1)
				s.Go(func(req context.Context) error { // the handler, a tracked task
					background.Go(func(ctx context.Context) error {
						inner, _ := scope.New(ctx, tracked)
						defer inner.Wait()
						handled <- inner.Snapshot().Nodes[0].Parent
						return nil
					}, scope.ValuesFrom(req))
					return nil
				}, scope.Named("handler"))
				if got := <-handled; got != want {
					t.Errorf("the inner scope hangs under %q; want %q", got, want)
				}
				return nil
			}, tracked)
			if err != nil {
				t.Fatal(err)
			}
			if err := background.Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
