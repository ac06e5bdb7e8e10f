package scope_test

import (
	"context"
	"fmt"

	"github.com/structuredgo/scope"
)

// The workers idiom of asyncio.Queue: put the work, start workers that mark
// each item done, Join until all is processed, then stop the workers.
func ExampleQueue() {
	ctx := context.Background()
	q := scope.NewQueue[int](0)
	for i := 1; i <= 6; i++ {
		q.TryPut(i)
	}
	sums := make([]int, 3)
	err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		for w := range sums {
			s.Go(func(ctx context.Context) error {
				for v := range q.All(ctx) { // marks each item done after the body
					sums[w] += v
				}
				return nil
			}, scope.Named(fmt.Sprint("worker-", w)))
		}
		if err := q.Join(ctx); err != nil { // every item processed
			return err
		}
		q.Shutdown() // the workers' loops end
		return nil
	})
	fmt.Println(sums[0]+sums[1]+sums[2], err)
	// Output: 21 <nil>
}

// Shutdown lets consumers drain what is left; Put fails at once.
func ExampleQueue_Shutdown() {
	q := scope.NewQueue[string](0)
	q.TryPut("last order")
	q.Shutdown()
	fmt.Println(q.TryPut("too late"))
	v, err := q.Get(context.Background())
	fmt.Println(v, err)
	_, err = q.Get(context.Background())
	fmt.Println(err)
	// Output:
	// scope: queue shut down
	// last order <nil>
	// scope: queue shut down
}

// A priority queue gives the smallest item first; equal items keep their order.
func ExampleNewPriorityQueue() {
	type job struct {
		prio int
		name string
	}
	q := scope.NewPriorityQueue(0, func(a, b job) bool { return a.prio < b.prio })
	for _, j := range []job{{2, "report"}, {0, "page on-call"}, {2, "backup"}, {1, "deploy"}} {
		q.TryPut(j)
	}
	q.Shutdown()
	for j := range q.All(context.Background()) {
		fmt.Println(j.prio, j.name)
	}
	// Output:
	// 0 page on-call
	// 1 deploy
	// 2 report
	// 2 backup
}
