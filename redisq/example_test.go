package redisq_test

// These examples need a Redis server on localhost:6379, so they have no
// Output block: go test compiles them but does not run them. The tests run
// the same calls against a server of their own.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/redisq"
)

type job struct {
	URL string `json:"url"`
}

// A producer and a consumer in one program; in practice each runs in a
// process of its own, and opens the queue under the same name.
func Example() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	q, err := redisq.Open[job](ctx, rdb, "jobs", redisq.WithVisibilityTimeout(time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	err = scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error { // the consumer
			var err error
			for j := range q.All(ctx, &err) {
				fmt.Println("fetching", j.URL) // idempotent: a job may come twice
			}
			return err
		})
		for _, u := range []string{"https://example.com/a", "https://example.com/b"} {
			if err := q.Put(ctx, job{u}); err != nil {
				return err
			}
		}
		if err := q.Join(ctx); err != nil { // every job done, by any consumer
			return err
		}
		return q.Shutdown(ctx) // the consumers of every process stop
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Get returns an Item; its Done marks that very entry done.
func ExampleQueue_Get() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	q, err := redisq.Open[job](ctx, rdb, "jobs")
	if err != nil {
		log.Fatal(err)
	}
	it, err := q.Get(ctx)
	if err != nil {
		log.Fatal(err) // ErrShutDown, the context's cause, a *MalformedError, or Redis
	}
	fmt.Println("fetching", it.Value.URL)
	if err := it.Done(ctx); err != nil {
		log.Fatal(err) // not done: it comes back after the visibility timeout
	}
}

// A malformed entry is moved aside; the queue goes on.
func ExampleMalformedError() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	q, err := redisq.Open[job](ctx, rdb, "jobs")
	if err != nil {
		log.Fatal(err)
	}
	for {
		it, err := q.Get(ctx)
		if malformed, ok := errors.AsType[*redisq.MalformedError](err); ok {
			log.Printf("skipping entry %s, kept in %s: %v", malformed.ID, malformed.Stream, malformed.Err)
			continue
		}
		if err != nil {
			return
		}
		fmt.Println("fetching", it.Value.URL)
		if err := it.Done(ctx); err != nil {
			log.Print(err)
		}
	}
}
