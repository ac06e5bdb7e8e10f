package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	slept    = regexp.MustCompile(`^worker-[012] has slept for (\d+\.\d\d) seconds$`)
	parallel = regexp.MustCompile(`^3 workers slept in parallel for (\d+\.\d\d) seconds$`)
	total    = regexp.MustCompile(`^total expected sleep time: (\d+\.\d\d) seconds$`)
)

// In fake time, with real seconds: twenty sleeps reported, then the summary,
// where three workers in parallel take between a third of the total and the
// total.
func TestWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		if err := run(nil, &out); err != nil {
			t.Fatalf("run = %v", err)
		}
		lines := demotest.Lines(out.String())
		if len(lines) != 23 || lines[20] != "====" {
			t.Fatalf("got %d lines; want 20 reports, ====, and 2 totals:\n%s", len(lines), out.String())
		}
		sum := 0.0
		workers := map[string]bool{}
		for _, l := range lines[:20] {
			m := slept.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line %q is not a worker's report", l)
			}
			sum += number(t, m[1])
			workers[strings.Fields(l)[0]] = true
		}
		if len(workers) != 3 {
			t.Errorf("%d workers reported; want the three of the program, each taking sleeps", len(workers))
		}
		p, tot := match(t, parallel, lines[21]), match(t, total, lines[22])
		if d := sum - tot; d > 0.11 || d < -0.11 {
			t.Errorf("reports add up to %.2f; total says %.2f", sum, tot)
		}
		if p < tot/3-0.01 || p > tot {
			t.Errorf("parallel %.2f s is not between a third of %.2f and all of it", p, tot)
		}
		if got := time.Since(start).Seconds(); got < p-0.01 || got > p+0.01 {
			t.Errorf("the run took %.2f s; the program says %.2f", got, p)
		}
	})
}

// The -unit flag, in real time: the same program, a thousand times faster.
func TestWorkersUnitFlag(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-unit", "1ms", "-seed", "7"}, &out); err != nil {
		t.Fatalf("run = %v", err)
	}
	if lines := demotest.Lines(out.String()); len(lines) != 23 || total.FindString(lines[22]) == "" {
		t.Fatalf("got\n%s", out.String())
	}
	if err := run([]string{"extra"}, &out); err == nil {
		t.Errorf("run with an argument = nil; want an error")
	}
}

func match(t *testing.T, re *regexp.Regexp, line string) float64 {
	t.Helper()
	m := re.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("line %q does not match %s", line, re)
	}
	return number(t, m[1])
}

func number(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
