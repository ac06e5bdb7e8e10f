package scope_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/structuredgo/scope"
)

// A Goexit in OnFailure (t.Fatal in a logging callback) ends the task's
// goroutine, and the scope still counts the task out: Wait does not hang.
func TestGoexitInOnFailureDoesNotHangWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		s, _ := scope.New(bg, scope.WithLimit(1), scope.Supervise(),
			scope.OnFailure(func(string, error) { goexit() }))
		var second atomic.Bool
		s.Go(func(context.Context) error { return boom })
		s.Go(func(context.Context) error { second.Store(true); return nil }) // waits: handed the slot on a new goroutine
		if err := s.Wait(); !errors.Is(err, boom) || !second.Load() {
			t.Fatalf("Wait = %v, second ran %v; want boom and true", err, second.Load())
		}
	})
}

// A panic in OnFailure for the body's failure is the body's panic: Run
// cancels, waits for the tasks, then re-panics it.
func TestPanicInBodyOnFailureWaitsForTasks(t *testing.T) {
	var taskDone atomic.Bool
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); taskDone.Store(true); return nil })
			return errors.New("body failed")
		}, scope.OnFailure(func(task string, err error) {
			if task == "body" {
				panic("logger broke")
			}
		}))
	})
	if r != "logger broke" || !taskDone.Load() {
		t.Fatalf("Run panicked with %v, task done %v; want the callback's panic after the task", r, taskDone.Load())
	}
}

// An error whose Is method panics, returned by the body, is the body's panic.
type panickyIs struct{}

func (panickyIs) Error() string { return "panicky" }
func (panickyIs) Is(error) bool { panic("Is panicked") }

func TestPanickingIsMethodInBodyErrorWaitsForTasks(t *testing.T) {
	var taskDone atomic.Bool
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); taskDone.Store(true); return nil })
			s.Cancel(nil) // the noise check now calls Is
			return panickyIs{}
		})
	})
	if r != "Is panicked" || !taskDone.Load() {
		t.Fatalf("Run panicked with %v, task done %v; want Is's panic after the task", r, taskDone.Load())
	}
}

// The body's panic is told to OnFailure before any other Wait can return.
func TestBodyPanicReachesOnFailureBeforeAnotherWait(t *testing.T) {
	var told atomic.Bool
	scopes := make(chan *scope.Scope, 1)
	toldFirst := make(chan bool)
	go func() {
		s := <-scopes
		func() { defer func() { recover() }(); s.Wait() }()
		toldFirst <- told.Load()
	}()
	recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			scopes <- s
			panic("body")
		}, scope.OnFailure(func(task string, err error) { told.Store(true) }))
	})
	if !<-toldFirst {
		t.Fatalf("another Wait returned before OnFailure heard of the body's panic")
	}
}

// A body panic is one failure: OnFailure hears it once, not again as a
// Goexit while the panic unwinds Run.
func TestBodyPanicIsHeardOnce(t *testing.T) {
	var heard []error
	r := recovered(t, func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			panic("body")
		}, scope.OnFailure(func(_ string, err error) { heard = append(heard, err) }))
	})
	if r != "body" || len(heard) != 1 || !isPanic(heard[0]) {
		t.Fatalf("recovered %v, OnFailure heard %v; want the body's panic, heard once", r, heard)
	}
}

// A Goexit in the body is a failure for any other Wait: an *Error holding
// ErrGoexit, as for a task.
func TestBodyGoexitIsAFailureForOtherWaits(t *testing.T) {
	scopes := make(chan *scope.Scope, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			scopes <- s
			goexit()
			return nil
		})
	}()
	s := <-scopes
	<-exited
	err := s.Wait()
	if e := asError(t, err); !errors.Is(e, scope.ErrGoexit) || e.Tasks()[0] != "body" {
		t.Fatalf("Wait = %v; want *Error of ErrGoexit from body", err)
	}
}

// Under GODEBUG=panicnil=1 recover returns nil for panic(nil), as for a
// Goexit; scope still tells them apart. Run in a child process with that
// setting.
func TestPanicNilUnderGodebugPanicnil(t *testing.T) {
	if os.Getenv("SCOPE_PANICNIL_CHILD") == "1" {
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { panic(nil) }, scope.Named("nil"))
			return nil
		}, scope.CapturePanics())
		var pe *scope.PanicError
		if !errors.As(err, &pe) || pe.Task != "nil" || pe.Value != nil {
			t.Fatalf("task panic(nil): Run = %v; want a *PanicError with a nil Value", err)
		}
		returned := false
		func() {
			defer func() { recover() }()
			scope.Run(bg, func(context.Context, *scope.Scope) error { panic(nil) })
			returned = true
		}()
		if returned {
			t.Fatalf("body panic(nil): Run returned instead of re-panicking")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPanicNilUnderGodebugPanicnil$", "-test.v")
	cmd.Env = append(os.Environ(), "SCOPE_PANICNIL_CHILD=1", "GODEBUG=panicnil=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child with GODEBUG=panicnil=1 failed: %v\n%s", err, out)
	}
}
