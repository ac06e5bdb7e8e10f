package main

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var wantLines = []string{"started at HH:MM:SS", "hello", "world", "finished at HH:MM:SS", "finished all"}

// With the default delay, in fake time: the two 2 s tasks take 2 s together.
func TestRunDefaultDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run(nil, &out); err != nil {
			t.Fatalf("run = %v; want nil", err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("run took %v; want 2s", got)
		}
		if got := demotest.Elapsed(t, out.String()); got != 2*time.Second {
			t.Errorf("finished at - started at = %v; want 2s", got)
		}
		lines := demotest.Lines(out.String())
		demotest.SameLines(t, lines, wantLines)
		if len(lines) > 0 && lines[len(lines)-1] != "finished all" {
			t.Errorf("last line %q; want \"finished all\"", lines[len(lines)-1])
		}
	})
}

// The -delay flag, in real time.
func TestRunDelayFlag(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	if err := run([]string{"-delay", "10ms"}, &out); err != nil {
		t.Fatalf("run(-delay 10ms) = %v; want nil", err)
	}
	if got := time.Since(start); got < 10*time.Millisecond || got > time.Second {
		t.Errorf("run(-delay 10ms) took %v; want 10ms or a little more", got)
	}
	demotest.SameLines(t, demotest.Lines(out.String()), wantLines)
}

// The -unit flag, as the other examples have it: the sleep is two units,
// in fake time exactly.
func TestRunUnitFlag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run([]string{"-unit", "5ms"}, &out); err != nil {
			t.Fatalf("run(-unit 5ms) = %v; want nil", err)
		}
		if got := time.Since(start); got != 10*time.Millisecond {
			t.Errorf("run(-unit 5ms) took %v; want two units, 10ms", got)
		}
		demotest.SameLines(t, demotest.Lines(out.String()), wantLines)
	})
}

func TestRunBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-delay", "soon"}, {"-delay", "1s", "extra"}, {"-unit", "-1s"}} {
		var out bytes.Buffer
		err := run(args, &out)
		if err == nil {
			t.Errorf("run(%q) = nil; want an error", args)
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) printed %q; want nothing", args, out.String())
		}
		if err != nil && !strings.Contains(err.Error(), args[len(args)-1]) {
			t.Errorf("run(%q) = %v; want it to name %q", args, err, args[len(args)-1])
		}
	}
}
