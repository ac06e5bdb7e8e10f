package scope_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

func TestSpawnReturnsTheResult(t *testing.T) {
	var task *scope.Task[int]
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		task = scope.Spawn(s, func(context.Context) (int, error) { return 42, nil }, scope.Named("answer"))
		v, err := task.Wait(ctx)
		if v != 42 || err != nil {
			t.Errorf("Wait = %v, %v; want 42, nil", v, err)
		}
		return nil
	})
	if v, rerr := task.Result(); err != nil || v != 42 || rerr != nil || task.Name() != "answer" {
		t.Fatalf("Run = %v; Result = %v, %v; Name %q", err, v, rerr, task.Name())
	}
	select {
	case <-task.Done():
	default:
		t.Fatalf("Done not closed after Run")
	}
}

func TestResultBeforeDoneIsErrNotDone(t *testing.T) {
	s, _ := scope.New(bg)
	release := make(chan struct{})
	task := scope.Spawn(s, func(context.Context) (string, error) { <-release; return "x", nil })
	if v, err := task.Result(); v != "" || err != scope.ErrNotDone {
		t.Errorf("Result = %q, %v; want \"\", ErrNotDone", v, err)
	}
	close(release)
	s.Wait()
	if v, err := task.Result(); v != "x" || err != nil {
		t.Errorf("Result after Wait = %q, %v; want x, nil", v, err)
	}
}

// Task.Wait is await asyncio.shield(task): it gives up when its ctx ends,
// without cancelling the task, and reports the outcome once the task is done.
func TestTaskWaitGivesUpWithoutCancelling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg)
		release := make(chan struct{})
		var cancelled atomic.Bool
		task := scope.Spawn(s, func(ctx context.Context) (int, error) {
			<-release
			cancelled.Store(ctx.Err() != nil)
			return 1, nil
		})
		stop := errors.New("impatient")
		ctx, cancel := context.WithCancelCause(bg)
		cancel(stop)
		if v, err := task.Wait(ctx); v != 0 || err != stop {
			t.Errorf("Wait(done ctx) = %v, %v; want 0, the ctx's cause", v, err)
		}
		close(release)
		s.Wait()
		if v, err := task.Wait(ctx); v != 1 || err != nil || cancelled.Load() {
			t.Errorf("Wait(done ctx) on a done task = %v, %v (task cancelled %v); want 1, nil, false", v, err, cancelled.Load())
		}
	})
}

// Task.Cancel reaches that task alone and is not a failure of the scope.
func TestTaskCancelCancelsOnlyThatTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		enough := errors.New("enough")
		var sibling atomic.Bool
		var task *scope.Task[int]
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			task = scope.Spawn(s, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				if context.Cause(ctx) != enough {
					t.Errorf("task saw cause %v; want %v", context.Cause(ctx), enough)
				}
				return 0, context.Cause(ctx) // noise for its own cancellation
			})
			s.Go(func(ctx context.Context) error {
				<-task.Done()
				sibling.Store(ctx.Err() == nil)
				return nil
			})
			synctest.Wait()
			task.Cancel(enough)
			task.Cancel(errors.New("later")) // the first cause wins
			return nil
		})
		if err != nil || !sibling.Load() {
			t.Fatalf("Run = %v, sibling uncancelled %v; want nil, true", err, sibling.Load())
		}
		if _, rerr := task.Result(); rerr != enough {
			t.Fatalf("Result err = %v; want what the task returned", rerr)
		}
	})
}

func TestTaskCancelNilMeansCanceledAndLaterFailureCounts(t *testing.T) {
	broke := errors.New("cleanup broke")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		task := scope.Spawn(s, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			if context.Cause(ctx) != context.Canceled {
				t.Errorf("cause %v; want context.Canceled", context.Cause(ctx))
			}
			return 0, broke
		})
		task.Cancel(nil)
		return nil
	})
	if e := asError(t, err); e.Errors()[0] != broke {
		t.Fatalf("Run = %v; want the cleanup failure kept", err)
	}
}

func TestSpawnIntoCancelledScopeNeverRuns(t *testing.T) {
	stop := errors.New("stop")
	scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Cancel(stop)
		ran := false
		task := scope.Spawn(s, func(context.Context) (int, error) { ran = true; return 1, nil })
		<-task.Done()
		if v, err := task.Result(); v != 0 || err != stop || ran {
			t.Errorf("Result = %v, %v, ran %v; want 0, the scope's cause, false", v, err, ran)
		}
		if tt, ok := scope.TrySpawn(s, func(context.Context) (int, error) { return 1, nil }); ok || tt != nil {
			t.Errorf("TrySpawn on a cancelled scope = %v, %v; want nil, false", tt, ok)
		}
		return nil
	})
}

func TestSpawnAfterWaitPanicsTrySpawnRefuses(t *testing.T) {
	s, _ := scope.New(bg)
	s.Wait()
	wantScopePanic(t, func() { scope.Spawn(s, func(context.Context) (int, error) { return 0, nil }) }, "after Wait returned")
	if tt, ok := scope.TrySpawn(s, func(context.Context) (int, error) { return 0, nil }); ok || tt != nil {
		t.Errorf("TrySpawn after Wait = %v, %v; want nil, false", tt, ok)
	}
	wantScopePanic(t, func() { scope.Spawn[int](s, nil) }, "nil task function")
	wantScopePanic(t, func() { scope.Start[int](s, nil) }, "nil function")
}

func TestTrySpawnRefusesAFullLimit(t *testing.T) {
	s, _ := scope.New(bg, scope.WithLimit(1))
	release := make(chan struct{})
	first, ok := scope.TrySpawn(s, func(context.Context) (int, error) { <-release; return 1, nil })
	if !ok || first == nil {
		t.Fatalf("TrySpawn below the limit refused")
	}
	if tt, ok := scope.TrySpawn(s, func(context.Context) (int, error) { return 2, nil }); ok || tt != nil {
		t.Errorf("TrySpawn on a full limit = %v, %v; want nil, false", tt, ok)
	}
	close(release)
	s.Wait()
}

func TestTaskResultOfPanicAndGoexit(t *testing.T) {
	var panicky, quitter *scope.Task[int]
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		panicky = scope.Spawn(s, func(context.Context) (int, error) { panic("p") })
		quitter = scope.Spawn(s, func(context.Context) (int, error) { goexit(); return 1, nil })
		return nil
	}, scope.CapturePanics(), scope.Supervise())
	if n := len(asError(t, err).Errors()); n != 2 {
		t.Fatalf("Run = %v; want 2 failures", err)
	}
	if v, err := panicky.Result(); v != 0 || !isPanic(err) {
		t.Errorf("panicking task Result = %v, %v; want 0, *PanicError", v, err)
	}
	if v, err := quitter.Result(); v != 0 || !errors.Is(err, scope.ErrGoexit) {
		t.Errorf("Goexit task Result = %v, %v; want 0, ErrGoexit", v, err)
	}
}

// Names count every call that starts a task: Go, TryGo, Spawn, TrySpawn, Start.
func TestTaskNamesCountEveryCall(t *testing.T) {
	scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return nil })                                          // task-1
		scope.Start(s, func(ctx context.Context, ready func(int)) error { ready(0); return nil }) // task-2
		s.TryGo(func(context.Context) error { return nil })                                       // task-3
		task := scope.Spawn(s, func(context.Context) (int, error) { return 0, nil })              // task-4
		if task.Name() != "task-4" {
			t.Errorf("Name() = %q; want task-4", task.Name())
		}
		return nil
	})
}

func TestShieldedSpawnIgnoresScopeButNotItsOwnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mine := errors.New("mine")
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			task := scope.Spawn(s, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, context.Cause(ctx)
			}, scope.Shielded())
			s.Cancel(nil)
			synctest.Wait()
			select {
			case <-task.Done():
				t.Errorf("shielded task ended with its scope's cancellation")
			default:
			}
			task.Cancel(mine)
			if _, err := task.Wait(bg); err != mine {
				t.Errorf("shielded task ended with %v; want its own cause", err)
			}
			return nil
		})
	})
}

func TestStartReturnsOnReadyAndTaskRunsOn(t *testing.T) {
	var after atomic.Bool
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		addr, err := scope.Start(s, func(ctx context.Context, ready func(string)) error {
			ready("127.0.0.1:8080")
			ready("ignored")
			<-ctx.Done() // serve until the scope ends
			after.Store(true)
			return nil
		}, scope.Named("server"))
		if addr != "127.0.0.1:8080" || err != nil {
			t.Errorf("Start = %q, %v; want the first ready value", addr, err)
		}
		s.Cancel(nil)
		return nil
	})
	if err != nil || !after.Load() {
		t.Fatalf("Run = %v, task ran on after ready: %v", err, after.Load())
	}
}

// Before ready, what ends fn is the caller's alone: the scope neither fails
// nor is cancelled.
func TestStartFailureBeforeReadyBelongsToTheCaller(t *testing.T) {
	bad := errors.New("bind: address in use")
	cases := []struct {
		name  string
		fn    func(ctx context.Context, ready func(int)) error
		check func(error) bool
	}{
		{"error", func(context.Context, func(int)) error { return bad }, func(err error) bool { return err == bad }},
		{"nil without ready", func(context.Context, func(int)) error { return nil },
			func(err error) bool { return errors.Is(err, scope.ErrNotReady) }},
		{"Goexit", func(context.Context, func(int)) error { goexit(); return nil },
			func(err error) bool { return errors.Is(err, scope.ErrGoexit) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
				v, err := scope.Start(s, c.fn)
				if v != 0 || !c.check(err) {
					t.Errorf("Start = %v, %v", v, err)
				}
				if ctx.Err() != nil {
					t.Errorf("the scope was cancelled by a failure before ready")
				}
				return nil
			})
			if err != nil {
				t.Errorf("Run = %v; want nil: the failure was the caller's", err)
			}
		})
	}
}

func TestStartPanicBeforeReadyRepanicsInCaller(t *testing.T) {
	var scopeErr error
	r := recovered(t, func() {
		scopeErr = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			defer func() {
				if ctx.Err() != nil {
					t.Errorf("the panic before ready cancelled the scope")
				}
			}()
			scope.Start(s, func(context.Context, func(int)) error { panic("setup") })
			return nil
		})
	})
	if pe, ok := r.(*scope.PanicError); !ok || pe.Value != "setup" {
		t.Fatalf("recovered %v; want the *PanicError of setup", r)
	}
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		_, err := scope.Start(s, func(context.Context, func(int)) error { panic("setup") })
		if !isPanic(err) {
			t.Errorf("Start = %v; want the *PanicError with CapturePanics", err)
		}
		return nil
	}, scope.CapturePanics())
	if err != nil || scopeErr != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
}

func TestStartFailureAfterReadyIsTheScopes(t *testing.T) {
	late := errors.New("late")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		v, err := scope.Start(s, func(ctx context.Context, ready func(int)) error { ready(1); return late })
		if v != 1 || err != nil {
			t.Errorf("Start = %v, %v; want 1, nil: the failure after ready is the scope's", v, err)
		}
		return nil
	})
	if e := asError(t, err); len(e.Errors()) != 1 || e.Errors()[0] != late {
		t.Fatalf("Run = %v; want the failure after ready", err)
	}
}

func TestStartOnCancelledScope(t *testing.T) {
	stop := errors.New("stop")
	scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Cancel(stop)
		ran := false
		_, err := scope.Start(s, func(context.Context, func(int)) error { ran = true; return nil })
		if err != stop || ran {
			t.Errorf("Start = %v, ran %v; want the scope's cause, false", err, ran)
		}
		return nil
	})
}

// Start takes no context: its function runs in the scope, under the
// scope's context, from the start. A scope cancelled while the function
// sets up cancels it, and Start returns what it returned then; its
// caller's own context is not watched (trio runs the child under the
// caller's cancel scope until started), so a caller that must give up with
// it passes it into the function.
func TestStartCancelledBeforeReadyReturnsWhatFnReturned(t *testing.T) {
	stop := errors.New("stop")
	s, _ := scope.New(bg)
	_, err := scope.Start(s, func(ctx context.Context, ready func(int)) error {
		s.Cancel(stop) // as if from elsewhere, while the function sets up
		<-ctx.Done()
		return fmt.Errorf("set-up: %w", context.Cause(ctx))
	})
	if !errors.Is(err, stop) || err.Error() != "set-up: stop" {
		t.Errorf("Start = %v; want the function's own error", err)
	}
	if err := s.Wait(); err != nil {
		t.Errorf("Wait = %v; want nil: the failure before ready was Start's caller's, and Cancel a clean stop", err)
	}

	caller, cancel := context.WithCancelCause(bg)
	defer cancel(nil)
	s, _ = scope.New(bg)
	_, err = scope.Start(s, func(ctx context.Context, ready func(int)) error {
		cancel(stop) // as if from elsewhere
		select {
		case <-ctx.Done():
			t.Error("the scope's context ended with the caller's")
		case <-caller.Done(): // what Start's caller passes in
		}
		return context.Cause(caller)
	})
	if err != stop {
		t.Errorf("Start = %v; want the caller's cause, as the function returned it", err)
	}
	if err := s.Wait(); err != nil {
		t.Errorf("Wait = %v; want nil", err)
	}
}

// A task that is done has left its scope: it is not listed, and its slot is
// free, as a finished asyncio task has left its TaskGroup when its awaiter
// wakes.
func TestDoneTaskHasLeftItsScope(t *testing.T) {
	s, _ := scope.New(bg, scope.WithLimit(1))
	defer s.Wait()
	for i := range 2000 { // the window was narrow: try it often
		tk := scope.Spawn(s, func(context.Context) (int, error) { return i, nil })
		<-tk.Done()
		if n := len(s.Tasks()); n != 0 {
			t.Fatalf("round %d: %d tasks listed once the task is done; want 0", i, n)
		}
		if !s.TryGo(func(context.Context) error { return nil }) {
			t.Fatalf("round %d: TryGo refused: the done task still holds the slot", i)
		}
		s.Go(func(context.Context) error { return nil }) // waits for TryGo's task: the slot is free again after
	}
}

// A Start whose function ended before ready returns once the task has left
// its scope: not listed, its slot free.
func TestStartThatEndedEarlyHasLeftItsScope(t *testing.T) {
	s, _ := scope.New(bg, scope.WithLimit(1))
	defer s.Wait()
	early := errors.New("early")
	for i := range 2000 { // the window was narrow: try it often
		if _, err := scope.Start(s, func(context.Context, func(int)) error { return early }); err != early {
			t.Fatalf("Start = %v; want the early error", err)
		}
		if n := len(s.Tasks()); n != 0 {
			t.Fatalf("round %d: %d tasks listed once Start returned; want 0", i, n)
		}
		if !s.TryGo(func(context.Context) error { return nil }) {
			t.Fatalf("round %d: TryGo refused: the ended task still holds the slot", i)
		}
		s.Go(func(context.Context) error { return nil }) // waits for TryGo's task: the slot is free again after
	}
}

// A Task kept for its result keeps nothing its function held, as the
// task itself does not once done: a task that read a large value lets it
// go when it ends, however long its Task is kept.
func TestADoneTaskKeepsNothingItsFunctionHeld(t *testing.T) {
	type large struct{ b [1 << 16]byte }
	freed := make(chan struct{})
	var tk *scope.Task[int]
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		v := new(large)
		runtime.AddCleanup(v, func(freed chan struct{}) { close(freed) }, freed)
		tk = scope.Spawn(s, func(context.Context) (int, error) { return len(v.b) + int(v.b[0]), nil })
		return nil
	})
	if n, rerr := tk.Result(); err != nil || n != 1<<16 || rerr != nil {
		t.Fatalf("Run = %v; Result = %v, %v; want nil; %d, nil", err, n, rerr, 1<<16)
	}
	for range 100 { // cleanups run on a goroutine of their own, after a collection
		runtime.GC()
		select {
		case <-freed:
			runtime.KeepAlive(tk)
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("what a done task's function held is still reachable from its Task after 100 collections")
}
