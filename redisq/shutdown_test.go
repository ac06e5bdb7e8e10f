package redisq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/redisq"
)

// Shutdown, by one process, is seen by another: its Put fails at once, a
// blocked Put too; its Get drains what is left, then fails; a blocked Get
// wakes and fails.
func TestShutdownIsSeenByEveryProcess(t *testing.T) {
	_, rdb := server(t)
	// b takes abandoned items back only after a minute, so that what it
	// gets while draining is sure to be item 3; a takes them back after
	// 300ms.
	a, b := open[int](t, rdb, soon), open[int](t, rdb, redisq.WithCapacity(1))
	ctx := context.Background()

	for i := 1; i <= 2; i++ { // got and never done: abandoned
		if err := b.Put(ctx, i); err != nil {
			t.Fatalf("Put = %v", err)
		}
		if it, err := b.Get(ctx); err != nil || it.Value != i {
			t.Fatalf("Get = %v, %v; want %d", it, err, i)
		}
	}
	if err := b.Put(ctx, 3); err != nil {
		t.Fatalf("Put = %v", err)
	}
	blockedPut := make(chan error, 1)
	go func() { blockedPut <- b.Put(ctx, 4) }() // full: blocks until the shutdown
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if err := result(t, "a Put blocked at Shutdown", blockedPut); !errors.Is(err, scope.ErrQueueShutDown) {
		t.Fatalf("blocked Put at Shutdown = %v; want ErrShutDown", err)
	}
	if err := b.Put(ctx, 4); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("Put after Shutdown = %v; want ErrShutDown", err)
	}
	if err := b.TryPut(ctx, 4); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("TryPut after Shutdown = %v; want ErrShutDown", err)
	}
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown = %v; want nil", err)
	}
	// Drain: what is left comes out and is done; items got before the
	// shutdown (1 and 2, never done) hold Get back until done.
	for {
		n, err := b.Len(ctx)
		if err != nil {
			t.Fatalf("Len = %v", err)
		}
		if n == 0 {
			break
		}
		it, err := b.Get(ctx)
		if err != nil || it.Value != 3 {
			t.Fatalf("Get while draining = %v, %v; want the item 3", it, err)
		}
		if err := it.Done(ctx); err != nil {
			t.Fatalf("Done = %v", err)
		}
	}
	if _, err := b.Get(within(t, 100*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get while got items are not done = %v; want it to wait (they may come back)", err)
	}
	abandoned, err := a.Get(within(t, 10*time.Second)) // 1 and 2 come back after the visibility timeout
	if err != nil {
		t.Fatalf("Get of an abandoned item after Shutdown = %v; want the item", err)
	}
	if err := abandoned.Done(ctx); err != nil {
		t.Fatalf("Done = %v", err)
	}
	abandoned, err = a.Get(within(t, 10*time.Second))
	if err != nil {
		t.Fatalf("Get of the second abandoned item = %v; want it", err)
	}
	if err := abandoned.Done(ctx); err != nil {
		t.Fatalf("Done = %v", err)
	}
	if _, err := b.Get(within(t, 10*time.Second)); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("Get once shut down and every item done = %v; want ErrShutDown", err)
	}
	if _, err := b.TryGet(ctx); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("TryGet once shut down and drained = %v; want ErrShutDown", err)
	}
	if err := a.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// A blocked Get wakes at Shutdown, from another process, and fails.
func TestShutdownWakesBlockedGet(t *testing.T) {
	_, rdb := server(t)
	a, b := open[int](t, rdb), open[int](t, rdb)
	got := make(chan error, 1)
	go func() { _, err := b.Get(context.Background()); got <- err }()
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if err := result(t, "a Get blocked at Shutdown", got); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("blocked Get at Shutdown = %v; want ErrShutDown", err)
	}
}

// ShutdownNow drops what is queued and fails Get at once; an item got and
// not yet done still holds Join back until its Done.
func TestShutdownNow(t *testing.T) {
	_, rdb := server(t)
	a, b := open[int](t, rdb), open[int](t, rdb)
	ctx := context.Background()
	if err := a.PutBatch(ctx, []int{1, 2, 3}); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	held, err := b.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	blocked := make(chan error, 1)
	go func() { blocked <- a.Put(ctx, 4) }() // not full: it goes in, or fails at the shutdown
	if err := result(t, "a Put", blocked); err != nil {
		t.Fatalf("Put = %v", err)
	}
	if err := a.Shutdown(ctx); err != nil { // ShutdownNow may follow Shutdown
		t.Fatalf("Shutdown = %v", err)
	}
	if err := a.ShutdownNow(ctx); err != nil {
		t.Fatalf("ShutdownNow = %v", err)
	}
	mustLen(t, b, 0)
	if _, err := b.Get(ctx); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("Get after ShutdownNow = %v; want ErrShutDown at once", err)
	}
	if err := b.Put(ctx, 5); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("Put after ShutdownNow = %v; want ErrShutDown", err)
	}
	if err := a.Join(within(t, 50*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join while an item got is not done = %v; want it to wait", err)
	}
	if err := held.Done(ctx); err != nil {
		t.Fatalf("Done after ShutdownNow = %v", err)
	}
	if err := a.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
	if err := a.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown after ShutdownNow = %v", err)
	}
	if _, err := b.Get(ctx); !errors.Is(err, redisq.ErrShutDown) {
		t.Fatalf("Get after Shutdown after ShutdownNow = %v; want ErrShutDown at once (still immediate)", err)
	}
}

// Delete frees the name: a shut-down queue opened again after it works.
func TestDeleteStartsOver(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	if err := q.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if err := q.Delete(ctx); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	q = open[int](t, rdb)
	if err := q.Put(ctx, 1); err != nil {
		t.Fatalf("Put after Delete = %v", err)
	}
	if it, err := q.Get(ctx); err != nil || it.Value != 1 {
		t.Fatalf("Get after Delete = %v, %v; want 1", it, err)
	}
}
