package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/pool"
	"github.com/structuredgo/scope"
	"golang.org/x/sync/errgroup"
)

// sink keeps the ~1µs body from being optimized away.
var sink sync.Map

// work is the body of each task: nothing, or about a microsecond of
// arithmetic.
func work(spin int) {
	x := 0
	for i := range spin {
		x += i * i
	}
	if x == -1 {
		sink.Store(x, x)
	}
}

// bodies are the two task bodies: trivial, and ~1µs (spin measured once on
// a 2-core machine; it is the same work for every contender).
var bodies = []struct {
	name string
	spin int
}{{"trivial", 0}, {"1us", 1500}}

// BenchmarkFanOut starts n tasks and waits for them, once per iteration.
func BenchmarkFanOut(b *testing.B) {
	ctx := context.Background()
	pondPool := pond.NewPool(0)
	defer pondPool.StopAndWait()
	antsPool, _ := ants.NewPool(-1)
	defer antsPool.ReleaseTimeout(10 * time.Second) // unlike Release, waits for the pool's goroutines: goleak looks
	for _, body := range bodies {
		for _, n := range []int{1, 10, 100, 1000, 10000} {
			name := fmt.Sprintf("n=%d/body=%s/impl=", n, body.name)
			spin := body.spin
			run := func(impl string, f func()) {
				b.Run(name+impl, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						f()
					}
				})
			}
			run("raw", func() {
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					go func() { defer wg.Done(); work(spin) }()
				}
				wg.Wait()
			})
			run("waitgroupgo", func() {
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() { work(spin) })
				}
				wg.Wait()
			})
			run("errgroup", func() {
				var g errgroup.Group
				for range n {
					g.Go(func() error { work(spin); return nil })
				}
				g.Wait()
			})
			run("errgroupctx", func() {
				g, _ := errgroup.WithContext(ctx)
				for range n {
					g.Go(func() error { work(spin); return nil })
				}
				g.Wait()
			})
			run("conc", func() {
				var wg conc.WaitGroup
				for range n {
					wg.Go(func() { work(spin) })
				}
				wg.Wait()
			})
			run("concpool", func() {
				p := pool.New()
				for range n {
					p.Go(func() { work(spin) })
				}
				p.Wait()
			})
			run("pond", func() {
				g := pondPool.NewGroup()
				for range n {
					g.Submit(func() { work(spin) })
				}
				g.Wait()
			})
			run("ants", func() {
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					antsPool.Submit(func() { defer wg.Done(); work(spin) })
				}
				wg.Wait()
			})
			run("scope", func() {
				scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
					for range n {
						s.Go(func(context.Context) error { work(spin); return nil })
					}
					return nil
				})
			})
			run("scopenamed", func() {
				scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
					for range n {
						s.Go(func(context.Context) error { work(spin); return nil }, scope.Named("worker"))
					}
					return nil
				})
			})
		}
	}
}
