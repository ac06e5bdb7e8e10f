package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc/pool"
	"github.com/structuredgo/scope"
	"golang.org/x/sync/errgroup"
)

// BenchmarkBounded runs 10,000 trivial tasks at most limit at a time, with
// the two raw floors: a goroutine per task behind a channel semaphore, and
// limit workers fed one closure per task.
func BenchmarkBounded(b *testing.B) {
	const tasks = 10000
	ctx := context.Background()
	for _, limit := range []int{2, 8, 64} {
		name := fmt.Sprintf("limit=%d/impl=", limit)
		run := func(impl string, f func() error) {
			pooled(b, name+impl, func(*testing.B) (func() error, func()) { return f, func() {} })
		}
		run("semaphore", func() error {
			var wg sync.WaitGroup
			sem := make(chan struct{}, limit)
			for range tasks {
				sem <- struct{}{}
				wg.Add(1)
				go func() { defer func() { <-sem; wg.Done() }(); work(0) }()
			}
			wg.Wait()
			return nil
		})
		run("workers", func() error {
			var wg sync.WaitGroup
			jobs := make(chan func())
			for range limit {
				wg.Go(func() {
					for job := range jobs {
						job()
					}
				})
			}
			for range tasks {
				jobs <- func() { work(0) }
			}
			close(jobs)
			wg.Wait()
			return nil
		})
		run("errgroup", func() error {
			g, _ := errgroup.WithContext(ctx)
			g.SetLimit(limit)
			for range tasks {
				g.Go(func() error { work(0); return nil })
			}
			return g.Wait()
		})
		run("concpool", func() error {
			p := pool.New().WithMaxGoroutines(limit)
			for range tasks {
				p.Go(func() { work(0) })
			}
			p.Wait()
			return nil
		})
		pooled(b, name+"pond", func(*testing.B) (func() error, func()) {
			p := pond.NewPool(limit)
			return func() error {
				g := p.NewGroup()
				for range tasks {
					g.Submit(func() { work(0) })
				}
				return g.Wait()
			}, p.StopAndWait
		})
		pooled(b, name+"ants", func(b *testing.B) (func() error, func()) {
			p, err := ants.NewPool(limit)
			if err != nil {
				b.Fatal(err)
			}
			return func() error {
				return antsFanOut(p, tasks, func() { work(0) })
			}, func() { reportRelease(b, p.ReleaseTimeout(10*time.Second)) }
		})
		run("scope", func() error {
			return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
				for range tasks {
					s.Go(func(context.Context) error { work(0); return nil })
				}
				return nil
			}, scope.WithLimit(limit))
		})
		// A New scope keeps no idle workers (its Go may come from another
		// synctest bubble): a goroutine for each task that finds room.
		run("scopenew", func() error {
			s, _ := scope.New(ctx, scope.WithLimit(limit))
			for range tasks {
				s.Go(func(context.Context) error { work(0); return nil })
			}
			return s.Wait()
		})
	}
}
