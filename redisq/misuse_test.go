package redisq_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/structuredgo/scope/redisq"
)

// Misuse panics, or fails, with a message that starts "redisq:" and says
// what to do.
func TestMisuseSaysWhatToDo(t *testing.T) {
	_, rdb := server(t)
	ctx := context.Background()
	q := open[int](t, rdb)
	panics := map[string]func(){
		"WithCodec(nil)":             func() { redisq.WithCodec(nil) },
		"WithCapacity(-1)":           func() { redisq.WithCapacity(-1) },
		"WithVisibilityTimeout(0)":   func() { redisq.WithVisibilityTimeout(0) },
		"WithVisibilityTimeout(1µs)": func() { redisq.WithVisibilityTimeout(time.Microsecond) },
		"WithPollInterval(-1)":       func() { redisq.WithPollInterval(-1) },
		"WithConsumer(\"\")":         func() { redisq.WithConsumer("") },
		"Open with a nil client":     func() { redisq.Open[int](ctx, nil, "q") },
		"Open with a nil *Client":    func() { redisq.Open[int](ctx, (*redis.Client)(nil), "q") },
		"Open with a brace in name":  func() { redisq.Open[int](ctx, rdb, "}jobs") },
		"Open with an empty name":    func() { redisq.Open[int](ctx, rdb, "") },
		"Open with a nil Option":     func() { redisq.Open[int](ctx, rdb, "q", nil) },
		"All with a nil error ptr":   func() { q.All(ctx, nil) },
		"GetBatch with max 0":        func() { q.GetBatch(ctx, 0) },
	}
	var nilCtx context.Context
	for name, f := range map[string]func(){
		"Open": func() { redisq.Open[int](nilCtx, rdb, "q") }, "Put": func() { q.Put(nilCtx, 1) },
		"TryPut": func() { q.TryPut(nilCtx, 1) }, "PutBatch": func() { q.PutBatch(nilCtx, []int{1}) },
		"Get": func() { q.Get(nilCtx) }, "TryGet": func() { q.TryGet(nilCtx) },
		"GetBatch": func() { q.GetBatch(nilCtx, 1) }, "Join": func() { q.Join(nilCtx) },
		"Len": func() { q.Len(nilCtx) }, "Shutdown": func() { q.Shutdown(nilCtx) },
		"ShutdownNow": func() { q.ShutdownNow(nilCtx) }, "Delete": func() { q.Delete(nilCtx) },
		"All": func() { q.All(nilCtx, new(error)) }, "DoneBatch": func() { q.DoneBatch(nilCtx, nil) },
		"Done": func() { (&redisq.Item[int]{}).Done(nilCtx) },
	} {
		panics[name+" with a nil Context"] = f
	}
	var zero redisq.Queue[int]
	var nilQueue *redisq.Queue[int]
	for name, f := range map[string]func(){
		"Put": func() { zero.Put(ctx, 1) }, "Get": func() { zero.Get(ctx) },
		"Join": func() { zero.Join(ctx) }, "Len": func() { nilQueue.Len(ctx) },
		"Shutdown": func() { nilQueue.Shutdown(ctx) }, "All": func() { zero.All(ctx, new(error)) },
		"Cap": func() { nilQueue.Cap() },
	} {
		panics[name+" on a zero or nil Queue"] = f
	}
	for name, f := range panics {
		msg := panicOf(f)
		if !strings.HasPrefix(msg, "redisq: ") || !strings.Contains(msg, "; ") {
			t.Errorf("%s panicked with %q; want a message that starts \"redisq: \" and says what to do", name, msg)
		}
	}

	if zero.Cap() != 0 || zero.String() == "" || nilQueue.String() != "<nil>" {
		t.Errorf("zero Queue's Cap, String = %d, %q; nil's String = %q; want 0, a name, <nil>: they answer without Redis", zero.Cap(), zero.String(), nilQueue.String())
	}

	it := roundTrip(t, q, 1)
	other := open[int](t, rdb, redisq.WithConsumer("other"))
	if err := other.Put(ctx, 2); err != nil {
		t.Fatalf("Put = %v", err)
	}
	foreign, err := other.Get(ctx)
	if err != nil {
		t.Fatalf("Get = %v", err)
	}
	wrongQueue := open[int](t, rdb, redisq.WithConsumer("third"))
	errs := map[string]error{
		"DoneBatch with another queue's item": wrongQueue.DoneBatch(ctx, []*redisq.Item[int]{foreign}),
		"Done twice":                          it.Done(ctx),
		"Done on a zero Item":                 new(redisq.Item[int]).Done(ctx),
		"Done on a nil Item":                  (*redisq.Item[int])(nil).Done(ctx),
		"PutBatch beyond capacity":            open[int](t, rdb, redisq.WithCapacity(1)).PutBatch(ctx, []int{1, 2}),
	}
	for name, err := range errs {
		if err == nil || !strings.HasPrefix(err.Error(), "redisq: ") || !strings.Contains(err.Error(), "; ") {
			t.Errorf("%s = %v; want an error that starts \"redisq: \" and says what to do", name, err)
		}
	}
	// Both Queue values are of one name: the message says it was opened twice.
	if err := errs["DoneBatch with another queue's item"]; err == nil || !strings.Contains(err.Error(), "Open was called twice") {
		t.Errorf("DoneBatch with an item of another Queue value of the same name = %v; want it to say the queue was opened twice", err)
	}
}

func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
		}
	}()
	f()
	return "(no panic)"
}
