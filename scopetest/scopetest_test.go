package scopetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"weak"

	"github.com/structuredgo/scope"
	"go.uber.org/goleak"
)

// The package checks itself as it asks its users to.
func TestMain(m *testing.M) {
	scope.SetTracking(scope.TrackTasks)
	goleak.VerifyTestMain(m, goleak.Cleanup(VerifyAtExit))
}

// A recorder is a testing.TB that keeps what would fail the test, and the
// functions on the stack of each call (see callers).
type recorder struct {
	testing.TB
	errs    []string
	callers [][]string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	var fns []string
	for f, more := frames.Next(); more; f, more = frames.Next() {
		fns = append(fns, f.Function)
	}
	r.callers = append(r.callers, fns)
}

// inCore returns the first function of package scope itself among those
// that called Errorf for failure i, or "". testing reports a failure at
// the first caller that is not a helper: one in package scope would put a
// line of the library, not of the test, in front of the message.
func (r *recorder) inCore(i int) string {
	for _, fn := range r.callers[i] {
		if strings.HasPrefix(fn, "github.com/structuredgo/scope.") {
			return fn
		}
	}
	return ""
}

func (r *recorder) Helper() {}

func (r *recorder) wantOne(t *testing.T, contains ...string) {
	t.Helper()
	if len(r.errs) != 1 {
		t.Fatalf("got %d failures %q; want 1", len(r.errs), r.errs)
	}
	for _, c := range contains {
		if !strings.Contains(r.errs[0], c) {
			t.Errorf("failure lacks %q:\n%s", c, r.errs[0])
		}
	}
}

func blockUntilCancelled(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// leak opens a scope with the given name and a task, "sleeper", that runs
// until the scope is cancelled: a leak until the test cancels and waits.
func leak(t *testing.T, name string) *scope.Scope {
	s, _ := scope.New(t.Context(), scope.WithName(name))
	s.Go(blockUntilCancelled, scope.Named("sleeper"))
	return s
}

func TestRunPassesWhenEverythingEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		ran := false
		Run(r, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { ran = true; return nil })
			return nil
		})
		if len(r.errs) != 0 || !ran {
			t.Errorf("got failures %q, ran %v; want none, and the task run", r.errs, ran)
		}
	})
}

func TestRunFailsWithTheErrorTree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		Run(r, func(ctx context.Context, s *scope.Scope) error {
			checking := make(chan struct{}) // both run: the first failure cancels the scope
			s.Go(func(context.Context) error { <-checking; return errors.New("disk full") }, scope.Named("writer"))
			s.Go(func(context.Context) error { close(checking); panic("bad state") }, scope.Named("checker"))
			return nil
		})
		r.wantOne(t, "scopetest: the test's scope failed", "writer", "disk full", "checker", "bad state", "scopetest_test.go:")
	})
}

func TestRunNamesTheScopeThatOutlivedIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		var leaky *scope.Scope
		release := make(chan struct{})
		Run(r, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				leaky, _ = scope.New(ctx, scope.WithName("leaky"))
				leaky.Go(func(context.Context) error { <-release; return nil }, scope.Named("stuck"))
				return nil
			}, scope.Named("opener"))
			return nil
		})
		r.wantOne(t, "1 scope and 1 task outlived the test's scope", `scope "leaky"`, "stuck (cancelling)", "scopetest_test.go:")
		t.Log(r.errs[0])
		close(release)
		if err := leaky.Wait(); !errors.Is(err, context.Canceled) { // its parent, the task, ended
			t.Fatalf("got %v; want the parent's cause", err)
		}
	})
}

func TestRunNamesAScopeLeakedUnderANestedScopeThatClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		var leaky *scope.Scope
		release := make(chan struct{})
		Run(r, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				return scope.Run(ctx, func(ctx context.Context, mid *scope.Scope) error {
					mid.Go(func(ctx context.Context) error {
						leaky, _ = scope.New(ctx, scope.WithName("leaky"))
						leaky.Go(func(context.Context) error { <-release; return nil }, scope.Named("stuck"))
						return nil
					}, scope.Named("opener"))
					return nil
				}, scope.WithName("mid")) // closes normally: the leak's parent leaves the tree
			}, scope.Named("outer"))
			return nil
		})
		r.wantOne(t, "1 scope and 1 task outlived the test's scope", `scope "leaky"`, "stuck (cancelling)")
		close(release)
		_ = leaky.Wait()
	})
}

// A scope made under Run and never waited for is found even once nothing
// refers to it and the garbage collector has run: Run holds the scopes made
// under it until its check (the tree of tracked scopes holds them weakly).
func TestRunFindsAForgottenScopeAfterACollection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		var forgotten weak.Pointer[scope.Scope]
		Run(r, func(ctx context.Context, s *scope.Scope) error {
			func() {
				bg, _ := scope.New(ctx, scope.WithName("forgotten"))
				bg.Go(func(context.Context) error { return nil }, scope.Named("quick"))
				forgotten = weak.Make(bg)
			}()
			runtime.GC()
			runtime.GC()
			return nil
		})
		r.wantOne(t, "1 scope and 0 tasks outlived the test's scope", `scope "forgotten"`)
		if p := forgotten.Value(); p != nil {
			_ = p.Wait() // for VerifyAtExit
		}
	})
}

// A body that ends the test with t.FailNow (runtime.Goexit) still gets the
// report: the failures of its tasks, and the scopes it leaked.
func TestRunReportsWhatABodyThatCalledFailNowLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		var leaky *scope.Scope
		release, ended, stuck := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() { // Goexit ends this goroutine, not the test's
			defer close(ended)
			Run(r, func(ctx context.Context, s *scope.Scope) error {
				// writer fails once stuck has started: its failure cancels
				// leaky too, and a cancelled scope starts no task.
				s.Go(func(context.Context) error { <-stuck; return errors.New("disk full") }, scope.Named("writer"))
				leaky, _ = scope.New(ctx, scope.WithName("leaky"))
				leaky.Go(func(context.Context) error { <-release; return nil }, scope.Named("stuck"))
				close(stuck)
				runtime.Goexit() // as t.FailNow does
				return nil
			})
		}()
		<-ended
		all := strings.Join(r.errs, "\n")
		for _, want := range []string{"the test's scope failed", "disk full", "outlived the test's scope", `scope "leaky"`, "stuck"} {
			if !strings.Contains(all, want) {
				t.Errorf("the report lacks %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, `task "body"`) {
			t.Errorf("the report holds the body's own Goexit, which failed the test already:\n%s", all)
		}
		close(release)
		_ = leaky.Wait()
	})
}

// A body's t.FailNow alone is the test's own failure, with its own
// message: Run adds nothing to it, not even within nested scopes' errors.
func TestRunAddsNothingToABodysFailNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		ended := make(chan struct{})
		go func() { // Goexit ends this goroutine, not the test's
			defer close(ended)
			Run(r, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error { return blockUntilCancelled(ctx) }, scope.Named("waiter"))
				runtime.Goexit() // as t.FailNow does
				return nil
			})
		}()
		<-ended
		if len(r.errs) != 0 {
			t.Errorf("Run reported %q; want nothing beyond the body's own failure", r.errs)
		}
	})
}

// A task that calls Goexit is still reported when the body's Goexit is
// left out: only the body's own is the test's.
func TestRunReportsATaskGoexitBesideABodysFailNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		ended, exited := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(ended)
			Run(r, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error {
					defer close(exited)
					runtime.Goexit()
					return nil
				}, scope.Named("quitter"))
				<-exited
				runtime.Goexit()
				return nil
			}, scope.Supervise())
		}()
		<-ended
		r.wantOne(t, "the test's scope failed", `task "quitter"`, "runtime.Goexit")
		if strings.Contains(r.errs[0], `task "body"`) {
			t.Errorf("the report names the body's own Goexit:\n%s", r.errs[0])
		}
	})
}

// A body that panics fails the test with the panic and its stack; the test
// binary does not crash.
func TestRunReportsABodyPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		Run(r, func(ctx context.Context, s *scope.Scope) error { panic("bad state") })
		r.wantOne(t, "the test's body panicked: bad state", "scopetest_test.go:")
		if fn := r.inCore(0); fn != "" {
			t.Errorf("the panic was reported from %s, in package scope: the test's output would name its line", fn)
		}
	})
}

// A body panic cancels the scope even under Supervise, as scope.Run's
// does: the task blocked on its context ends, and the panic is the one
// failure reported. Run turns the panic into the body's error, which
// under Supervise cancels nothing, and the test hung.
func TestRunCancelsOnABodyPanicEvenUnderSupervise(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		Run(r, func(ctx context.Context, s *scope.Scope) error {
			s.Go(blockUntilCancelled)
			panic("bad state")
		}, scope.Supervise())
		r.wantOne(t, "the test's body panicked: bad state")
	})
}

// Run with a nil body panics at once, saying so.
func TestRunWithANilBodyPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "scopetest: Run with a nil body") {
			t.Fatalf("recovered %v; want scopetest's message", r)
		}
	}()
	Run(t, nil)
}

func TestVerifyNoneNamesLiveScopes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := leak(t, "open")
		r := &recorder{TB: t}
		VerifyNone(r)
		r.wantOne(t, "1 scope and 1 task still alive", `scope "open"`, "sleeper (running)")
		s.Cancel(nil)
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
		r.errs = nil
		if VerifyNone(r); len(r.errs) != 0 {
			t.Errorf("after Wait: %q", r.errs)
		}
	})
}

// A leak fails the check that finds it, not every check after it: the
// next test did not leave it.
func TestALeakIsReportedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := leak(t, "left")
		r := &recorder{TB: t}
		VerifyNone(r)
		r.wantOne(t, `scope "left"`, "sleeper (running)")
		r.errs = nil
		Run(r, func(ctx context.Context, inner *scope.Scope) error { return nil })
		if VerifyNone(r); len(r.errs) != 0 {
			t.Errorf("checks after the first: %q; want nothing, the leak was named", r.errs)
		}
		s.Go(blockUntilCancelled, scope.Named("another")) // a new task of a named scope: still named
		later, _ := scope.New(t.Context(), scope.WithName("later"))
		VerifyNone(r)
		r.wantOne(t, `scope "later"`)
		if strings.Contains(r.errs[0], "left") {
			t.Errorf("the second leak's report names the first:\n%s", r.errs[0])
		}
		s.Cancel(nil)
		later.Cancel(nil)
		if err := errors.Join(s.Wait(), later.Wait()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifyAtExitFailsARunThatLeftScopes(t *testing.T) {
	codes := make(chan int, 2)
	defer func(saved func(int)) { exit = saved }(exit)
	exit = func(code int) { codes <- code }

	VerifyAtExit(0)
	if code := <-codes; code != 0 {
		t.Errorf("nothing left: exit %d; want 0", code)
	}
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(t.Context())
		VerifyAtExit(0)
		if code := <-codes; code != 1 {
			t.Errorf("a scope left: exit %d; want 1", code)
		}
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}
