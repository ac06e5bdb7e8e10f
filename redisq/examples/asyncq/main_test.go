package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/structuredgo/scope/redisq/redisqtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	sleeping  = regexp.MustCompile(`^(Producer|Consumer) \d+ sleeping for (10|\d) seconds\.$`)
	added     = regexp.MustCompile(`^Producer (\d+) added <([0-9a-f]{10})> to queue\.$`)
	got       = regexp.MustCompile(`^Consumer (\d+) got element <([0-9a-f]{10})> in (\d+\.\d{5}) seconds\.$`)
	completed = regexp.MustCompile(`^Program completed in \d+\.\d{5} seconds\.$`)
)

// readOutput reads a process's output: every line in one of asyncq.py's formats;
// it returns the ids added and the ids got.
func readOutput(t *testing.T, name, out string) (adds, gets []string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case l == "" || sleeping.MatchString(l) || completed.MatchString(l):
		case added.MatchString(l):
			adds = append(adds, added.FindStringSubmatch(l)[2])
		case got.MatchString(l):
			gets = append(gets, got.FindStringSubmatch(l)[2])
		default:
			t.Errorf("%s: line %q is in no format of asyncq.py", name, l)
		}
	}
	return adds, gets
}

// All in one process, as asyncq.py runs: every item added is got, then the
// program completes.
func TestOneProcess(t *testing.T) {
	srv := redisqtest.Start(t)
	var out bytes.Buffer
	if err := run([]string{"-redis", srv.Addr, "-reset", "-p", "3", "-c", "4", "-unit", "1ms"}, &out); err != nil {
		t.Fatalf("run = %v\n%s", err, out.String())
	}
	adds, gets := readOutput(t, "asyncq", out.String())
	if len(adds) == 0 || !sameSet(adds, gets) {
		t.Fatalf("added %v, got %v; want the same items, at least one", adds, gets)
	}
	if !completed.MatchString(lastLine(out.String())) {
		t.Fatalf("last line %q; want Program completed", lastLine(out.String()))
	}
	if err := run([]string{"-p", "-1"}, io.Discard); err == nil {
		t.Fatalf("run -p -1 = nil; want an error")
	}
}

// Producers and consumers in separate OS processes, one consumer killed
// while it holds an item: every item is processed, the killed consumer's
// item by another consumer after the visibility timeout, and Join (in the
// process that shuts the queue down) returns.
func TestSeparateProcessesSurviveAKilledConsumer(t *testing.T) {
	srv := redisqtest.Start(t)
	bin := filepath.Join(t.TempDir(), "asyncq")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	common := []string{"-redis", srv.Addr, "-unit", "1ms", "-visibility", "500ms"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := func(args ...string) *process { return startProcess(t, ctx, bin, append(common, args...)...) }

	// The victim consumes alone first, and holds each item an hour: it is
	// sure to be holding one when it is killed.
	victim := start("-reset", "-p", "0", "-c", "1", "-from", "9", "-hold", "1h")
	victim.waitFor(t, sleeping) // the queue is reset: producers may start
	producers := []*process{
		start("-p", "3", "-c", "0", "-shutdown=false"),
		start("-p", "3", "-c", "0", "-from", "3", "-shutdown=false"),
	}
	held := victim.waitFor(t, got)[2]
	victim.kill(t)
	consumers := []*process{
		start("-p", "0", "-c", "3", "-from", "10"),
		start("-p", "0", "-c", "3", "-from", "13"),
	}
	var adds, gets []string
	for i, p := range producers {
		out := p.wait(t)
		a, _ := readOutput(t, "producers "+string(rune('A'+i)), out)
		adds = append(adds, a...)
	}
	joiner := start("-p", "0", "-c", "0") // Join, then Shutdown
	joiner.wait(t)
	for _, p := range consumers {
		_, g := readOutput(t, "consumers", p.wait(t))
		gets = append(gets, g...)
	}
	if len(adds) == 0 {
		t.Fatalf("the producers added nothing")
	}
	if !contains(gets, held) {
		t.Errorf("item <%s>, held by the killed consumer, was never processed by another", held)
	}
	if !sameSet(adds, gets) {
		t.Errorf("added %d items %v, the live consumers got %v; want every item", len(adds), adds, gets)
	}
}

// A process is a running asyncq, its output read line by line.
type process struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner
	out   strings.Builder // every line read so far
	errs  bytes.Buffer
}

func startProcess(t *testing.T, ctx context.Context, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.CommandContext(ctx, bin, args...)}
	p.cmd.Stderr = &p.errs
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting asyncq %v: %v", args, err)
	}
	p.lines = bufio.NewScanner(stdout)
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	return p
}

// waitFor reads lines until one matches re, and returns its submatches.
func (p *process) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for p.lines.Scan() {
		p.out.WriteString(p.lines.Text() + "\n")
		if m := re.FindStringSubmatch(p.lines.Text()); m != nil {
			return m
		}
	}
	t.Fatalf("asyncq %v ended without a line matching %v:\n%s\n%s", p.cmd.Args[1:], re, p.out.String(), p.errs.String())
	return nil
}

// wait reads the rest of the output, waits for the process to exit 0, and
// returns all it printed.
func (p *process) wait(t *testing.T) string {
	t.Helper()
	for p.lines.Scan() {
		p.out.WriteString(p.lines.Text() + "\n")
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("asyncq %v: %v\n%s\n%s", p.cmd.Args[1:], err, p.out.String(), p.errs.String())
	}
	if !completed.MatchString(lastLine(p.out.String())) {
		t.Errorf("asyncq %v: last line %q; want Program completed", p.cmd.Args[1:], lastLine(p.out.String()))
	}
	return p.out.String()
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing asyncq: %v", err)
	}
	for p.lines.Scan() {
	}
	p.cmd.Wait()
}

func lastLine(out string) string {
	out = strings.TrimSuffix(out, "\n")
	return out[strings.LastIndex(out, "\n")+1:]
}

func sameSet(a, b []string) bool {
	set := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for x := range sa {
		if !sb[x] {
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
