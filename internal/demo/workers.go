package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// Workers is the seed notes' asyncio.Queue program: twenty random sleeps
// between 0.05 and 1 unit go into a queue, three workers take them, sleep and
// report; Join waits until every item is marked done, then the workers stop.
// It prints each worker's "worker-N has slept for X seconds" (X in units),
// then "====", the time the three took in parallel and the total of the
// sleeps. The sleeps come from seed, so a run is reproducible.
func Workers(ctx context.Context, w io.Writer, unit time.Duration, seed uint64) error {
	w = lines.Locked(w)
	seconds := func(d time.Duration) float64 { return float64(d) / float64(unit) }
	r := rand.New(rand.NewPCG(seed, 0))
	q := scope.NewQueue[time.Duration](0)
	var total time.Duration
	for range 20 {
		d := time.Duration((0.05 + 0.95*r.Float64()) * float64(unit)) // random.uniform(0.05, 1.0)
		total += d
		q.TryPut(d) // put_nowait
	}
	var parallel time.Duration
	err := scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		for i := range 3 {
			name := fmt.Sprint("worker-", i)
			s.Go(func(ctx context.Context) error {
				for d := range q.All(ctx) { // get; task_done after the body
					if err := scope.Sleep(ctx, d); err != nil {
						return err
					}
					fmt.Fprintf(w, "%s has slept for %.2f seconds\n", name, seconds(d))
				}
				return nil
			}, scope.Named(name))
		}
		start := time.Now()
		if err := q.Join(ctx); err != nil { // wait until the queue is fully processed
			return err
		}
		parallel = time.Since(start)
		q.Shutdown() // the workers' loops end: Python cancels them instead
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "====")
	fmt.Fprintf(w, "3 workers slept in parallel for %.2f seconds\n", seconds(parallel))
	fmt.Fprintf(w, "total expected sleep time: %.2f seconds\n", seconds(total))
	return nil
}
