package scope_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/structuredgo/scope"
)

func goexit() { runtime.Goexit() }

// panicHere panics from a function whose name the stack must show.
func panicHere(v any) { panic(v) }

func TestTaskPanicRepanicsInWaitAfterSiblingsReturned(t *testing.T) {
	var siblingDone atomic.Bool
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				siblingDone.Store(true)
				return nil
			})
			s.Go(func(context.Context) error { panicHere("kaboom"); return nil }, scope.Named("bad"))
			return nil
		})
	})
	pe, ok := r.(*scope.PanicError)
	if !ok {
		t.Fatalf("Run panicked with %T %v; want *scope.PanicError", r, r)
	}
	if !siblingDone.Load() {
		t.Errorf("Wait re-panicked before the sibling returned")
	}
	if pe.Value != "kaboom" || pe.Task != "bad" || !strings.Contains(string(pe.Stack), "panicHere") {
		t.Errorf("PanicError{Value: %v, Task: %q} with stack\n%s\nwant kaboom, bad, a stack through panicHere",
			pe.Value, pe.Task, pe.Stack)
	}
	first, _, _ := strings.Cut(pe.Error(), "\n")
	if first != `scope: task "bad" panicked: kaboom` || !strings.Contains(pe.Error(), "panicHere") {
		t.Errorf("Error() = %q; want the name and value on line one, then the stack", pe.Error())
	}
}

// errgroup's first objection: a panic propagated to Wait is delayed. Here
// the panic cancels the scope the moment it happens: siblings and the owner
// see the *PanicError as the cause long before Wait.
func TestPanicIsVisibleAtOnce(t *testing.T) {
	seen := make(chan error, 1)
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				seen <- context.Cause(ctx)
				return nil
			})
			s.Go(func(context.Context) error { panic("now") })
			<-ctx.Done() // the owner, too, sees it before Wait
			if !isPanic(context.Cause(ctx)) {
				t.Errorf("body saw cause %v; want the *PanicError", context.Cause(ctx))
			}
			return nil
		})
	})
	if cause := <-seen; cause != r {
		t.Fatalf("sibling saw cause %v; want the very *PanicError Wait re-panicked", cause)
	}
}

// errgroup's second objection: a recovered panic turns the stack into a mere
// value that crash monitoring never sees. Here the re-panic crashes the
// program with the original stack in its message; run a child process to see
// what the runtime prints.
func TestRepanicCrashPrintsOriginalStack(t *testing.T) {
	if os.Getenv("SCOPE_CRASH_CHILD") == "1" {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { panicHere("crash me"); return nil }, scope.Named("crasher"))
			return nil
		})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRepanicCrashPrintsOriginalStack$")
	cmd.Env = append(os.Environ(), "SCOPE_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("child exited with %v; want exit status 2 (a crash)\n%s", err, out)
	}
	for _, want := range []string{`panic: scope: task "crasher" panicked: crash me`, "scope_test.panicHere"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("crash output lacks %q:\n%s", want, out)
		}
	}
}

// errgroup's third objection: a deadlock can hide a panic that waits for
// Wait. Here a sibling, and the owner, blocked on something the panicking task
// would have sent, are released by the cancellation the panic causes, so Wait
// is reached and re-panics.
func TestPanicCannotHideBehindADeadlock(t *testing.T) {
	result := make(chan int) // the panicking task never sends
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				select {
				case <-result:
				case <-ctx.Done():
				}
				return ctx.Err()
			})
			s.Go(func(context.Context) error {
				panic("before sending")
			})
			select {
			case <-result:
			case <-ctx.Done():
			}
			return nil
		})
	})
	if !isPanic(r.(error)) {
		t.Fatalf("Run panicked with %v; want the *PanicError", r)
	}
}

func TestEveryWaitRepanicsTheSameValue(t *testing.T) {
	s, _ := scope.New(bg)
	s.Go(func(context.Context) error { panic("once") })
	first := recovered(t, func() { s.Wait() })
	second := recovered(t, func() { s.Wait() })
	if first != second {
		t.Fatalf("Wait re-panicked %v, then %v; want the same value", first, second)
	}
}

func TestFirstPanicBeatsErrorsAndLaterPanics(t *testing.T) {
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); return errors.New("plain") })
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				panic("second")
			})
			s.Go(func(ctx context.Context) error { panic("first") }, scope.Named("first"))
			return nil
		})
	})
	if pe := r.(*scope.PanicError); pe.Value != "first" {
		t.Fatalf("re-panicked %v; want the first panic", pe.Value)
	}
}

func TestCapturePanicsCollectsThem(t *testing.T) {
	var idx []error
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return idx[3] }, scope.Named("index"))
		return nil
	}, scope.CapturePanics())
	e := asError(t, err)
	var pe *scope.PanicError
	var re runtime.Error
	if !errors.As(e, &pe) || pe.Task != "index" || !errors.As(e, &re) {
		t.Fatalf("Run = %v; want a captured *PanicError from index wrapping a runtime.Error", err)
	}
}

// A panic(nil) is a *runtime.PanicNilError since Go 1.21: still a panic.
func TestNilPanicIsAPanic(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { panic(nil) })
		return nil
	}, scope.CapturePanics())
	var pn *runtime.PanicNilError
	if !errors.As(err, &pn) {
		t.Fatalf("Run = %v; want a *PanicError around a *runtime.PanicNilError", err)
	}
}

func TestSupervisedPanicCancelsNothingButRepanics(t *testing.T) {
	var siblingCancelled atomic.Bool
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			done := make(chan struct{})
			s.Go(func(ctx context.Context) error {
				<-done
				siblingCancelled.Store(ctx.Err() != nil)
				return nil
			})
			s.Go(func(context.Context) error { defer close(done); panic("alone") })
			return nil
		}, scope.Supervise())
	})
	if !isPanic(r.(error)) || siblingCancelled.Load() {
		t.Fatalf("got %v, sibling cancelled %v; want a re-panic and no cancellation", r, siblingCancelled.Load())
	}
}

func TestGoexitFailsTheTaskAndCancelsSiblings(t *testing.T) {
	var cause error
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); cause = context.Cause(ctx); return nil })
		s.Go(func(context.Context) error { goexit(); return nil }, scope.Named("quitter"))
		return nil
	})
	e := asError(t, err)
	if !errors.Is(err, scope.ErrGoexit) || e.Tasks()[0] != "quitter" || !errors.Is(cause, scope.ErrGoexit) {
		t.Fatalf("Run = %v, sibling saw %v; want ErrGoexit from quitter for both", err, cause)
	}
}

// A Goexit on a goroutine that serves the limit hands its slot to a new one.
func TestGoexitUnderTheLimitStillHandsOver(t *testing.T) {
	var ran atomic.Int32
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		for range 10 {
			s.Go(func(context.Context) error { ran.Add(1); goexit(); return nil })
		}
		return nil
	}, scope.WithLimit(1), scope.Supervise())
	if n := len(asError(t, err).Errors()); n != 10 || ran.Load() != 10 {
		t.Fatalf("%d failures, %d ran; want 10 Goexits", n, ran.Load())
	}
}

func TestBodyPanicCancelsWaitsAndRepanicsOriginal(t *testing.T) {
	var taskDone atomic.Bool
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); taskDone.Store(true); return nil })
			s.Go(func(context.Context) error { panic("task") })
			panic("body")
		}, scope.Supervise(), scope.CapturePanics())
	})
	if r != "body" || !taskDone.Load() {
		t.Fatalf("Run panicked with %v (task done %v); want the original body value after the tasks", r, taskDone.Load())
	}
}

func TestBodyGoexitCancelsAndWaits(t *testing.T) {
	var taskDone atomic.Bool
	exited := make(chan bool)
	go func() {
		defer func() { exited <- taskDone.Load() }()
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); taskDone.Store(true); return nil })
			goexit()
			return nil
		}, scope.Supervise())
		t.Errorf("Run returned after its body called Goexit")
	}()
	if !<-exited {
		t.Fatalf("the goroutine exited before the task returned")
	}
}

// Another goroutine's Wait on a scope whose Run body panicked re-panics the
// body's *PanicError: the body's panic beats any task's.
func TestOtherWaitSeesTheBodyPanic(t *testing.T) {
	scopes := make(chan *scope.Scope, 1)
	otherWait := make(chan any)
	go func() {
		s := <-scopes
		defer func() { otherWait <- recover() }()
		s.Wait()
	}()
	recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { panic("task") })
			scopes <- s
			panic("body")
		})
	})
	pe, ok := (<-otherWait).(*scope.PanicError)
	if !ok || pe.Value != "body" || pe.Task != "body" {
		t.Fatalf("the other Wait panicked with %v; want the body's *PanicError", pe)
	}
}

// A panic crosses nested scopes whole: the outer Wait re-panics the inner
// task's *PanicError itself, with its value, name and stack, and so does
// an outer scope that captures panics.
func TestPanicComesThroughNestedScopesWhole(t *testing.T) {
	nested := func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(context.Context) error { panic("boom") }, scope.Named("inner"))
				return nil
			})
		}, scope.Named("outer"))
		return nil
	}
	check := func(how string, p *scope.PanicError) {
		t.Helper()
		if p == nil || p.Value != "boom" || p.Task != "inner" || !strings.Contains(string(p.Stack), "panic_test.go") {
			t.Errorf("%s: got %#v; want the inner task's panic, value boom, with its stack", how, p)
		}
	}
	func() {
		defer func() {
			p, _ := recover().(*scope.PanicError)
			check("re-panicked", p)
		}()
		_ = scope.Run(bg, nested)
	}()
	err := scope.Run(bg, nested, scope.CapturePanics())
	var p *scope.PanicError
	errors.As(err, &p)
	check("captured", p)
	if e, _ := err.(*scope.Error); e == nil || e.Tasks()[0] != "outer" {
		t.Errorf("captured under %v; want it recorded as the failure of task outer", err)
	}
}
