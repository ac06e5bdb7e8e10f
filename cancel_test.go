package scope_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// The noise rule: once the scope is cancelled, an error that only reports
// that cancellation (in every branch) is dropped; anything else is kept.
func TestCancellationNoise(t *testing.T) {
	cause := errors.New("the cause")
	other := errors.New("cleanup failed")
	cases := []struct {
		name  string
		err   func(ctx context.Context) error
		noise bool
	}{
		{"ctx.Err()", func(ctx context.Context) error { return ctx.Err() }, true},
		{"the cause itself", func(ctx context.Context) error { return context.Cause(ctx) }, true},
		{"the cause wrapped", func(ctx context.Context) error { return fmt.Errorf("fetch: %w", context.Cause(ctx)) }, true},
		{"Canceled wrapped", func(ctx context.Context) error { return fmt.Errorf("dial: %w", context.Canceled) }, true},
		{"joined noise", func(ctx context.Context) error { return errors.Join(ctx.Err(), context.Cause(ctx)) }, true},
		{"joined with a failure", func(ctx context.Context) error { return errors.Join(ctx.Err(), other) }, false},
		{"wrapped join with a failure", func(ctx context.Context) error {
			return fmt.Errorf("close: %w", errors.Join(context.Cause(ctx), other))
		}, false},
		{"another error", func(context.Context) error { return other }, false},
		{"DeadlineExceeded", func(context.Context) error { return context.DeadlineExceeded }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error { <-ctx.Done(); return c.err(ctx) }, scope.Named("late"))
				s.Go(func(context.Context) error { return cause }, scope.Named("first"))
				return nil
			})
			e := asError(t, err)
			want := 2
			if c.noise {
				want = 1
			}
			if got := len(e.Errors()); got != want {
				t.Fatalf("%d failures (%v); want %d", got, e.Errors(), want)
			}
		})
	}
}

// Before the context is done nothing is noise: a task that returns
// One error value is one failure: a task that returns the very error that
// cancelled the scope reports that cancellation, and is dropped. Tasks that
// each wrap it return values of their own, and each is kept; errors.Is
// still finds it in every one.
func TestOneErrorValueIsOneFailure(t *testing.T) {
	busy := errors.New("busy")
	for _, wrap := range []bool{false, true} {
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			started := make(chan struct{})
			defer close(started)
			for i := range 3 {
				s.Go(func(ctx context.Context) error {
					if i == 0 {
						<-started // all three are started
					} else {
						<-ctx.Done() // after the first failure
					}
					if wrap {
						return fmt.Errorf("shard %d: %w", i, busy)
					}
					return busy
				})
			}
			return nil
		})
		var e *scope.Error
		if !errors.As(err, &e) || !errors.Is(err, busy) {
			t.Fatalf("wrap %v: Run = %v; want an *Error holding busy", wrap, err)
		}
		if want := map[bool]int{false: 1, true: 3}[wrap]; len(e.Errors()) != want {
			t.Errorf("wrap %v: %d failures kept (%v); want %d", wrap, len(e.Errors()), err, want)
		}
	}
}

// context.Canceled while its scope is live has failed.
func TestNothingIsNoiseBeforeCancellation(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return context.Canceled })
		return nil
	})
	if e := asError(t, err); !errors.Is(e, context.Canceled) {
		t.Fatalf("Run = %v; want *Error holding context.Canceled", err)
	}
}

func TestBodyNoiseIsDropped(t *testing.T) {
	parent, cancel := context.WithCancel(bg)
	err := scope.Run(parent, func(ctx context.Context, s *scope.Scope) error {
		cancel()
		return fmt.Errorf("body: %w", ctx.Err())
	})
	if err != context.Canceled {
		t.Fatalf("Run = %v; want context.Canceled, once", err)
	}
}

// A nested scope cancelled by its parent reports the cause, which is noise
// for the outer scope: no tree of cancellations.
func TestNestedCancellationIsNoise(t *testing.T) {
	boom := errors.New("boom")
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
				return nil
			})
		})
		s.Go(func(context.Context) error { return boom })
		return nil
	})
	if e := asError(t, err); len(e.Errors()) != 1 || e.Errors()[0] != boom {
		t.Fatalf("Run = %+v; want only boom", err)
	}
}

func TestShieldedTaskIgnoresCancellationAndIsAwaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		parent := context.WithValue(bg, key{}, "v")
		start := time.Now()
		var finished bool
		err := scope.Run(parent, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				if ctx.Value(key{}) != "v" {
					t.Errorf("shielded task lost the scope's values")
				}
				time.Sleep(10 * time.Second) // longer than the timeout
				finished = ctx.Err() == nil
				return nil
			}, scope.Shielded(), scope.Named("commit"))
			s.Go(func(context.Context) error { return errors.New("fail") })
			return nil
		}, scope.WithTimeout(time.Second))
		if !finished || time.Since(start) != 10*time.Second {
			t.Errorf("shielded task finished uncancelled %v after %v; want true after 10s", finished, time.Since(start))
		}
		if e := asError(t, err); len(e.Errors()) != 1 {
			t.Errorf("Run = %v; want the one failure", err)
		}
	})
}

func TestShieldedTaskIsListedRunningWhileScopeCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := scope.New(bg)
		release := make(chan struct{})
		s.Go(func(context.Context) error { <-release; return nil }, scope.Shielded(), scope.Named("shielded"))
		s.Go(func(context.Context) error { <-release; return nil }, scope.Named("plain"))
		s.Cancel(nil)
		want := []scope.TaskInfo{{Name: "shielded", State: scope.StateRunning}, {Name: "plain", State: scope.StateCancelling}}
		if got := s.Tasks(); !sameTasks(got, want) {
			t.Errorf("Tasks() = %v; want %v", got, want)
		}
		close(release)
		s.Wait()
	})
}

// A failure and Cancel race: whichever claims the cancellation first gives
// the cause, and the failure is reported either way, exactly once, with
// every woken task's ctx.Err() dropped as noise. Run under -race, it also
// checks that the cancel made after unlocking (see claim) is safe.
func TestFailureRacesCancel(t *testing.T) {
	failure, stop := errors.New("failure"), errors.New("stop")
	causes := map[error]int{}
	for range 300 {
		var cause error
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			for range 8 {
				s.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
			}
			s.Go(func(ctx context.Context) error { return failure })
			s.Go(func(ctx context.Context) error { s.Cancel(stop); return nil })
			<-ctx.Done()
			cause = context.Cause(ctx)
			return nil
		})
		e := asError(t, err)
		if got := e.Errors(); len(got) != 1 || got[0] != failure {
			t.Fatalf("Run = %v; want an *Error of the failure alone", err)
		}
		if cause != failure && cause != stop {
			t.Fatalf("cause = %v; want the failure or Cancel's cause", cause)
		}
		causes[cause]++
	}
	t.Logf("causes: failure %d, Cancel %d", causes[failure], causes[stop])
}

// failures is an error type that == cannot compare.
type failures map[string]string

func (failures) Error() string { return "failures" }

// A task that returns context.Cause(ctx) reports the cancellation, whatever
// the cause's type: noise, even for a map.
func TestUncomparableCauseIsStillNoise(t *testing.T) {
	s, _ := scope.New(bg)
	s.Go(func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) })
	s.Cancel(failures{"a": "b"})
	if err := s.Wait(); err != nil {
		t.Fatalf("Wait = %v; want nil: Cancel is a clean stop", err)
	}
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) })
		s.Go(func(context.Context) error { return failures{"c": "d"} })
		return nil
	})
	if n := len(asError(t, err).Errors()); n != 1 {
		t.Fatalf("got %d failures in %v; want the one, not its echo", n, err)
	}
}

// A failure claims the scope's cancellation under its lock and cancels just
// after; a Cancel in between does nothing new, but once it returns the
// scope is cancelled, with the failure as the cause.
func TestCancelReturnsWithTheScopeCancelled(t *testing.T) {
	boom := errors.New("boom")
	claimed, cancelled := make(chan struct{}), make(chan struct{})
	defer scope.HoldClaims(func() { close(claimed); <-cancelled })()
	s, ctx := scope.New(bg)
	s.Go(func(context.Context) error { return boom })
	<-claimed
	s.Cancel(nil)
	err, cause := ctx.Err(), context.Cause(ctx)
	close(cancelled)
	if err == nil || cause != boom {
		t.Errorf("after Cancel returned: Err %v, cause %v; want the context done, with the failure as its cause", err, cause)
	}
	if err := s.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v; want the failure", err)
	}
}

// A scope whose parent ended it shows as cancelling once its own Cancel has
// returned, tracked or not, as one that Cancel ended does.
func TestCancelAfterTheParentShowsCancelling(t *testing.T) {
	for _, opts := range [][]scope.Option{nil, {scope.WithTracking(scope.TrackTasks)}} {
		parent, cancel := context.WithCancel(bg)
		s, _ := scope.New(parent, opts...)
		cancel()
		s.Cancel(nil)
		if got := s.String(); !strings.Contains(got, "cancelling") {
			t.Errorf("%v: String = %q; want it cancelling", opts, got)
		}
		_ = s.Wait()
	}
}

// A cause of a comparable type holding an uncomparable value (a struct with
// an interface field that holds a map) cannot be compared with ==: the
// noise check must not panic on it.
func TestCauseHoldingAMapIsNoise(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return context.Cause(ctx) })
		s.Cancel(boxed{v: map[string]int{"a": 1}})
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v; want nil: the task reported the cancellation", err)
	}
}

// boxed is an error of a comparable type whose value may not be.
type boxed struct{ v any }

func (boxed) Error() string { return "boxed" }

// A scope whose last task returns at the very instant its own deadline
// passes (one instant of fake time) reports the deadline, every time,
// whichever the bubble ran first: asyncio's timeout, armed before the
// task's sleep, fires first. The task's Sleep itself completes (it did not
// end after the deadline).
func TestScopeClosingAtItsDeadlineReportsIt(t *testing.T) {
	for range 1000 {
		synctest.Test(t, func(t *testing.T) {
			var slept error
			err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error { slept = scope.Sleep(ctx, time.Second); return nil })
				return nil
			}, scope.WithTimeout(time.Second))
			if slept != nil || err != context.DeadlineExceeded {
				t.Fatalf("Sleep = %v, Run = %v; want nil, and the deadline", slept, err)
			}
		})
	}
}

// asyncio.timeout's reschedule(), for an idle timeout, as doc/asyncio.md
// shows it: a context's deadline cannot move, so a task of the scope keeps
// a timer that each message pushes back, and fails the scope when it
// fires. Messages 15 ms apart keep it back; the silence after the third
// ends the scope 20 ms later.
func TestAnIdleTimeoutIsATaskWithATimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errIdle := errors.New("idle for 20ms")
		start := time.Now()
		var read []string
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			active := make(chan struct{}, 1)
			s.Go(func(ctx context.Context) error {
				timer := time.NewTimer(20 * time.Millisecond)
				defer timer.Stop()
				for {
					select {
					case <-active:
						timer.Reset(20 * time.Millisecond) // cm.reschedule(loop.time() + 0.02)
					case <-timer.C:
						return errIdle
					case <-ctx.Done():
						return ctx.Err()
					}
				}
			}, scope.Named("idle"))
			messages := make(chan string)
			s.Go(func(ctx context.Context) error { // the peer: three messages, then silence
				for _, m := range []string{"a", "b", "c"} {
					if err := scope.Sleep(ctx, 15*time.Millisecond); err != nil {
						return err
					}
					select {
					case messages <- m:
					case <-ctx.Done():
						return ctx.Err()
					}
				}
				<-ctx.Done()
				return nil
			}, scope.Named("peer"))
			for {
				select {
				case m := <-messages:
					read = append(read, m)
					select {
					case active <- struct{}{}:
					default: // a push-back is pending already
					}
				case <-ctx.Done():
					return nil
				}
			}
		})
		if !errors.Is(err, errIdle) || len(read) != 3 || time.Since(start) != 65*time.Millisecond {
			t.Fatalf("Run = %v after %v, having read %q; want the idle failure after 65ms, having read a, b and c", err, time.Since(start), read)
		}
	})
}
