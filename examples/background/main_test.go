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

// All ten printed, in any order, one unit later: what Python prints. (The
// tour's test sees the scope hold ten tasks, then none.)
func TestBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run(nil, &out); err != nil || time.Since(start) != time.Second {
			t.Fatalf("run = %v after %v; want nil after 1s", err, time.Since(start))
		}
		lines := demotest.Lines(out.String())
		demotest.SameLines(t, lines, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"})
	})
	var out bytes.Buffer
	if err := run([]string{"-unit", "1ms"}, &out); err != nil || len(demotest.Lines(out.String())) != 10 {
		t.Fatalf("run -unit 1ms = %v\n%s", err, out.String())
	}
}
