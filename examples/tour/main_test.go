package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The whole tour, in fake time: every stop runs, in order, under its heading,
// and the failing stop's failure does not fail the tour.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := run([]string{"-unit", "1s"}, &out); err != nil {
			t.Fatalf("run = %v; want nil\n%s", err, out.String())
		}
		intro, rest, _ := strings.Cut(out.String(), "\n\n")
		if !strings.Contains(intro, "lasts 1s here") {
			t.Errorf("intro %q does not say what a second lasts", intro)
		}
		sections := splitStops(rest)
		if len(sections) != len(stops) {
			t.Fatalf("got %d sections; want %d, one per stop:\n%s", len(sections), len(stops), out.String())
		}
		for i, st := range stops {
			if got, want := firstLine(sections[i]), fmt.Sprintf("== %d. %s", i+1, st.title); got != want {
				t.Errorf("section %d starts %q; want %q", i+1, got, want)
			}
		}
		for i, last := range map[int]string{2: "finished", 3: "tasks held: 0", 4: "Both tasks done: True",
			5: "world", 6: "total expected sleep time: "} {
			if !strings.Contains(lastLine(sections[i]), last) {
				t.Errorf("stop %d ends %q; want %q", i+1, lastLine(sections[i]), last)
			}
		}
		if !strings.Contains(sections[7], "Consumer ") || strings.Contains(sections[7], "Program completed") {
			t.Errorf("stop 8 is not asyncq's run:\n%s", sections[7])
		}

		demotest.SameLines(t, demotest.Lines(sites.ReplaceAllString(strings.TrimSpace(sections[8]), "SITE")), []string{
			"== 9. asyncio pstree: what runs, where it started, what it waits on",
			`scope "app" (running, 3 tasks) 1s at SITE`,
			`├─ supervisor (running, in Wait scope "pool") 1s at SITE`,
			`│  └─ scope "pool" (running, in Wait, 2 tasks) 1s at SITE`,
			`│     ├─ worker-1 (running, in Queue.Get) 1s at SITE`,
			`│     └─ worker-2 (running, in Queue.Get) 1s at SITE`,
			`├─ fetch (running, in Sleep) 1s at SITE`,
			`└─ render (running, in Task.Wait fetch) 1s at SITE`,
		})

		taskGroup := sections[0]
		if got := demotest.Elapsed(t, taskGroup); got != 2*time.Second {
			t.Errorf("stop 1: finished at - started at = %v; want 2s", got)
		}
		demotest.SameLines(t, demotest.Lines(taskGroup), []string{
			"== 1. TaskGroup: two tasks run together",
			"started at HH:MM:SS", "hello", "world", "finished at HH:MM:SS",
		})

		report := sections[1]
		for _, s := range []string{`task "fetch users"`, `task "parse"`, `task "index"`, `task "shard-2"`, "scope: 3 failures"} {
			if !strings.Contains(report, s) {
				t.Errorf("stop 2 lacks %q:\n%s", s, report)
			}
		}
		if strings.Contains(report, "heartbeat") {
			t.Errorf("stop 2 names the task whose cancellation is noise:\n%s", report)
		}
	})
}

// sites matches where a node of the tree was made: demo/tree.go:NN.
var sites = regexp.MustCompile(`demo/tree\.go:\d+`)

func TestRunBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-unit", "soon"}, {"extra"}} {
		var out bytes.Buffer
		if err := run(args, &out); err == nil {
			t.Errorf("run(%q) = nil; want an error", args)
		}
		if out.Len() != 0 {
			t.Errorf("run(%q) printed %q; want nothing", args, out.String())
		}
	}
}

// splitStops splits the tour's output into one section per stop: each from
// its heading (a line that starts "== ") to the blank line before the next.
func splitStops(out string) []string {
	var sections []string
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "== ") || sections == nil {
			sections = append(sections, "")
		}
		sections[len(sections)-1] += line
	}
	for i := range sections {
		sections[i] = strings.TrimSuffix(sections[i], "\n\n") + "\n"
	}
	return sections
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
