package demo

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
)

// AsyncQ is the seed notes' asyncq.py: nprod producers each put 0 to 10
// items into a queue, sleeping 0 to 10 units before each; ncon consumers
// each sleep 0 to 10 units, then take an item and report how long it sat in
// the queue. Once the producers are done and the queue has been processed
// (Join), the consumers are cancelled. It prints the Python program's lines,
// with the items' ids restored:
//
//	Producer 0 sleeping for 3 seconds.
//	Producer 0 added <5d2c1f0a9e> to queue.
//	Consumer 1 got element <5d2c1f0a9e> in 0.00013 seconds.
//
// Each producer and consumer draws from its own generator made from seed, so
// what each one does is reproducible; which consumer gets which item depends
// on timing, as in Python. An item's id is 5 random bytes in hex, as
// os.urandom(5).hex() made it.
func AsyncQ(ctx context.Context, w io.Writer, nprod, ncon int, unit time.Duration, seed uint64) error {
	lw := lines.Locked(w)
	w = lw
	type item struct {
		id  string
		put time.Time
	}
	q := scope.NewQueue[item](0)
	randsleep := func(ctx context.Context, r *rand.Rand, caller string) error {
		i := r.IntN(11)
		fmt.Fprintf(w, "%s sleeping for %d seconds.\n", caller, i)
		return scope.Sleep(ctx, time.Duration(i)*unit)
	}
	produce := func(n int) func(context.Context) error {
		r := rand.New(rand.NewPCG(seed, uint64(2*n)))
		return func(ctx context.Context) error {
			for range r.IntN(11) {
				if err := randsleep(ctx, r, fmt.Sprint("Producer ", n)); err != nil {
					return err
				}
				id := make([]byte, 5)
				for i := range id {
					id[i] = byte(r.Uint32())
				}
				it := item{hex.EncodeToString(id), time.Now()}
				// Put and print as one step: a consumer's "got" line never
				// comes before the item's "added" (an unbounded Put does
				// not block, so holding the writer costs nothing).
				err := lw.Then(func() error { return q.Put(ctx, it) }, "Producer %d added <%s> to queue.\n", n, it.id)
				if err != nil {
					return err
				}
			}
			return nil
		}
	}
	consume := func(n int) func(context.Context) error {
		r := rand.New(rand.NewPCG(seed, uint64(2*n+1)))
		return func(ctx context.Context) error {
			for {
				if err := randsleep(ctx, r, fmt.Sprint("Consumer ", n)); err != nil {
					return err // cancelled: noise, dropped by the scope
				}
				it, err := q.Get(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "Consumer %d got element <%s> in %.5f seconds.\n",
					n, it.id, time.Since(it.put).Seconds())
				q.TaskDone()
			}
		}
	}
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		for n := range ncon {
			s.Go(consume(n), scope.Named(fmt.Sprint("consumer-", n)))
		}
		err := scope.Run(ctx, func(ctx context.Context, p *scope.Scope) error { // await asyncio.gather(*producers)
			for n := range nprod {
				p.Go(produce(n), scope.Named(fmt.Sprint("producer-", n)))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := q.Join(ctx); err != nil { // implicitly awaits consumers, too
			return err
		}
		s.Cancel(nil) // for c in consumers: c.cancel(); a clean stop
		return nil
	})
}
