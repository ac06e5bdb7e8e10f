package main

import (
	"bytes"
	"context"
	"flag"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runBody parses args, then runs the body Main would run in a scope on ctx,
// in fake time, and returns what it returned, printed, and how long it took.
func runBody(t *testing.T, ctx context.Context, args ...string) (printed string, took time.Duration, err error) {
	t.Helper()
	var out bytes.Buffer
	body, perr := parse(args, &out)
	if perr != nil {
		t.Fatalf("parse(%q) = %v; want a body", args, perr)
	}
	start := time.Now()
	err = scope.Run(ctx, body)
	return out.String(), time.Since(start), err
}

// The asyncio.run program: hello, 1 s, world.
func TestBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		printed, took, err := runBody(t, context.Background())
		if err != nil || took != time.Second || printed != "hello\nworld\n" {
			t.Fatalf("body = %v after %v, printed %q; want hello, 1s, world", err, took, printed)
		}
	})
}

// Cancelled while it sleeps, the body returns the cause and never says world.
func TestBodyCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second/2, cancel)
		printed, _, err := runBody(t, ctx)
		if err != context.Canceled || printed != "hello\n" {
			t.Fatalf("body = %v, printed %q; want context.Canceled after hello", err, printed)
		}
	})
}

// The asyncio.Runner program, with -runner: 1 unit of sleep, then hello.
func TestRunner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		printed, took, err := runBody(t, context.Background(), "-runner", "-unit", "3s")
		if err != nil || took != 3*time.Second || printed != "hello\n" {
			t.Fatalf("-runner body = %v after %v, printed %q; want 3s, then hello", err, took, printed)
		}
	})
}

// Cancelled while it sleeps, the Runner program prints nothing.
func TestRunnerCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second/2, cancel)
		printed, _, err := runBody(t, ctx, "-runner")
		if err != context.Canceled || printed != "" {
			t.Fatalf("-runner body = %v, printed %q; want context.Canceled and nothing", err, printed)
		}
	})
}

// -h is no body and no failure; a bad flag is an error.
func TestFlags(t *testing.T) {
	var out bytes.Buffer
	if body, err := parse([]string{"-h"}, &out); body != nil || err != flag.ErrHelp {
		t.Errorf("parse(-h) = %v; want flag.ErrHelp and no body", err)
	}
	if body, err := parse([]string{"-unit", "-1s"}, &out); body != nil || err == nil {
		t.Errorf("parse(-unit -1s) = %v; want an error and no body", err)
	}
}
