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

// BenchmarkFailFast times the latency of failing fast: 999 tasks are started
// and blocked on their context, and one more waits for a signal, all with
// the timer stopped; then the timer starts, the signal makes that task fail,
// and the timer runs until Wait has returned: the cost of cancelling and of
// handling 999 cancellation errors. The floor cancels a context by hand and
// waits with a WaitGroup. Each contender's failing task fails by returning
// (cancelling, for the floor) as soon as fire is closed.
func BenchmarkFailFast(b *testing.B) {
	const blocked = 999
	bg := context.Background()
	run := func(impl string, start func(fire <-chan struct{}, ready *sync.WaitGroup) (wait func() error)) {
		b.Run("blocked=999/impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fire := make(chan struct{})
				var ready sync.WaitGroup
				ready.Add(blocked)
				wait := start(fire, &ready)
				ready.Wait() // every blocked task is on its way to park on ctx.Done
				b.StartTimer()
				close(fire)
				if err := wait(); !errors.Is(err, errFail) {
					b.Fatalf("wait returned %v, want the failure %v", err, errFail)
				}
			}
		})
	}
	// blockedTask parks on ctx, as a task that serves until cancelled does.
	blockedTask := func(ready *sync.WaitGroup) func(ctx context.Context) error {
		return func(ctx context.Context) error { ready.Done(); <-ctx.Done(); return ctx.Err() }
	}
	failing := func(fire <-chan struct{}) func(context.Context) error {
		return func(context.Context) error { <-fire; return errFail }
	}
	run("raw", func(fire <-chan struct{}, ready *sync.WaitGroup) func() error {
		ctx, cancel := context.WithCancelCause(bg)
		var wg sync.WaitGroup
		task := blockedTask(ready)
		for range blocked {
			wg.Go(func() { _ = task(ctx) }) // only ever ctx.Err(): noise, which the floor drops
		}
		wg.Go(func() { <-fire; cancel(errFail) })
		return func() error {
			wg.Wait()
			err := context.Cause(ctx)
			cancel(nil)
			return err
		}
	})
	run("errgroup", func(fire <-chan struct{}, ready *sync.WaitGroup) func() error {
		g, ctx := errgroup.WithContext(bg)
		task := blockedTask(ready)
		for range blocked {
			g.Go(func() error { return task(ctx) })
		}
		g.Go(func() error { return failing(fire)(ctx) })
		return g.Wait
	})
	run("concpool", func(fire <-chan struct{}, ready *sync.WaitGroup) func() error {
		p := pool.New().WithContext(bg).WithCancelOnError()
		for range blocked {
			p.Go(blockedTask(ready))
		}
		p.Go(failing(fire))
		return p.Wait
	})
	run("scope", func(fire <-chan struct{}, ready *sync.WaitGroup) func() error {
		s, _ := scope.New(bg)
		for range blocked {
			s.Go(blockedTask(ready))
		}
		s.Go(failing(fire))
		return s.Wait
	})
}
