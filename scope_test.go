package scope_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Each test chooses its own tracking: a SCOPE_TRACK in the developer's
	// environment must not change what the tests expect (nor reach the
	// programs they run).
	os.Unsetenv("SCOPE_TRACK")
	goleak.VerifyTestMain(m)
}

var bg = context.Background()

// asError returns err as a *scope.Error, failing the test if it is not one.
func asError(t *testing.T, err error) *scope.Error {
	t.Helper()
	var e *scope.Error
	if !errors.As(err, &e) || e == nil {
		t.Fatalf("got %v (%T); want a *scope.Error", err, err)
	}
	return e
}

// recovered runs f and returns what it panicked with, failing the test if it
// did not panic.
func recovered(t *testing.T, f func()) (r any) {
	t.Helper()
	defer func() { r = recover() }()
	f()
	t.Fatalf("no panic")
	return nil
}

// wantScopePanic checks that f panics with a message that starts "scope:".
func wantScopePanic(t *testing.T, f func(), contains string) {
	t.Helper()
	r := recovered(t, f)
	msg := fmt.Sprint(r)
	if !strings.HasPrefix(msg, "scope: ") || !strings.Contains(msg, contains) {
		t.Fatalf("panic %q; want it to start with \"scope: \" and contain %q", msg, contains)
	}
}

func TestRunWaitsForEveryTask(t *testing.T) {
	var done atomic.Int32
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		for range 100 {
			s.Go(func(context.Context) error { done.Add(1); return nil })
		}
		return nil
	})
	if err != nil || done.Load() != 100 {
		t.Fatalf("Run = %v with %d tasks done; want nil with 100", err, done.Load())
	}
}

func TestRunWithNoTasks(t *testing.T) {
	if err := scope.Run(bg, func(context.Context, *scope.Scope) error { return nil }); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
}

// Rule 1: the first failure cancels the scope, and is the cause the siblings see.
func TestFirstFailureCancelsSiblingsWithItsError(t *testing.T) {
	boom := errors.New("boom")
	var seen error
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			seen = context.Cause(ctx)
			return ctx.Err() // noise: dropped
		})
		s.Go(func(context.Context) error { return boom }, scope.Named("boomer"))
		return nil
	})
	if seen != boom {
		t.Errorf("sibling saw cause %v; want %v", seen, boom)
	}
	e := asError(t, err)
	if got := e.Errors(); len(got) != 1 || got[0] != boom {
		t.Errorf("Errors() = %v; want [boom]", got)
	}
	if got := e.Tasks(); len(got) != 1 || got[0] != "boomer" {
		t.Errorf("Tasks() = %v; want [boomer]", got)
	}
}

// Rule 2: every failure is kept, in the order recorded, the body's included.
func TestEveryFailureIsKeptInOrder(t *testing.T) {
	first, second, body := errors.New("first"), errors.New("second"), errors.New("body")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return second // not noise: it is not the cause
		})
		s.Go(func(context.Context) error { return first }, scope.Named("first"))
		<-ctx.Done()
		return body
	})
	e := asError(t, err)
	got := e.Errors()
	if len(got) != 3 || got[0] != first {
		t.Fatalf("Errors() = %v; want first, then second and body", got)
	}
	if !errors.Is(err, second) || !errors.Is(err, body) {
		t.Errorf("%v does not hold second and body", err)
	}
	if names := e.Tasks(); !contains(names, "body") || names[0] != "first" {
		t.Errorf("Tasks() = %v; want first first and body among them", names)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Under Supervise the body counts as a task: the error it returns is
// reported, and cancels nothing; its panic does (see
// TestBodyPanicCancelsWaitsAndRepanicsOriginal).
func TestBodyFailureUnderSuperviseCancelsNothing(t *testing.T) {
	bad := errors.New("bad")
	recorded := make(chan struct{}) // OnFailure heard the body's error: it would have cancelled by now
	var cancelled error
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-recorded
			cancelled = context.Cause(ctx)
			return nil
		})
		return bad
	}, scope.Supervise(), scope.OnFailure(func(task string, err error) {
		if task == "body" {
			close(recorded)
		}
	}))
	if cancelled != nil {
		t.Errorf("the task's context was cancelled with %v; under Supervise the body's error cancels nothing", cancelled)
	}
	if e := asError(t, err); len(e.Errors()) != 1 || !errors.Is(err, bad) {
		t.Fatalf("Run = %v; want *Error of [bad]", err)
	}
}

// Rule 3: with no failure, the parent's cancellation is reported once, as the
// parent's cause itself.
func TestParentCancellationReturnsItsCauseOnce(t *testing.T) {
	stop := errors.New("shutting down")
	parent, cancel := context.WithCancelCause(bg)
	err := scope.Run(parent, func(ctx context.Context, s *scope.Scope) error {
		for range 5 {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) })
		}
		cancel(stop)
		<-ctx.Done()
		return ctx.Err()
	})
	if err != stop {
		t.Fatalf("Run = %v (%T); want the parent's cause itself", err, err)
	}
}

func TestOwnDeadlineReturnsDeadlineExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
			return nil
		}, scope.WithTimeout(5*time.Second))
		if err != context.DeadlineExceeded {
			t.Errorf("Run = %v; want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Run took %v; want exactly 5s", d)
		}
	})
}

// Nested scopes with one deadline: only the outermost times out, as of
// asyncio's nested timeouts at one deadline only the outermost raises
// TimeoutError (CPython's test_nested_timeouts). The inner scope is
// cancelled by its parent, and its DeadlineExceeded is the outer scope's
// own cancellation, not a failure; with a timer of its own the inner
// scope's could fire first, and the outer Run returned an *Error.
func TestNestedScopesWithOneDeadlineTimeOutOnce(t *testing.T) {
	for range 50 {
		synctest.Test(t, func(t *testing.T) {
			err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
				return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
					s.Go(func(ctx context.Context) error { return scope.Sleep(ctx, time.Hour) })
					return nil
				}, scope.WithTimeout(time.Second))
			}, scope.WithTimeout(time.Second))
			if err != context.DeadlineExceeded {
				t.Fatalf("Run = %v (%T); want context.DeadlineExceeded itself", err, err)
			}
		})
	}
}

func TestEarliestDeadlineWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		s, ctx := scope.New(bg, scope.WithTimeout(time.Hour), scope.WithDeadline(start.Add(3*time.Second)),
			scope.WithTimeout(time.Minute))
		if dl, ok := ctx.Deadline(); !ok || !dl.Equal(start.Add(3*time.Second)) {
			t.Errorf("Deadline() = %v, %v; want %v", dl, ok, start.Add(3*time.Second))
		}
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return nil })
		if err := s.Wait(); err != context.DeadlineExceeded || time.Since(start) != 3*time.Second {
			t.Errorf("Wait = %v after %v; want DeadlineExceeded after 3s", err, time.Since(start))
		}
	})
}

// A deadline already past, the zero time included, ends the scope as it is
// made, as context.WithDeadline does; so does a timeout of zero or less.
func TestPastDeadlineEndsTheScopeAtOnce(t *testing.T) {
	for _, opt := range []scope.Option{scope.WithDeadline(time.Time{}), scope.WithTimeout(0), scope.WithTimeout(-time.Second)} {
		s, ctx := scope.New(bg, opt)
		if ctx.Err() == nil {
			t.Errorf("the scope's context is live; want it ended")
		}
		if err := s.Wait(); err != context.DeadlineExceeded {
			t.Errorf("Wait = %v; want DeadlineExceeded", err)
		}
	}
	s, ctx := scope.New(bg, scope.WithDeadline(time.Time{}), scope.WithTimeout(time.Hour))
	if ctx.Err() == nil {
		t.Errorf("zero deadline then a timeout: the context is live; want the earliest, the zero time, to end it")
	}
	_ = s.Wait()
}

func TestLastNameAndLimitWin(t *testing.T) {
	s, _ := scope.New(bg, scope.WithName("a"), scope.WithLimit(1), scope.WithName("b"), scope.WithLimit(3))
	defer s.Wait()
	if s.Name() != "b" {
		t.Errorf("Name() = %q; want %q", s.Name(), "b")
	}
	release := make(chan struct{})
	for range 3 {
		if !s.TryGo(func(context.Context) error { <-release; return nil }) {
			t.Errorf("TryGo refused below the limit of 3")
		}
	}
	if s.TryGo(func(context.Context) error { return nil }) {
		t.Errorf("TryGo accepted a fourth task over the limit of 3")
	}
	close(release)
}

// Rule 3: Cancel is a clean stop.
func TestCancelIsACleanStop(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) })
		s.Cancel(errors.New("enough"))
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v; want nil after Cancel", err)
	}
}

func TestCancelCauseIsSeenAndFirstWins(t *testing.T) {
	first, second := errors.New("first"), errors.New("second")
	s, ctx := scope.New(bg)
	s.Cancel(first)
	s.Cancel(second)
	if got := context.Cause(ctx); got != first {
		t.Errorf("Cause = %v; want %v", got, first)
	}
	if err := s.Wait(); err != nil {
		t.Errorf("Wait = %v; want nil", err)
	}
}

func TestCancelNilMeansCanceled(t *testing.T) {
	s, ctx := scope.New(bg)
	s.Cancel(nil)
	if got := context.Cause(ctx); got != context.Canceled {
		t.Errorf("Cause = %v; want context.Canceled", got)
	}
	if err := s.Wait(); err != nil {
		t.Errorf("Wait = %v; want nil", err)
	}
}

func TestCancelThenParentStillCleanStop(t *testing.T) {
	parent, cancel := context.WithCancelCause(bg)
	defer cancel(nil)
	s, _ := scope.New(parent)
	hold := make(chan struct{})
	s.Go(func(ctx context.Context) error { <-hold; return context.Cause(ctx) })
	s.Cancel(nil)
	cancel(errors.New("parent"))
	close(hold)
	if err := s.Wait(); err != nil {
		t.Fatalf("Wait = %v; want nil: Cancel came first", err)
	}
}

func TestParentThenCancelReturnsParentCause(t *testing.T) {
	parentCause := errors.New("parent")
	parent, cancel := context.WithCancelCause(bg)
	s, _ := scope.New(parent)
	cancel(parentCause)
	s.Cancel(errors.New("mine"))
	if err := s.Wait(); err != parentCause {
		t.Fatalf("Wait = %v; want the parent's cause", err)
	}
}

func TestFailureBeatsCancellation(t *testing.T) {
	cleanup := errors.New("cleanup failed")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return cleanup })
		s.Cancel(nil)
		return nil
	})
	if e := asError(t, err); !errors.Is(e, cleanup) {
		t.Fatalf("Run = %v; want *Error holding the cleanup failure", err)
	}
}

func TestCancellationAfterCloseChangesNothing(t *testing.T) {
	parent, cancel := context.WithCancel(bg)
	s, ctx := scope.New(parent)
	if err := s.Wait(); err != nil {
		t.Fatalf("Wait = %v; want nil", err)
	}
	cancel()
	s.Cancel(errors.New("late"))
	if err := s.Wait(); err != nil {
		t.Errorf("second Wait = %v; want nil", err)
	}
	if got := context.Cause(ctx); got != context.Canceled {
		t.Errorf("context cause after Wait = %v; want context.Canceled", got)
	}
}

func TestContextIsCancelledOnceWaitReturns(t *testing.T) {
	var inner context.Context
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		inner = ctx
		if s.Context() != ctx {
			t.Errorf("Context() differs from the body's context")
		}
		return nil
	})
	if err != nil || inner.Err() == nil || context.Cause(inner) != context.Canceled {
		t.Fatalf("after Run: err %v, ctx.Err %v, cause %v; want nil, done, context.Canceled",
			err, inner.Err(), context.Cause(inner))
	}
}

// Rule 4: tasks spawn tasks while Wait waits.
func TestTasksSpawnWhileWaitWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg)
		release := make(chan struct{})
		var grandchild atomic.Bool
		s.Go(func(context.Context) error {
			<-release
			s.Go(func(context.Context) error { grandchild.Store(true); return nil })
			return nil
		})
		waited := make(chan error)
		go func() { waited <- s.Wait() }()
		synctest.Wait() // Wait is blocked, durably
		close(release)
		if err := <-waited; err != nil || !grandchild.Load() {
			t.Fatalf("Wait = %v, grandchild ran %v; want nil, true", err, grandchild.Load())
		}
	})
}

func TestGoAfterWaitPanicsAndTryGoRefuses(t *testing.T) {
	s, _ := scope.New(bg)
	s.Wait()
	ran := false
	wantScopePanic(t, func() { s.Go(func(context.Context) error { ran = true; return nil }) }, "after Wait returned")
	if s.TryGo(func(context.Context) error { ran = true; return nil }) {
		t.Errorf("TryGo after Wait = true; want false")
	}
	if ran {
		t.Errorf("a task ran after Wait returned")
	}
}

func TestClosedIsCheckedBeforeCancelled(t *testing.T) {
	s, _ := scope.New(bg)
	s.Cancel(nil)
	s.Wait()
	wantScopePanic(t, func() { s.Go(func(context.Context) error { return nil }) }, "after Wait returned")
}

func TestTaskOfCancelledScopeNeverStarts(t *testing.T) {
	var ran atomic.Bool
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Cancel(nil)
		s.Go(func(context.Context) error { ran.Store(true); return nil })
		s.Go(func(context.Context) error { ran.Store(true); return nil }, scope.Shielded())
		if s.TryGo(func(context.Context) error { ran.Store(true); return nil }) {
			t.Errorf("TryGo on a cancelled scope = true; want false")
		}
		return nil
	})
	if err != nil || ran.Load() {
		t.Fatalf("Run = %v, a task ran: %v; want nil and none", err, ran.Load())
	}
}

// Rule 6: the scope owns its live tasks, lists them, and drops them at once.
func TestTasksListsLiveTasksWithNamesAndStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg)
		release := make(chan struct{})
		s.Go(func(context.Context) error { <-release; return nil }, scope.Named("fetch"))
		s.Go(func(context.Context) error { <-release; return nil })
		s.Go(func(context.Context) error { return nil }) // task-3: ends at once
		s.Go(func(context.Context) error { <-release; return nil })
		synctest.Wait()
		got := s.Tasks()
		want := []scope.TaskInfo{{Name: "fetch", State: scope.StateRunning}, {Name: "task-2", State: scope.StateRunning},
			{Name: "task-4", State: scope.StateRunning}}
		if !sameTasks(got, want) {
			t.Errorf("Tasks() = %v; want %v", got, want)
		}
		s.Cancel(nil)
		for _, ti := range s.Tasks() {
			if ti.State != scope.StateCancelling {
				t.Errorf("after Cancel, %s is %s; want %s", ti.Name, ti.State, scope.StateCancelling)
			}
		}
		close(release)
		s.Wait()
		if got := s.Tasks(); len(got) != 0 {
			t.Errorf("Tasks() after Wait = %v; want none", got)
		}
	})
}

// sameTasks compares with ==, as a user would: TaskInfo is comparable, and
// Started and Site stay empty with tracking off.
func sameTasks(got, want []scope.TaskInfo) bool { return slices.Equal(got, want) }

func TestFinishedTaskIsReleasedAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg)
		defer s.Wait()
		finish := make(chan struct{})
		s.Go(func(context.Context) error { <-finish; return nil })
		synctest.Wait()
		if n := len(s.Tasks()); n != 1 {
			t.Fatalf("Tasks() has %d entries; want 1", n)
		}
		close(finish)
		synctest.Wait() // the task has returned and its goroutine ended
		if got := s.Tasks(); len(got) != 0 {
			t.Fatalf("Tasks() = %v after the task returned; want none", got)
		}
	})
}

// Nested scopes nest their errors, and errors.Is/As see through the tree.
func TestNestedErrorsStayWhole(t *testing.T) {
	deep := errors.New("deep")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(context.Context) error { return deep }, scope.Named("leaf"))
				return nil
			})
		}, scope.Named("inner"))
		return nil
	})
	outer := asError(t, err)
	inner, ok := outer.Errors()[0].(*scope.Error)
	if !ok || len(outer.Errors()) != 1 {
		t.Fatalf("outer Errors() = %v; want the inner *Error kept whole", outer.Errors())
	}
	if inner.Tasks()[0] != "leaf" || !errors.Is(err, deep) {
		t.Fatalf("inner = %v; errors.Is(outer, deep) = %v", inner, errors.Is(err, deep))
	}
}

func TestWaitTwiceAndFromManyGoroutines(t *testing.T) {
	boom := errors.New("boom")
	s, _ := scope.New(bg)
	s.Go(func(context.Context) error { return boom })
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Go(func() { results[i] = s.Wait() })
	}
	wg.Wait()
	for _, err := range results {
		if err != results[0] || !errors.Is(err, boom) {
			t.Fatalf("Wait results differ or miss the failure: %v", results)
		}
	}
	if again := s.Wait(); again != results[0] {
		t.Fatalf("Wait again = %v; want the same *Error", again)
	}
}

func TestSuperviseKeepsEveryOneOfAThousandFailures(t *testing.T) {
	var ran atomic.Int32
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		for range 1000 {
			s.Go(func(ctx context.Context) error {
				ran.Add(1)
				if ctx.Err() != nil {
					return errors.New("cancelled: supervise failed")
				}
				return errors.New("failed")
			})
		}
		return nil
	}, scope.Supervise())
	e := asError(t, err)
	if n := len(e.Errors()); n != 1000 || ran.Load() != 1000 {
		t.Fatalf("%d failures from %d tasks; want 1000 from 1000", n, ran.Load())
	}
	for _, f := range e.Errors() {
		if f.Error() != "failed" {
			t.Fatalf("a task saw a cancelled context under Supervise: %v", f)
		}
	}
}

func TestOnFailureSeesEachFailureBeforeWait(t *testing.T) {
	type report struct {
		task string
		err  error
	}
	reports := make(chan report, 3)
	s, _ := scope.New(bg, scope.Supervise(), scope.CapturePanics(),
		scope.OnFailure(func(task string, err error) { reports <- report{task, err} }))
	boom := errors.New("boom")
	s.Go(func(context.Context) error { return boom }, scope.Named("err"))
	if r := <-reports; r.task != "err" || r.err != boom {
		t.Fatalf("OnFailure got %v; want err, boom", r)
	}
	s.Go(func(context.Context) error { panic("p") }, scope.Named("panic"))
	if r := <-reports; r.task != "panic" || !isPanic(r.err) {
		t.Fatalf("OnFailure got %v; want a *PanicError from panic", r)
	}
	s.Go(func(context.Context) error { goexit(); return nil }, scope.Named("goexit"))
	if r := <-reports; r.task != "goexit" || !errors.Is(r.err, scope.ErrGoexit) {
		t.Fatalf("OnFailure got %v; want ErrGoexit from goexit", r)
	}
	if err := s.Wait(); len(asError(t, err).Errors()) != 3 {
		t.Fatalf("Wait = %v; want 3 failures", err)
	}
}

// A supervisor restarts a failed task from OnFailure: the failed task has
// passed its slot on, so under WithLimit(1) a TryGo from f succeeds, and a
// Go from f waits only for the task the slot went to (in a bubble, which
// would report a deadlock if the failed task still held the slot).
func TestOnFailureCanRestartUnderAFullLimit(t *testing.T) {
	t.Run("TryGo", func(t *testing.T) {
		var runs atomic.Int32
		var s *scope.Scope
		worker := func(context.Context) error {
			if runs.Add(1) < 3 {
				return errors.New("crashed")
			}
			return nil
		}
		s, _ = scope.New(bg, scope.WithLimit(1), scope.Supervise(),
			scope.OnFailure(func(task string, err error) {
				if len(s.Tasks()) != 0 || !s.TryGo(worker, scope.Named(task)) {
					t.Errorf("OnFailure: Tasks = %v, and TryGo refused; want the failed task gone and its slot free", s.Tasks())
				}
			}))
		s.Go(worker, scope.Named("worker"))
		err := s.Wait()
		if runs.Load() != 3 || len(asError(t, err).Errors()) != 2 {
			t.Fatalf("%d runs, Wait = %v; want 3 runs and the 2 crashes", runs.Load(), err)
		}
	})
	t.Run("Go", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var order []string
			var mu sync.Mutex
			note := func(what string) { mu.Lock(); order = append(order, what); mu.Unlock() }
			var s *scope.Scope
			s, _ = scope.New(bg, scope.WithLimit(1), scope.Supervise(),
				scope.OnFailure(func(string, error) {
					s.Go(func(context.Context) error { note("restarted"); return nil })
				}))
			release := make(chan struct{})
			s.Go(func(context.Context) error { <-release; note("failed"); return errors.New("crashed") })
			go func() {
				synctest.Wait() // the next Go waits for the slot
				close(release)
			}()
			s.Go(func(context.Context) error { note("waited"); return nil }) // until the failure passes its slot on
			if err := s.Wait(); err == nil || strings.Join(order, " ") != "failed waited restarted" {
				t.Fatalf("Wait = %v after %v; want the crash, after failed waited restarted", err, order)
			}
		})
	})
}

func TestOnFailureNeverSeesNoise(t *testing.T) {
	var calls atomic.Int32
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		s.Cancel(nil)
		return nil
	}, scope.OnFailure(func(string, error) { calls.Add(1) }))
	if err != nil || calls.Load() != 0 {
		t.Fatalf("Run = %v with %d OnFailure calls; want nil, 0", err, calls.Load())
	}
}

func isPanic(err error) bool {
	var pe *scope.PanicError
	return errors.As(err, &pe)
}

func TestStringNamesTheScope(t *testing.T) {
	s, _ := scope.New(bg, scope.WithName("crawler"))
	hold := make(chan struct{})
	s.Go(func(context.Context) error { <-hold; return nil })
	if got, want := s.String(), `scope "crawler" (running, 1 task)`; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	close(hold)
	s.Wait()
	if got, want := s.String(), `scope "crawler" (closed, 0 tasks)`; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

// Once Cancel has returned, Tasks and String show the scope's tasks and the
// scope cancelling, tracked or not: a tracked scope, which learns of other
// cancellations from an AfterFunc, marks its own at once.
func TestCancelShowsInTasksAndStringAtOnce(t *testing.T) {
	for _, tracking := range []scope.Tracking{0, scope.TrackTasks} {
		for range 100 {
			s, _ := scope.New(bg, scope.WithTracking(tracking))
			hold := make(chan struct{})
			s.Go(func(ctx context.Context) error { <-ctx.Done(); <-hold; return nil })
			s.Cancel(nil)
			if tasks := s.Tasks(); len(tasks) != 1 || tasks[0].State != scope.StateCancelling {
				t.Fatalf("tracking %v: Tasks() = %+v after Cancel; want the task cancelling", tracking, tasks)
			}
			if got, want := s.String(), "scope (cancelling, 1 task)"; got != want {
				t.Fatalf("tracking %v: String() = %q after Cancel; want %q", tracking, got, want)
			}
			close(hold)
			s.Wait()
		}
	}
}

// A TaskInfo prints as the tree's line for the task, so that
// fmt.Println(s.Tasks()) is readable.
func TestTaskInfoStringIsTheTreeLine(t *testing.T) {
	s, _ := scope.New(bg)
	hold := make(chan struct{})
	s.Go(func(context.Context) error { <-hold; return nil }, scope.Named("fetch"))
	if got, want := fmt.Sprint(s.Tasks()), "[fetch (running)]"; got != want {
		t.Errorf("Tasks() prints %s; want %s", got, want)
	}
	close(hold)
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	// Started now, not 1.5 s ago: an age reaching back before the process
	// started is printed as unknown (no age), and a test run alone starts
	// within a second of the process.
	info := scope.TaskInfo{Name: "fetch", State: scope.StateRunning, WaitsOn: "Queue.Get",
		Started: time.Now(), Site: "/src/crawl/fetch.go:88"}
	got := info.String() // the age depends on the clock
	if !regexp.MustCompile(`^fetch \(running, in Queue\.Get\) [0-9.]+(ns|µs|ms|s) at crawl/fetch\.go:88$`).MatchString(got) {
		t.Errorf("String() = %q; want \"fetch (running, in Queue.Get) <age> at crawl/fetch.go:88\"", got)
	}
}
