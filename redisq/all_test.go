package redisq_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/structuredgo/scope/redisq"
)

// All yields every item until the queue is shut down and drained, marking
// each done after the body: Join returns once the loop has seen them all.
func TestAllMarksEachItemDone(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	if err := q.PutBatch(ctx, []int{1, 2, 3}); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	if err := q.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	var err error
	sum := 0
	for v := range q.All(ctx, &err) {
		sum += v
	}
	if err != nil || sum != 6 {
		t.Fatalf("All summed %d, err %v; want 6, nil", sum, err)
	}
	if err := q.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

// The item in hand is marked done when the body breaks out, panics or calls
// runtime.Goexit.
func TestAllMarksDoneOnBreakPanicGoexit(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	exits := map[string]func(){
		"break":  func() {},
		"panic":  func() { panic("body") },
		"goexit": runtime.Goexit,
	}
	for name, exit := range exits {
		if err := q.Put(ctx, 1); err != nil {
			t.Fatalf("Put = %v", err)
		}
		var err error
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			defer func() { recover() }()
			for range q.All(ctx, &err) {
				if name != "break" {
					exit()
				}
				break
			}
		}()
		<-finished
		if err != nil {
			t.Fatalf("%s: All's err = %v; want nil", name, err)
		}
		if err := q.Join(within(t, 10*time.Second)); err != nil {
			t.Fatalf("%s: Join = %v; want the item marked done", name, err)
		}
	}
}

// All stops when its context ends, and that is not an error.
func TestAllStopsWhenContextEnds(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := q.Put(ctx, 1); err != nil {
		t.Fatalf("Put = %v", err)
	}
	var err error
	n := 0
	for range q.All(ctx, &err) {
		n++
		cancel()
	}
	if err != nil || n != 1 {
		t.Fatalf("All yielded %d, err %v; want 1, nil", n, err)
	}
	if err := q.Join(within(t, 10*time.Second)); err != nil {
		t.Fatalf("Join = %v; want the item done although the context ended in the body", err)
	}
}

// A malformed entry stops All with its error; the loop started again goes
// on with the items after it.
func TestAllStopsAtAMalformedEntry(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	if err := rdb.XAdd(ctx, rawEntry("redisq:{"+t.Name()+"}", "not json")).Err(); err != nil {
		t.Fatalf("XADD = %v", err)
	}
	if err := q.Put(ctx, 7); err != nil {
		t.Fatalf("Put = %v", err)
	}
	var err error
	for range q.All(ctx, &err) {
		t.Fatalf("All yielded before the malformed entry")
	}
	if _, ok := err.(*redisq.MalformedError); !ok {
		t.Fatalf("All's err = %#v; want the *MalformedError itself", err)
	}
	if err := q.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	err = nil
	var got []int
	for v := range q.All(ctx, &err) {
		got = append(got, v)
	}
	if err != nil || len(got) != 1 || got[0] != 7 {
		t.Fatalf("All again = %v, %v; want [7], nil", got, err)
	}
}

// An error already in *errp (the body's, say) is joined with the loop's,
// not dropped.
func TestAllKeepsAnErrorAlreadyInErr(t *testing.T) {
	_, rdb := server(t)
	q := open[int](t, rdb)
	ctx := context.Background()
	if err := rdb.XAdd(ctx, rawEntry("redisq:{"+t.Name()+"}", "not json")).Err(); err != nil {
		t.Fatalf("XADD = %v", err)
	}
	earlier := errors.New("the body's own error")
	err := earlier
	for range q.All(ctx, &err) {
		t.Fatalf("All yielded before the malformed entry")
	}
	if !errors.Is(err, earlier) || !errors.Is(err, redisq.ErrMalformed) {
		t.Fatalf("All's err = %v; want the earlier error joined with the malformed entry's", err)
	}
}
