package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/structuredgo/scope"
)

// BenchmarkQueue moves b.N items from producers to consumers through a
// scope.Queue and, as the floor, through a buffered channel of the same
// capacity, in the same run. An unbounded Queue is compared with a channel
// of 1024 slots (a channel cannot be unbounded).
func BenchmarkQueue(b *testing.B) {
	for _, shape := range []struct{ producers, consumers int }{{1, 1}, {4, 4}} {
		for _, capacity := range []int{64, 1024, 0} {
			name := fmt.Sprintf("%dx%d/cap=%d", shape.producers, shape.consumers, capacity)
			if capacity == 0 {
				name = fmt.Sprintf("%dx%d/cap=unbounded", shape.producers, shape.consumers)
			}
			slots := capacity
			if capacity == 0 {
				slots = 1024
			}
			b.Run(name+"/impl=channel", func(b *testing.B) {
				ch := make(chan int, slots)
				move(b, shape.producers, shape.consumers,
					func(v int) error { ch <- v; return nil },
					func() bool { _, ok := <-ch; return ok },
					func() { close(ch) })
			})
			b.Run(name+"/impl=scope", func(b *testing.B) {
				q := scope.NewQueue[int](capacity)
				ctx := context.Background()
				move(b, shape.producers, shape.consumers,
					func(v int) error { return q.Put(ctx, v) },
					func() bool { _, err := q.Get(ctx); return err == nil },
					q.Shutdown)
			})
		}
	}
}

// move runs producers that put b.N items in all and consumers that get
// until close makes get report false.
func move(b *testing.B, producers, consumers int, put func(int) error, get func() bool, close func()) {
	b.ReportAllocs()
	b.ResetTimer()
	var prod, cons sync.WaitGroup
	for c := 0; c < consumers; c++ {
		cons.Go(func() {
			for get() {
			}
		})
	}
	for p := 0; p < producers; p++ {
		n := b.N / producers
		if p == 0 {
			n += b.N % producers
		}
		prod.Go(func() {
			for i := range n {
				if err := put(i); err != nil {
					b.Error(err) // b.Fatal must not be called off the benchmark's goroutine
					return
				}
			}
		})
	}
	prod.Wait()
	close()
	cons.Wait()
}
