package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/redisq"
	"github.com/structuredgo/scope/redisq/redisqtest"
)

// BenchmarkRedisQueue moves b.N items from producers to consumers through a
// redisq.Queue on a redis-server of its own on loopback (started by the
// benchmark, without persistence; skipped if redis-server is missing) and,
// in the same run, through an in-process scope.Queue, for scale: what
// leaving the process costs. Producers put batch items per call
// (PutBatch), consumers get up to batch per call (GetBatch) and mark them
// done together (DoneBatch): three round trips per batch. scope.Queue has no
// batches: its figure is the same for every batch size.
func BenchmarkRedisQueue(b *testing.B) {
	srv := redisqtest.Start(b, "--appendonly", "no")
	rdb := srv.Client(b)
	var queues atomic.Int64 // a fresh queue name for each run of a benchmark
	for _, shape := range []struct{ producers, consumers int }{{1, 1}, {4, 4}} {
		for _, batch := range []int{1, 16, 128} {
			name := fmt.Sprintf("%dx%d/batch=%d", shape.producers, shape.consumers, batch)
			b.Run(name+"/impl=scope", func(b *testing.B) {
				q := scope.NewQueue[int](0)
				ctx := context.Background()
				moveBatches(b, shape.producers, shape.consumers, batch,
					func(vs []int) error {
						for _, v := range vs {
							if err := q.Put(ctx, v); err != nil {
								return err
							}
						}
						return nil
					},
					func() (int, error) {
						if _, err := q.Get(ctx); err != nil {
							return 0, err
						}
						q.TaskDone()
						return 1, nil
					},
					func() error { q.Shutdown(); return nil })
			})
			b.Run(name+"/impl=redisq", func(b *testing.B) {
				ctx := context.Background()
				q, err := redisq.Open[int](ctx, rdb, fmt.Sprint("bench-", queues.Add(1)))
				if err != nil {
					b.Fatal(err)
				}
				moveBatches(b, shape.producers, shape.consumers, batch,
					func(vs []int) error { return q.PutBatch(ctx, vs) },
					func() (int, error) {
						items, err := q.GetBatch(ctx, batch)
						if err := q.DoneBatch(ctx, items); err != nil {
							return 0, err
						}
						return len(items), err
					},
					func() error { return q.Shutdown(ctx) })
				if err := q.Delete(ctx); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// moveBatches runs producers that put b.N items in all, batch at a time,
// and consumers that get until get fails with the queue's shutdown. The
// clock stops when the consumers have got every item, before shutdown:
// how fast consumers notice a shutdown (within a poll interval, for redisq)
// is not throughput. It reports items per second.
func moveBatches(b *testing.B, producers, consumers, batch int, put func([]int) error, get func() (int, error), shutdown func() error) {
	b.ReportAllocs()
	b.ResetTimer()
	var prod, cons sync.WaitGroup
	var got atomic.Int64
	all := make(chan struct{}) // closed when got reaches b.N
	for range consumers {
		cons.Go(func() {
			for {
				n, err := get()
				if n > 0 && got.Add(int64(n)) == int64(b.N) {
					close(all)
				}
				if errors.Is(err, scope.ErrQueueShutDown) {
					return
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for p := range producers {
		n := b.N / producers
		if p == 0 {
			n += b.N % producers
		}
		prod.Go(func() {
			vs := make([]int, 0, batch)
			for i := range n {
				vs = append(vs, i)
				if len(vs) == batch || i == n-1 {
					if err := put(vs); err != nil {
						b.Error(err)
						return
					}
					vs = vs[:0]
				}
			}
		})
	}
	prod.Wait()
	if !b.Failed() {
		<-all
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
	if err := shutdown(); err != nil {
		b.Fatal(err)
	}
	cons.Wait()
	if got.Load() != int64(b.N) {
		b.Fatalf("consumers got %d items; want %d", got.Load(), b.N)
	}
}
