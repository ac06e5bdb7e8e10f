package scope_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// A panic in a task's deferred function, after it returned an error, is the
// task's panic: captured, it replaces the error, as Go's own unwinding does.
func TestPanicInADeferredFunctionOfATask(t *testing.T) {
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) (err error) {
			defer func() { panic("in defer") }()
			return errors.New("returned first")
		}, scope.Named("deferrer"))
		return nil
	}, scope.CapturePanics())
	var pe *scope.PanicError
	if !errors.As(err, &pe) || pe.Value != "in defer" || pe.Task != "deferrer" || len(asError(t, err).Errors()) != 1 {
		t.Fatalf("Run = %v; want one *PanicError from deferrer", err)
	}
}

// A task that ignores cancellation is waited for, listed as cancelling
// meanwhile, and what it finally returns is kept if it is not noise.
func TestTaskIgnoringCancellationIsWaitedFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		late := errors.New("done my own way")
		start := time.Now()
		s, _ := scope.New(bg, scope.WithTimeout(time.Second))
		s.Go(func(context.Context) error {
			time.Sleep(time.Hour) // ignores its context
			return late
		}, scope.Named("stubborn"))
		time.Sleep(2 * time.Second)
		if got := s.Tasks(); len(got) != 1 || got[0].State != scope.StateCancelling {
			t.Errorf("Tasks() = %v; want stubborn, cancelling", got)
		}
		err := s.Wait()
		if time.Since(start) != time.Hour || !errors.Is(err, late) {
			t.Fatalf("Wait = %v after %v; want its failure after 1h", err, time.Since(start))
		}
	})
}

// neverDone is a parent whose Done channel is never closed (and not nil), so
// the context package watches it from a goroutine of its own: scope must
// neither hang nor leave that goroutine behind (goleak.VerifyTestMain checks).
type neverDone struct{ context.Context }

func (neverDone) Done() <-chan struct{} { return make(chan struct{}) }

func TestParentWhoseDoneNeverCloses(t *testing.T) {
	var ran atomic.Int32
	parent := neverDone{context.Background()}
	err := scope.Run(parent, func(ctx context.Context, s *scope.Scope) error {
		for range 10 {
			s.Go(func(context.Context) error { ran.Add(1); return nil })
		}
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
		s.Cancel(nil) // only the scope itself can end that task
		return nil
	}, scope.WithLimit(3))
	if err != nil || ran.Load() == 0 {
		t.Fatalf("Run = %v with %d tasks run; want nil, and tasks run", err, ran.Load())
	}
}
