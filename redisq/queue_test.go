package redisq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/redisq"
)

// Items come out in the order put, Len counts those not yet got, and Join
// waits until the last one got is marked done.
func TestPutGetDoneJoin(t *testing.T) {
	_, rdb := server(t)
	q := open[string](t, rdb)
	ctx := context.Background()
	for _, v := range []string{"a", "b", "c"} {
		if err := q.Put(ctx, v); err != nil {
			t.Fatalf("Put(%q) = %v", v, err)
		}
	}
	mustLen(t, q, 3)
	var items []*redisq.Item[string]
	for _, want := range []string{"a", "b", "c"} {
		it, err := q.Get(ctx)
		if err != nil || it.Value != want {
			t.Fatalf("Get = %v, %v; want %q", it, err, want)
		}
		items = append(items, it)
	}
	mustLen(t, q, 0)
	for _, it := range items[:2] {
		if err := it.Done(ctx); err != nil {
			t.Fatalf("Done = %v", err)
		}
	}
	if err := q.Join(within(t, 50*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Join with an item not done = %v; want it to wait until its context ends", err)
	}
	if err := items[2].Done(ctx); err != nil {
		t.Fatalf("Done = %v", err)
	}
	if err := q.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join after every Done = %v; want nil", err)
	}
	if _, err := q.TryGet(ctx); !errors.Is(err, redisq.ErrEmpty) {
		t.Fatalf("TryGet on an empty queue = %v; want ErrEmpty", err)
	}
}

// Two queues opened under one name, as two processes would, are one queue:
// each item goes to one of them, and Join in either waits for all.
func TestTwoProcessesShareOneQueue(t *testing.T) {
	_, rdb := server(t)
	a, b := open[int](t, rdb), open[int](t, rdb)
	ctx := context.Background()
	for i := range 10 {
		if err := a.Put(ctx, i); err != nil {
			t.Fatalf("Put = %v", err)
		}
	}
	seen := map[int]bool{}
	for i := range 10 {
		q := []*redisq.Queue[int]{a, b}[i%2]
		it, err := q.Get(ctx)
		if err != nil || seen[it.Value] {
			t.Fatalf("Get = %v, %v; want a new item (seen %v)", it, err, seen)
		}
		seen[it.Value] = true
		if err := it.Done(ctx); err != nil {
			t.Fatalf("Done = %v", err)
		}
	}
	if err := b.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// A bounded queue refuses what does not fit; items got, done or not, free
// their room; a blocked Put goes in once a Get frees room.
func TestCapacity(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb, redisq.WithCapacity(2))
	ctx := context.Background()
	if q.Cap() != 2 {
		t.Fatalf("Cap = %d; want 2", q.Cap())
	}
	for i := range 2 {
		if err := q.TryPut(ctx, i); err != nil {
			t.Fatalf("TryPut = %v", err)
		}
	}
	if err := q.TryPut(ctx, 2); !errors.Is(err, redisq.ErrFull) || !errors.Is(err, scope.ErrQueueFull) {
		t.Fatalf("TryPut on a full queue = %v; want ErrFull", err)
	}
	if err := q.PutBatch(ctx, []int{1, 2, 3}); err == nil || err.Error()[:7] != "redisq:" {
		t.Fatalf("PutBatch larger than the capacity = %v; want a redisq: error", err)
	}
	put := make(chan error, 1)
	go func() { put <- q.Put(ctx, 2) }()
	if _, err := q.Get(ctx); err != nil { // not done: its room is free all the same
		t.Fatalf("Get = %v", err)
	}
	if err := result(t, "a Put blocked on a full queue", put); err != nil {
		t.Fatalf("Put after a Get freed room = %v", err)
	}
	mustLen(t, q, 2)
}

// Blocking calls whose context ends return its cause and change nothing; a
// done context fails at once, even if the call could succeed.
func TestContextEndsBlockingCalls(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb, redisq.WithCapacity(1))
	cause := errors.New("caller gave up")
	done, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	if err := q.Put(done, 1); err != cause {
		t.Fatalf("Put with a done context = %v; want its cause", err)
	}
	if _, err := q.Get(done); err != cause {
		t.Fatalf("Get with a done context = %v; want its cause", err)
	}
	if err := q.Join(done); err != cause {
		t.Fatalf("Join with a done context = %v; want its cause", err)
	}
	mustLen(t, q, 0)

	ctx, cancel := context.WithCancelCause(context.Background())
	got := make(chan error, 1)
	go func() { _, err := q.Get(ctx); got <- err }()
	cancel(cause)
	if err := result(t, "a blocked Get", got); err != cause {
		t.Fatalf("blocked Get whose context ends = %v; want its cause", err)
	}

	if err := q.Put(context.Background(), 1); err != nil {
		t.Fatalf("Put = %v", err)
	}
	ctx, cancel = context.WithCancelCause(context.Background())
	put := make(chan error, 1)
	go func() { put <- q.Put(ctx, 2) }()
	cancel(cause)
	if err := result(t, "a blocked Put", put); err != cause {
		t.Fatalf("blocked Put whose context ends = %v; want its cause", err)
	}
	mustLen(t, q, 1) // the Put that gave up added nothing
	it, err := q.Get(context.Background())
	if err != nil || it.Value != 1 {
		t.Fatalf("Get = %v, %v; want the item put, 1", it, err)
	}
}

// Batches go in all at once, come out in order, and are marked done
// together.
func TestBatches(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	if err := q.PutBatch(ctx, []int{0, 1, 2, 3, 4}); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	var got []int
	for len(got) < 5 {
		items, err := q.GetBatch(ctx, 3)
		if err != nil || len(items) == 0 || len(items) > 3 {
			t.Fatalf("GetBatch(3) = %d items, %v; want 1 to 3, nil", len(items), err)
		}
		for _, it := range items {
			got = append(got, it.Value)
		}
		if err := q.DoneBatch(ctx, items); err != nil {
			t.Fatalf("DoneBatch = %v", err)
		}
	}
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("got %v; want [0 1 2 3 4]", got)
	}
	if err := q.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// One DoneBatch marks the items of one GetBatch, however many: the script
// acknowledges them a thousand at a time, under Lua's limit on unpack.
func TestDoneBatchOfAThousandsLargeGetBatch(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	const n = 9_500
	if err := q.PutBatch(ctx, make([]int, n)); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	var items []*redisq.Item[int]
	for len(items) < n {
		got, err := q.GetBatch(ctx, n)
		if err != nil {
			t.Fatalf("GetBatch = %v", err)
		}
		items = append(items, got...)
	}
	if err := q.DoneBatch(ctx, items); err != nil {
		t.Fatalf("DoneBatch of %d items = %v", n, err)
	}
	if err := q.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// upper is a codec of strings stored in upper case, to see that the
// queue's codec is the one used both ways.
type upper struct{}

func (upper) Marshal(v any) ([]byte, error) {
	return fmt.Appendf(nil, "%s!", v), nil
}

func (upper) Unmarshal(data []byte, v any) error {
	if len(data) == 0 || data[len(data)-1] != '!' {
		return errors.New("no final !")
	}
	*v.(*string) = string(data[:len(data)-1]) + " (decoded)"
	return nil
}

func TestCodecIsPluggable(t *testing.T) {
	srv, rdb := server(t)
	q := open[string](t, rdb, redisq.WithCodec(upper{}))
	ctx := context.Background()
	if err := q.Put(ctx, "x"); err != nil {
		t.Fatalf("Put = %v", err)
	}
	entries, err := rdb.XRange(ctx, "redisq:{"+t.Name()+"}", "-", "+").Result()
	if err != nil || len(entries) != 1 || entries[0].Values["v"] != "x!" {
		t.Fatalf("stream holds %v, %v; want one entry v=x! (on %s)", entries, err, srv.Addr)
	}
	it, err := q.Get(ctx)
	if err != nil || it.Value != "x (decoded)" {
		t.Fatalf("Get = %v, %v; want \"x (decoded)\"", it, err)
	}
}

// Done acknowledges the entry Get took: the exported ID is for logs, and
// changing it cannot mark another item done.
func TestDoneAcknowledgesTheEntryGetTook(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := within(t, 10*time.Second)
	if err := q.PutBatch(ctx, []int{1, 2}); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	first, err := q.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	second, err := q.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	first.ID = second.ID
	if err := first.Done(ctx); err != nil {
		t.Fatalf("Done = %v", err)
	}
	if err := second.Done(ctx); err != nil {
		t.Fatalf("Done of the second item = %v", err)
	}
	if err := q.Join(ctx); err != nil {
		t.Fatalf("Join = %v; want nil: each Done acknowledged its own entry", err)
	}
}
