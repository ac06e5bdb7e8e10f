package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/structuredgo/scope"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A node is what the test reads of the JSON tree.
type node struct {
	ID, Parent, Kind, Name, State string
	WaitsOn                       string `json:"waits_on"`
	InWait                        bool   `json:"in_wait"`
}

// The server runs as Main would run it, until the tree has shown every
// scope, state and kind of wait; then a cancel stops everything, cleanly.
func TestServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	s, ctx := scope.New(context.Background(), scope.WithName("server"), scope.WithTracking(scope.TrackTasks))
	if err := run(ctx, s, ln, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- s.Wait() }() // as Main does once its body returns
	stopped := false
	defer func() {
		if !stopped { // the test failed: stop anyway
			s.Cancel(nil)
			<-waited
		}
	}()

	nodes := awaitAll(t, base)
	checkNesting(t, nodes)
	checkText(t, base)
	checkPages(t, base)

	s.Cancel(nil)
	stopped = true
	if err := <-waited; err != nil {
		t.Errorf("Wait = %v; want nil, a clean stop", err)
	}
	if tree := scope.Snapshot(); tree.Len() > 0 {
		t.Errorf("still live after Wait:\n%s", tree)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Errorf("the server still accepts connections after Wait")
	}
}

// awaitAll polls the tree until, across polls, it has shown every scope,
// every task state and every kind of wait the busy work goes through, and
// returns the last tree. Most states come and go, so there is nothing to
// wait for but the tree itself; those that checkText reads stay once there.
func awaitAll(t *testing.T, base string) []node {
	t.Helper()
	want := []string{
		"scope server", "scope http", "scope ticker", "scope workers", "scope crawler",
		"scope a.example", "scope b.example", "scope c.example",
		"task serve", "task shutdown", "task tick", "task producer", "task worker-1", "task worker-2",
		"state waiting", "state cancelling", "scope state cancelling",
		"in Sleep", "in Queue.Get", "in Task.Wait robots.txt", `in Wait scope "workers"`, `in Wait scope "http"`,
		"scope server in Wait", "scope http in Wait", "scope ticker in Wait", "scope a.example in Wait",
	}
	seen := map[string]bool{}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		nodes := getTree(t, base+"/debug/scopes?format=json")
		for _, n := range nodes {
			for _, k := range facts(n) {
				seen[k] = true
			}
		}
		missing := []string{}
		for _, k := range want {
			if !seen[k] {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			return nodes
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the tree never showed %q; the last one:\n%+v", missing, nodes)
		}
	}
}

// facts lists what a node shows, in the words of awaitAll.
func facts(n node) []string {
	f := []string{n.Kind + " " + n.Name}
	switch {
	case n.Kind == "scope" && n.State == "cancelling":
		f = append(f, "scope state cancelling")
	case n.Kind == "task":
		f = append(f, "state "+n.State)
	}
	if n.WaitsOn != "" {
		f = append(f, "in "+n.WaitsOn)
	}
	if n.InWait {
		f = append(f, "scope "+n.Name+" in Wait")
	}
	return f
}

// checkNesting checks that each scope hangs under the task that made it,
// and that task under its scope: server → crawler (task) → crawler (scope).
func checkNesting(t *testing.T, nodes []node) {
	t.Helper()
	byID := map[string]node{}
	for _, n := range nodes {
		byID[n.ID] = n
	}
	path := func(n node) string {
		var p []string
		for ; n.ID != ""; n = byID[n.Parent] {
			p = append([]string{n.Kind + " " + n.Name}, p...)
		}
		return strings.Join(p, " / ")
	}
	want := map[string]string{
		"http":     "scope server / task http / scope http",
		"ticker":   "scope server / task ticker / scope ticker",
		"workers":  "scope server / task workers / scope workers",
		"crawler":  "scope server / task crawler / scope crawler",
		"producer": "scope server / task workers / scope workers / task producer",
	}
	for _, n := range nodes {
		if w, ok := want[n.Name]; ok && (n.Kind == "scope" || n.Name == "producer") {
			if got := path(n); got != w {
				t.Errorf("%s %s hangs at %q; want %q", n.Kind, n.Name, got, w)
			}
			delete(want, n.Name)
		}
	}
	for name := range want {
		t.Errorf("no %s in the last tree", name)
	}
}

// checkText checks the text form's first lines, which do not change.
func checkText(t *testing.T, base string) {
	t.Helper()
	body := getBody(t, base+"/debug/scopes", "text/plain; charset=utf-8")
	lines := strings.Split(body, "\n")
	for i, want := range []string{
		`scope "server" (running, in Wait, 4 tasks)`,
		`├─ http (running, in Wait scope "http")`,
		`│  └─ scope "http" (running, in Wait, 2 tasks)`,
		`│     ├─ shutdown (running)`,
		`│     └─ serve (running)`,
	} {
		if i >= len(lines) || !strings.HasPrefix(lines[i], want+" ") {
			t.Fatalf("line %d: want %q first\n%s", i+1, want, body)
		}
	}
}

// checkPages checks the other pages: the index, a scope's subtree, and a
// goroutine profile that names the tasks.
func checkPages(t *testing.T, base string) {
	t.Helper()
	if body := getBody(t, base+"/", "text/plain; charset=utf-8"); !strings.Contains(body, "/debug/scopes?format=json") {
		t.Errorf("index:\n%s", body)
	}
	if body := getBody(t, base+"/debug/scopes?scope=ticker", "text/plain; charset=utf-8"); !strings.HasPrefix(body, `scope "ticker" (running, in Wait, 1 task) `) || !strings.Contains(body, "\n└─ tick (running") {
		t.Errorf("?scope=ticker:\n%s", body)
	}
	if body := getBody(t, base+"/debug/pprof/goroutine?debug=1", "text/plain; charset=utf-8"); !strings.Contains(body, `"task":"tick"`) {
		t.Errorf("the goroutine profile does not name the task tick:\n%.2000s", body)
	}
}

func getTree(t *testing.T, url string) []node {
	t.Helper()
	var tree struct{ Nodes []node }
	if err := json.Unmarshal([]byte(getBody(t, url, "application/json")), &tree); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return tree.Nodes
}

func getBody(t *testing.T, url, contentType string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != contentType {
		t.Fatalf("GET %s: %s, %s; want 200 OK, %s\n%s", url, res.Status, res.Header.Get("Content-Type"), contentType, body)
	}
	return string(body)
}
