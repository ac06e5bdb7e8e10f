package scope_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/structuredgo/scope"
)

// Found by TestStress. A task that panics cancels its scope with its
// *PanicError as the cause; a sibling that then returns that cause, as a
// cancelled task does (context.Cause(ctx), or wrapped), reports the
// cancellation, not a second failure: the panic is kept once, and
// OnFailure hears of it once.
func TestReturningAPanicCauseIsNoise(t *testing.T) {
	for name, report := range map[string]func(ctx context.Context) error{
		"cause":   context.Cause,
		"wrapped": func(ctx context.Context) error { return fmt.Errorf("stopped: %w", context.Cause(ctx)) },
		"joined":  func(ctx context.Context) error { return errors.Join(ctx.Err(), context.Cause(ctx)) },
	} {
		t.Run(name, func(t *testing.T) {
			var heard atomic.Int32
			err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
				s.Go(func(ctx context.Context) error {
					<-ctx.Done()
					return report(ctx)
				})
				s.Go(func(context.Context) error { panic("boom") })
				return nil
			}, scope.CapturePanics(), scope.OnFailure(func(string, error) { heard.Add(1) }))
			if e := asError(t, err); len(e.Errors()) != 1 || heard.Load() != 1 {
				t.Fatalf("Run = %+v, OnFailure heard %d; want the panic once", err, heard.Load())
			}
		})
	}
}
