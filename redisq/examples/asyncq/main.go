// Command asyncq is the seed notes' asyncq.py on a queue in Redis:
// producers put random items into it, consumers take them and report how
// long each waited; once production is done and the queue is processed,
// the queue is shut down and the consumers stop. Producers and consumers
// may run in different processes, on different machines, as the notes
// suggest ("the queue serving as the central throughput"):
//
//	asyncq -redis localhost:6379 -reset -p 0 -c 5          # terminal 1: consumers
//	asyncq -redis localhost:6379 -p 0 -c 5 -from 5         # terminal 2: more consumers
//	asyncq -redis localhost:6379 -p 5 -c 0                 # terminal 3: producers, then Join and Shutdown
//
// or all in one: asyncq -redis localhost:6379 -reset. Each process prints
// the Python program's lines. Delivery is at least once: kill a consumer
// holding an item (see -hold) and another gets the item after -visibility.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/structuredgo/scope/internal/cli"
	"github.com/structuredgo/scope/redisq"
)

func main() { cli.Main("asyncq", run) }

// config is what the flags set.
type config struct {
	addr, queue string
	nprod, ncon int
	from        int
	unit        time.Duration
	seed        uint64
	hold        time.Duration
	visibility  time.Duration
	shutdown    bool
	reset       bool
}

func parse(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("asyncq", flag.ContinueOnError)
	fs.StringVar(&c.addr, "redis", "localhost:6379", "address of the Redis server")
	fs.StringVar(&c.queue, "queue", "asyncq", "name of the queue in Redis, shared by every process")
	fs.IntVar(&c.nprod, "p", 5, "number of producers in this process (0: consumers only)")
	fs.IntVar(&c.nprod, "nprod", 5, "number of producers in this process, as -p")
	fs.IntVar(&c.ncon, "c", 10, "number of consumers in this process (0: producers only)")
	fs.IntVar(&c.ncon, "ncon", 10, "number of consumers in this process, as -c")
	fs.IntVar(&c.from, "from", 0, "number this process's producers and consumers from here, to tell processes apart")
	fs.DurationVar(&c.unit, "unit", time.Second, "what one of the program's seconds lasts")
	fs.Uint64Var(&c.seed, "seed", 444, "seed of the random sleeps and items")
	fs.DurationVar(&c.hold, "hold", 0, "how long a consumer works on an item before marking it done")
	fs.DurationVar(&c.visibility, "visibility", 10*time.Second, "how long an item may stay unmarked before another consumer gets it")
	fs.BoolVar(&c.shutdown, "shutdown", true, "once this process's producers are done, wait until the queue is processed (Join), then shut it down so that every consumer stops; pass -shutdown=false to all producer processes but the last (a consumers-only process never shuts the queue down)")
	fs.BoolVar(&c.reset, "reset", false, "delete the queue in Redis first, to start over after a run that shut it down")
	if err := cli.Parse(fs, args); err != nil {
		return c, err
	}
	if err := cli.Positive("unit", c.unit); err != nil {
		return c, err
	}
	if c.nprod < 0 || c.ncon < 0 || c.from < 0 || c.hold < 0 || c.visibility < time.Millisecond {
		return c, cli.Usagef("want -p, -c, -from, -hold >= 0 and -visibility >= 1ms; got -p %d -c %d -from %d -hold %v -visibility %v",
			c.nprod, c.ncon, c.from, c.hold, c.visibility)
	}
	if c.nprod == 0 && c.ncon == 0 && !c.shutdown {
		return c, cli.Usagef("-p 0 -c 0 -shutdown=false has nothing to do; give producers, consumers, or let it shut the queue down")
	}
	return c, nil
}

// run parses args, runs the program, printing to w, and returns what failed.
func run(args []string, w io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: c.addr})
	defer rdb.Close()
	ctx := context.Background()
	opts := []redisq.Option{redisq.WithVisibilityTimeout(c.visibility)}
	q, err := redisq.Open[item](ctx, rdb, c.queue, opts...)
	if err != nil {
		return err
	}
	if c.reset {
		if err := q.Delete(ctx); err != nil {
			return err
		}
		if q, err = redisq.Open[item](ctx, rdb, c.queue, opts...); err != nil {
			return err
		}
	}
	start := time.Now()
	if err := asyncQ(ctx, w, q, c); err != nil {
		return err
	}
	fmt.Fprintf(w, "Program completed in %0.5f seconds.\n", time.Since(start).Seconds())
	return nil
}
