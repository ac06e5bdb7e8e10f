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
	for _, body := range bodies {
		for _, n := range []int{1, 10, 100, 1000, 10000} {
			name := fmt.Sprintf("n=%d/body=%s/impl=", n, body.name)
			spin := body.spin
			run := func(impl string, f func()) {
				pooled(b, name+impl, func(*testing.B) (func(), func()) { return f, func() {} })
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
			pooled(b, name+"pond", func(*testing.B) (func(), func()) {
				p := pond.NewPool(0)
				return func() {
					g := p.NewGroup()
					for range n {
						g.Submit(func() { work(spin) })
					}
					g.Wait()
				}, p.StopAndWait
			})
			pooled(b, name+"ants", func(b *testing.B) (func(), func()) {
				p, err := ants.NewPool(-1)
				if err != nil {
					b.Fatal(err)
				}
				return func() {
					var wg sync.WaitGroup
					for range n {
						wg.Add(1)
						p.Submit(func() { defer wg.Done(); work(spin) })
					}
					wg.Wait()
				}, func() { reportRelease(b, p.ReleaseTimeout(10*time.Second)) }
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

// pooled runs one contender as a sub-benchmark: setup, given the
// sub-benchmark to report a failure on, returns its work and
// what releases it. A contender that keeps a pool of workers makes the pool
// in setup, before the timed loop, and releases it after, waiting for its
// workers, so that none is left when the next contender runs. ants retires a
// worker a second after its last task; with one pool for the whole
// benchmark, the thousands that a fan-out left idle retired while the next
// contender, scope, was being timed.
func pooled(b *testing.B, name string, setup func(*testing.B) (run, release func())) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		run, release := setup(b)
		for b.Loop() {
			run()
		}
		b.StopTimer()
		release() // untimed; ants' ReleaseTimeout, unlike Release, waits for its goroutines: goleak looks
	})
}

// reportRelease reports the error of releasing a pool: ants' ReleaseTimeout fails
// if its workers did not all leave in time, and goleak would then name them.
func reportRelease(b *testing.B, err error) {
	if err != nil {
		b.Error(err)
	}
}
