package redisqtest_test

import (
	"context"
	"testing"

	"github.com/structuredgo/scope/redisq/redisqtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A server answers, keeps its data across a Restart, and two servers do
// not share a port.
func TestStartAndRestartKeepData(t *testing.T) {
	a, b := redisqtest.Start(t), redisqtest.Start(t)
	if a.Addr == b.Addr {
		t.Fatalf("two servers on one address, %s", a.Addr)
	}
	ctx := context.Background()
	rdb := a.Client(t)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET = %v", err)
	}
	a.Restart(t)
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("GET after Restart = %q, %v; want \"v\"", v, err)
	}
}
