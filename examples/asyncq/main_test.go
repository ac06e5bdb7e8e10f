package main

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	sleeping  = regexp.MustCompile(`^(Producer|Consumer) \d+ sleeping for (10|\d) seconds\.$`)
	added     = regexp.MustCompile(`^Producer (\d+) added <([0-9a-f]{10})> to queue\.$`)
	got       = regexp.MustCompile(`^Consumer (\d+) got element <([0-9a-f]{10})> in (\d+\.\d{5}) seconds\.$`)
	completed = regexp.MustCompile(`^Program completed in \d+\.\d{5} seconds\.$`)
)

// check reads the program's output: every line in one of its formats, every
// item added got exactly once by a consumer, and the last line the total.
func check(t *testing.T, out string, ncon int) (ids []string) {
	t.Helper()
	lines := demotest.Lines(out)
	seen := map[string]int{}
	for _, l := range lines[:len(lines)-1] {
		switch {
		case sleeping.MatchString(l):
		case added.MatchString(l):
			m := added.FindStringSubmatch(l)
			seen[m[2]]++
			ids = append(ids, m[2])
		case got.MatchString(l):
			m := got.FindStringSubmatch(l)
			if seen[m[2]] <= 0 {
				t.Errorf("item <%s> got before it was added: as in Python, its \"added\" line comes first", m[2])
			}
			seen[m[2]]--
		default:
			t.Errorf("line %q is in no format of asyncq.py", l)
		}
	}
	for id, n := range seen {
		if n != 0 {
			t.Errorf("item <%s> added and got out of balance by %d", id, n)
		}
	}
	if !completed.MatchString(lines[len(lines)-1]) {
		t.Errorf("last line %q; want \"Program completed in N seconds.\"", lines[len(lines)-1])
	}
	for c := range ncon {
		if !strings.Contains(out, "Consumer "+strconv.Itoa(c)+" sleeping") {
			t.Errorf("consumer %d never ran", c)
		}
	}
	return ids
}

// The sample run of the notes (-p 2 -c 5), in fake time with real seconds:
// seeded, so the same items every time.
func TestAsyncQSampleRun(t *testing.T) {
	var first string
	for range 2 {
		synctest.Test(t, func(t *testing.T) {
			var out bytes.Buffer
			if err := run([]string{"-p", "2", "-c", "5"}, &out); err != nil {
				t.Fatalf("run = %v", err)
			}
			ids := check(t, out.String(), 5)
			if len(ids) == 0 {
				t.Errorf("no item was produced:\n%s", out.String())
			}
			slices.Sort(ids) // which producer adds first at one instant is not fixed
			if first == "" {
				first = strings.Join(ids, ",")
			} else if strings.Join(ids, ",") != first {
				t.Errorf("a second run with the same seed added other items")
			}
		})
	}
}

// One consumer, slower than three producers: items still queued when the
// producers are done, which only Join waits for.
func TestAsyncQOneSlowConsumerGetsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := run([]string{"-p", "3", "-c", "1"}, &out); err != nil {
			t.Fatalf("run = %v", err)
		}
		if ids := check(t, out.String(), 1); len(ids) < 5 {
			t.Errorf("only %d items: want a backlog for the one consumer\n%s", len(ids), out.String())
		}
	})
}

// The defaults (-p 5 -c 10) with a short -unit, in real time.
func TestAsyncQDefaultsShortUnit(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-unit", "1ms"}, &out); err != nil {
		t.Fatalf("run = %v", err)
	}
	check(t, out.String(), 10)
	for p := range 6 { // five producers, 0 to 4, each sleeping first
		ran := strings.Contains(out.String(), "Producer "+strconv.Itoa(p)+" sleeping")
		if ran != (p < 5) {
			t.Errorf("producer %d ran: %v; want producers 0 to 4, the default -p 5", p, ran)
		}
	}
	if strings.Contains(out.String(), "Consumer 10 ") {
		t.Errorf("a consumer 10 ran; want consumers 0 to 9, the default -c 10")
	}
	if err := run([]string{"-c", "0"}, &out); err == nil {
		t.Errorf("run -c 0 = nil; want an error: the producers' items would wait for ever")
	}
}

// asyncq.py's argparse names: --nprod and --ncon, as -p and -c. With no
// producers nothing runs but the total, as in Python, where the consumers
// are cancelled before they ever run.
func TestAsyncQLongFlagsAndNoProducers(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"--nprod", "1", "--ncon", "2", "-unit", "1ms"}, &out); err != nil {
		t.Fatalf("run --nprod 1 --ncon 2 = %v", err)
	}
	check(t, out.String(), 2)
	if strings.Contains(out.String(), "Producer 1 ") || strings.Contains(out.String(), "Consumer 2 ") {
		t.Errorf("more than one producer or two consumers ran:\n%s", out.String())
	}
	for _, args := range [][]string{{"-p", "0"}, {"-p", "0", "-c", "0"}} {
		out.Reset()
		if err := run(args, &out); err != nil {
			t.Fatalf("run %q = %v", args, err)
		}
		if lines := demotest.Lines(out.String()); len(lines) != 1 || !completed.MatchString(lines[0]) {
			t.Errorf("run %q printed\n%s\nwant only \"Program completed in N seconds.\"", args, out.String())
		}
	}
}
