package main

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The body Main runs, in a scope in fake time: hello, 1 s, world.
func TestBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		err := scope.Run(context.Background(), body(&out, time.Second))
		if err != nil || time.Since(start) != time.Second || out.String() != "hello\nworld\n" {
			t.Fatalf("body = %v after %v, printed %q; want hello, 1s, world", err, time.Since(start), out.String())
		}
	})
}

// Cancelled while it sleeps, the body returns the cause and never says world.
func TestBodyCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second/2, cancel)
		err := scope.Run(ctx, body(&out, time.Second))
		if err != context.Canceled || out.String() != "hello\n" {
			t.Fatalf("body = %v, printed %q; want context.Canceled after hello", err, out.String())
		}
	})
}
