package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/structuredgo/scope"
)

// BenchmarkFanOutTracking is BenchmarkFanOut's trivial fan-out with each kind
// of tracking off and on, beside raw goroutines, in the same run: what
// tracking costs per task (TrackTasks: start time, spawn site, own context,
// pprof labels, the registry), per scope (TrackDropped: a cleanup) and when
// no trace is being taken (TrackTrace: a trace task and regions).
func BenchmarkFanOutTracking(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		name := fmt.Sprintf("n=%d/impl=", n)
		b.Run(name+"raw", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var wg sync.WaitGroup
				for range n {
					wg.Add(1)
					go func() { defer wg.Done(); work(0) }()
				}
				wg.Wait()
			}
		})
		for _, tr := range []struct {
			impl string
			what scope.Tracking
		}{{"off", 0}, {"tasks", scope.TrackTasks}, {"trace", scope.TrackTrace}, {"dropped", scope.TrackDropped}, {"all", scope.TrackAll}} {
			b.Run(name+"scope-"+tr.impl, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
						for range n {
							s.Go(func(context.Context) error { work(0); return nil }, scope.Named("worker"))
						}
						return nil
					}, scope.WithTracking(tr.what))
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
