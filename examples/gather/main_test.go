package main

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// In fake time with real seconds: "a" after 1 s, then "b" and "c" together
// after 2 s, not 3.
func TestGather(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run(nil, &out); err != nil || time.Since(start) != 2*time.Second {
			t.Fatalf("run = %v after %v; want nil after 2s", err, time.Since(start))
		}
		lines := demotest.Lines(out.String())
		demotest.SameLines(t, lines, []string{"say: a", "say: b", "say: c", "finished"})
		if len(lines) == 4 && (lines[0] != "say: a" || lines[3] != "finished") {
			t.Errorf("lines %q; want say: a first and finished last", lines)
		}
	})
}

func TestGatherShortUnit(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-unit", "1ms"}, &out); err != nil || len(demotest.Lines(out.String())) != 4 {
		t.Fatalf("run = %v\n%s", err, out.String())
	}
	if err := run([]string{"x"}, &out); err == nil {
		t.Errorf("run with an argument = nil; want an error")
	}
}
