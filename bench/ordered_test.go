package bench

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/sourcegraph/conc/iter"
	"github.com/structuredgo/scope"
	"golang.org/x/sync/errgroup"
)

// BenchmarkOrdered maps 1,000 items to results in order: a goroutine per
// item writing its slot (the floor), errgroup plus a slice, conc's iter.Map
// (GOMAXPROCS workers sharing an index), and scope's Map and Gather.
func BenchmarkOrdered(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	double := func(x int) int { work(0); return 2 * x }
	run := func(impl string, f func() ([]int, error)) {
		b.Run("n=1000/impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := f()
				if err != nil {
					b.Fatal(err)
				}
				if len(out) != n || out[n-1] != 2*(n-1) {
					b.Fatal("wrong results")
				}
			}
		})
	}
	run("raw", func() ([]int, error) {
		out := make([]int, n)
		var wg sync.WaitGroup
		for i, x := range items {
			wg.Go(func() { out[i] = double(x) })
		}
		wg.Wait()
		return out, nil
	})
	run("errgroup", func() ([]int, error) {
		out := make([]int, n)
		g, _ := errgroup.WithContext(ctx)
		for i, x := range items {
			g.Go(func() error { out[i] = double(x); return nil })
		}
		return out, g.Wait()
	})
	run("conciter", func() ([]int, error) {
		return iter.Map(items, func(x *int) int { return double(*x) }), nil
	})
	run("scopemap", func() ([]int, error) {
		return scope.Map(ctx, items, func(_ context.Context, x int) (int, error) { return double(x), nil })
	})
	run("scopemaplimit", func() ([]int, error) {
		return scope.Map(ctx, items, func(_ context.Context, x int) (int, error) { return double(x), nil },
			scope.WithLimit(runtime.GOMAXPROCS(0)))
	})
	fns := make([]func(context.Context) (int, error), n)
	for i, x := range items {
		fns[i] = func(context.Context) (int, error) { return double(x), nil }
	}
	run("scopegather", func() ([]int, error) {
		return scope.Gather(ctx, fns...)
	})
}
