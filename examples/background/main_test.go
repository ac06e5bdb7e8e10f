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

// Ten tasks held right after they start, all ten printed (in any order) one
// unit later, none held after Wait.
func TestBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run(nil, &out); err != nil || time.Since(start) != time.Second {
			t.Fatalf("run = %v after %v; want nil after 1s", err, time.Since(start))
		}
		lines := demotest.Lines(out.String())
		want := []string{"tasks held: 10", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "tasks held: 0"}
		demotest.SameLines(t, lines, want)
		if len(lines) == 12 && (lines[0] != want[0] || lines[11] != want[11]) {
			t.Errorf("lines %q; want the counts first and last", lines)
		}
	})
	var out bytes.Buffer
	if err := run([]string{"-unit", "1ms"}, &out); err != nil || len(demotest.Lines(out.String())) != 12 {
		t.Fatalf("run -unit 1ms = %v\n%s", err, out.String())
	}
}
