package bench

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/sourcegraph/conc/pool"
	"github.com/structuredgo/scope"
	"golang.org/x/sync/errgroup"
)

var errFail = errors.New("fail")

// BenchmarkFailFast starts 999 tasks that block until cancelled, then one
// that fails, and waits: the cost of cancelling and of handling 999
// cancellation errors. The floor cancels a context by hand and keeps the
// first error.
func BenchmarkFailFast(b *testing.B) {
	const blocked = 999
	bg := context.Background()
	wait := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	run := func(impl string, f func()) {
		b.Run("blocked=999/impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
		})
	}
	run("raw", func() {
		ctx, cancel := context.WithCancelCause(bg)
		var wg sync.WaitGroup
		for range blocked {
			wg.Go(func() { wait(ctx) })
		}
		wg.Go(func() { cancel(errFail) })
		wg.Wait()
		cancel(nil)
	})
	run("errgroup", func() {
		g, ctx := errgroup.WithContext(bg)
		for range blocked {
			g.Go(func() error { return wait(ctx) })
		}
		g.Go(func() error { return errFail })
		g.Wait()
	})
	run("concpool", func() {
		p := pool.New().WithContext(bg).WithCancelOnError()
		for range blocked {
			p.Go(wait)
		}
		p.Go(func(context.Context) error { return errFail })
		p.Wait()
	})
	run("scope", func() {
		scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			for range blocked {
				s.Go(wait)
			}
			s.Go(func(context.Context) error { return errFail })
			return nil
		})
	})
}
