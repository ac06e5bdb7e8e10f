package redisq_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/structuredgo/scope/redisq"
	"github.com/structuredgo/scope/redisq/redisqtest"
	"go.uber.org/goleak"
)

// Every client is closed in a test's cleanup, so no pool goroutine is left
// when goleak looks: no option is needed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fast are the options of every test: a short poll, so that blocked calls
// react at once. The visibility timeout is long, so that no item held by a
// slow test (under -race) is taken back; the tests of redelivery shorten it
// with soon.
var fast = []redisq.Option{
	redisq.WithPollInterval(5 * time.Millisecond),
	redisq.WithVisibilityTimeout(time.Minute),
}

// soon is the visibility timeout of the tests of redelivery.
var soon = redisq.WithVisibilityTimeout(300 * time.Millisecond)

// server starts a redis-server for t and returns a client of it.
func server(t *testing.T, args ...string) (*redisqtest.Server, *redis.Client) {
	t.Helper()
	srv := redisqtest.Start(t, args...)
	return srv, srv.Client(t)
}

// open opens the queue named after t on rdb, as one process would.
func open[T any](t *testing.T, rdb *redis.Client, opts ...redisq.Option) *redisq.Queue[T] {
	t.Helper()
	q, err := redisq.Open[T](context.Background(), rdb, strings.ReplaceAll(t.Name(), "/", "."), append(fast[:len(fast):len(fast)], opts...)...)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	return q
}

// within returns a context that ends after d, for calls that must not hang
// a failing test.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// result waits for a call's error on ch, failing t after ten seconds.
func result(t *testing.T, what string, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
		return nil
	}
}

func mustLen[T any](t *testing.T, q *redisq.Queue[T], want int) {
	t.Helper()
	n, err := q.Len(context.Background())
	if err != nil || n != want {
		t.Fatalf("Len = %d, %v; want %d, nil", n, err, want)
	}
}

// roundTrip puts v, gets it and marks it done, and returns the item.
func roundTrip[T any](t *testing.T, q *redisq.Queue[T], v T) *redisq.Item[T] {
	t.Helper()
	ctx := within(t, 10*time.Second)
	if err := q.Put(ctx, v); err != nil {
		t.Fatalf("Put = %v", err)
	}
	it, err := q.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	if err := it.Done(ctx); err != nil {
		t.Fatalf("Done = %v", err)
	}
	return it
}
