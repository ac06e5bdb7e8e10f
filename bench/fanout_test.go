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
			run := func(impl string, f func() error) {
				pooled(b, name+impl, func(*testing.B) (func() error, func()) { return f, func() {} })
			}
			run("raw", func() error {
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					go func() { defer wg.Done(); work(spin) }()
				}
				wg.Wait()
				return nil
			})
			run("waitgroupgo", func() error {
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() { work(spin) })
				}
				wg.Wait()
				return nil
			})
			run("errgroup", func() error {
				var g errgroup.Group
				for range n {
					g.Go(func() error { work(spin); return nil })
				}
				return g.Wait()
			})
			run("errgroupctx", func() error {
				g, _ := errgroup.WithContext(ctx)
				for range n {
					g.Go(func() error { work(spin); return nil })
				}
				return g.Wait()
			})
			run("conc", func() error {
				var wg conc.WaitGroup
				for range n {
					wg.Go(func() { work(spin) })
				}
				wg.Wait()
				return nil
			})
			run("concpool", func() error {
				p := pool.New()
				for range n {
					p.Go(func() { work(spin) })
				}
				p.Wait()
				return nil
			})
			pooled(b, name+"pond", func(*testing.B) (func() error, func()) {
				p := pond.NewPool(0)
				return func() error {
					g := p.NewGroup()
					for range n {
						g.Submit(func() { work(spin) })
					}
					return g.Wait()
				}, p.StopAndWait
			})
			pooled(b, name+"ants", func(b *testing.B) (func() error, func()) {
				p, err := ants.NewPool(-1)
				if err != nil {
					b.Fatal(err)
				}
				return func() error {
					return antsFanOut(p, n, func() { work(spin) })
				}, func() { reportRelease(b, p.ReleaseTimeout(10*time.Second)) }
			})
			run("scope", func() error {
				return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
					for range n {
						s.Go(func(context.Context) error { work(spin); return nil })
					}
					return nil
				})
			})
			run("scopenamed", func() error {
				return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
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
// sub-benchmark to report a failure on, returns its work, which fails the
// benchmark if it returns an error, and what releases it. A contender that
// keeps a pool of workers makes the pool in setup, before the timed loop,
// and releases it after, waiting for its workers, so that none is left when
// the next contender runs. ants retires a worker a second after its last
// task; with one pool for the whole benchmark, the thousands that a fan-out
// left idle retired while the next contender, scope, was being timed.
func pooled(b *testing.B, name string, setup func(*testing.B) (run func() error, release func())) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		run, release := setup(b)
		for b.Loop() {
			if err := run(); err != nil {
				b.Fatal(err)
			}
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

// antsFanOut submits n tasks to p and waits for them; a task ants refuses
// is counted out at once, and the first refusal is returned after the wait.
func antsFanOut(p *ants.Pool, n int, task func()) error {
	var wg sync.WaitGroup
	var first error
	for range n {
		wg.Add(1)
		if err := p.Submit(func() { defer wg.Done(); task() }); err != nil {
			wg.Done()
			if first == nil {
				first = err
			}
		}
	}
	wg.Wait()
	return first
}
