package scope_test

import (
	"context"
	"sync"
	"testing"

	"github.com/structuredgo/scope"
	"golang.org/x/sync/errgroup"
)

// These benchmarks compare the hot path, starting and finishing a task, with
// its floors in one run; bench/ holds the full suite against other libraries.
// Each iteration runs a group of n trivial tasks.

const fanOut = 1000

func nop(context.Context) error { return nil }

func BenchmarkFanOutRaw(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for range fanOut {
			wg.Add(1)
			go func() { defer wg.Done(); nop(ctx) }()
		}
		wg.Wait()
	}
}

func BenchmarkFanOutErrgroup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		g, ctx := errgroup.WithContext(context.Background())
		for range fanOut {
			g.Go(func() error { return nop(ctx) })
		}
		g.Wait()
	}
}

func BenchmarkFanOutScope(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
			for range fanOut {
				s.Go(nop)
			}
			return nil
		})
	}
}

func BenchmarkLimitScope(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
			for range fanOut {
				s.Go(nop)
			}
			return nil
		}, scope.WithLimit(8))
	}
}

func BenchmarkLimitErrgroup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(8)
		for range fanOut {
			g.Go(func() error { return nop(ctx) })
		}
		g.Wait()
	}
}
