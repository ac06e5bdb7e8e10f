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

// In fake time with real seconds, starting at 00:00:00: await t takes 3 s;
// gather takes 10 s, not 13; as_completed hands over [1, 2, 3] at 3 s and
// [0, 5, 10] at 10 s. The lines, times and all, are exact.
func TestAsCompleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := run(nil, &out); err != nil {
			t.Fatalf("run = %v", err)
		}
		// The bubble's clock starts at midnight UTC; the program prints local time.
		at := func(sec int) string {
			return time.Date(2000, 1, 1, 0, 0, sec, 0, time.UTC).Local().Format("15:04:05")
		}
		want := "t: type <class '*scope.Task[[]int]'>\n" +
			"t done: True\n" +
			"Start: " + at(3) + "\n" +
			"End: " + at(13) + "\n" +
			"Both tasks done: True\n" +
			"[[1, 2, 3], [0, 5, 10]]\n" +
			"Start: " + at(13) + "\n" +
			"res: [1, 2, 3] completed at " + at(16) + "\n" +
			"res: [0, 5, 10] completed at " + at(23) + "\n" +
			"End: " + at(23) + "\n" +
			"Both tasks done: True\n"
		if got := out.String(); got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
}

func TestAsCompletedShortUnit(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-unit", "1ms"}, &out); err != nil {
		t.Fatalf("run = %v", err)
	}
	lines := demotest.Lines(out.String())
	if len(lines) != 11 || lines[7] != "res: [1, 2, 3] completed at HH:MM:SS" {
		t.Fatalf("got\n%s", out.String())
	}
}
