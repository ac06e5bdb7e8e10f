package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/lines"
	"github.com/structuredgo/scope/redisq"
)

// An item is what asyncq.py puts in the queue: a random id, and when it was
// put, so that its consumer can tell how long it waited.
type item struct {
	ID  string    `json:"id"`
	Put time.Time `json:"put"`
}

// asyncQ runs this process's producers and consumers on q. Once its
// producers are done, if c.shutdown and it has producers (or neither
// producers nor consumers), it waits until the queue is processed
// (by every process's consumers) and shuts it down, which stops the
// consumers of every process; its own, blocked or asleep, are cancelled at
// once, as asyncq.py cancels them.
func asyncQ(ctx context.Context, out io.Writer, q *redisq.Queue[item], c config) error {
	w := lines.Locked(out)
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		for n := c.from; n < c.from+c.ncon; n++ {
			s.Go(consume(q, w, c, n), scope.Named(fmt.Sprint("consumer-", n)))
		}
		err := scope.Run(ctx, func(ctx context.Context, p *scope.Scope) error {
			for n := c.from; n < c.from+c.nprod; n++ {
				p.Go(produce(q, w, c, n), scope.Named(fmt.Sprint("producer-", n)))
			}
			return nil
		})
		if err != nil || !c.shutdown || (c.nprod == 0 && c.ncon > 0) {
			return err // the consumers run until another process shuts the queue down
		}
		if err := q.Join(ctx); err != nil {
			return err
		}
		if err := q.Shutdown(ctx); err != nil {
			return err
		}
		s.Cancel(nil) // for c in consumers: c.cancel(); a clean stop
		return nil
	})
}

func randsleep(ctx context.Context, w io.Writer, r *rand.Rand, unit time.Duration, caller string) error {
	i := r.IntN(11)
	fmt.Fprintf(w, "%s sleeping for %d seconds.\n", caller, i)
	return scope.Sleep(ctx, time.Duration(i)*unit)
}

// produce is producer n: 0 to 10 items, a random sleep before each.
func produce(q *redisq.Queue[item], w *lines.Writer, c config, n int) func(context.Context) error {
	r := rand.New(rand.NewPCG(c.seed, uint64(2*n)))
	return func(ctx context.Context) error {
		for range r.IntN(11) {
			if err := randsleep(ctx, w, r, c.unit, fmt.Sprint("Producer ", n)); err != nil {
				return err
			}
			id := make([]byte, 5)
			for i := range id {
				id[i] = byte(r.Uint32())
			}
			it := item{hex.EncodeToString(id), time.Now()}
			// Put and print as one step: in this process, no consumer's
			// "got" line comes before the item's "added", as in Python (the
			// queue is unbounded: Put never waits for a consumer).
			put := func() error { return retry(ctx, func() error { return q.Put(ctx, it) }) }
			if err := w.Then(put, "Producer %d added <%s> to queue.\n", n, it.ID); err != nil {
				return err
			}
		}
		return nil
	}
}

// consume is consumer n: a random sleep, then the next item, until the
// queue is shut down and drained.
func consume(q *redisq.Queue[item], w io.Writer, c config, n int) func(context.Context) error {
	r := rand.New(rand.NewPCG(c.seed, uint64(2*n+1)))
	return func(ctx context.Context) error {
		for {
			if err := randsleep(ctx, w, r, c.unit, fmt.Sprint("Consumer ", n)); err != nil {
				return err // cancelled: noise, dropped by the scope
			}
			var it *redisq.Item[item]
			err := retry(ctx, func() (err error) { it, err = q.Get(ctx); return err })
			if errors.Is(err, redisq.ErrShutDown) {
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "Consumer %d got element <%s> in %.5f seconds.\n",
				n, it.Value.ID, time.Since(it.Value.Put).Seconds())
			if err := scope.Sleep(ctx, c.hold); err != nil {
				return err // the item comes back to another consumer after -visibility
			}
			if err := retry(ctx, func() error { return it.Done(ctx) }); err != nil {
				return err
			}
		}
	}
}

// retry calls f until it succeeds or fails for good: a shutdown, the end of
// ctx, or Redis unreachable for ten seconds in a row. A malformed entry is
// reported on standard error and skipped: it was moved aside.
func retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f()
		var malformed *redisq.MalformedError
		switch {
		case err == nil || errors.Is(err, redisq.ErrShutDown) || ctx.Err() != nil:
			return err
		case errors.As(err, &malformed):
			fmt.Fprintln(os.Stderr, "asyncq:", err)
			continue
		case time.Now().After(deadline):
			return err
		}
		fmt.Fprintf(os.Stderr, "asyncq: %v; retrying\n", err)
		if err := scope.Sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}
