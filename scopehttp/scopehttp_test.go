package scopehttp_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/scopehttp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	os.Unsetenv("SCOPE_TRACK") // each test chooses its own tracking
	goleak.VerifyTestMain(m)
}

// ageSite is what varies at the end of a line: the age and the spawn site,
// which must be in the fixture.
var ageSite = regexp.MustCompile(`\) [0-9.]+[0-9a-zµ.]* at scopehttp/fixture_test\.go:\d+$`)

// stable drops each line's age and site, failing the test if one is missing.
func stable(t *testing.T, text string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines {
		if !ageSite.MatchString(l) {
			t.Fatalf("line %q has no age and site in the fixture\n%s", l, text)
		}
		lines[i] = ageSite.ReplaceAllString(l, ")")
	}
	return strings.Join(lines, "\n") + "\n"
}

// The text is the whole tree, one line per scope or task, indented under
// what it hangs from, with each task's state and what it waits on.
func TestText(t *testing.T) {
	tr := startTree(t)
	res, body := get(t, scopehttp.Handler(), http.MethodGet, "/debug/scopes?scope="+tr.name)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %s; want 200 OK\n%s", res.Status, body)
	}
	for k, want := range map[string]string{
		"Content-Type":   "text/plain; charset=utf-8",
		"Cache-Control":  "no-store",
		"Content-Length": strconv.Itoa(len(body)),
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q; want %q", k, got, want)
		}
	}
	want := strings.ReplaceAll(`scope "NAME" (running, 5 tasks)
├─ nest (running, in Wait scope "NAME/inner")
│  └─ scope "NAME/inner" (running, in Wait, 1 task)
│     └─ sleeper (running)
├─ getter (running, in Queue.Get)
├─ answer (running)
├─ asker (running, in Task.Wait answer)
└─ starter (running)
   └─ scope "NAME/limited" (running, 2 tasks, limit 1)
      ├─ holder (running)
      └─ queued (waiting)
`, "NAME", tr.name)
	if got := stable(t, body); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	tr.stop(t)
	_, body = get(t, scopehttp.Handler(), http.MethodGet, "/debug/scopes?scope="+tr.name)
	if strings.Contains(body, tr.name) && !strings.HasPrefix(body, "no live scope is named") {
		t.Errorf("after Wait, the tree still has the scope:\n%s", body)
	}
}

// The JSON is a flat list, parents first, whose ids and parent links
// rebuild the tree, a scope opened in a task under that task.
func TestJSON(t *testing.T) {
	tr := startTree(t)
	taken, nodes := getJSON(t, "/debug/scopes?format=json")
	if _, err := time.Parse(time.RFC3339Nano, taken); err != nil {
		t.Errorf("taken %q: %v", taken, err)
	}
	byName := checkLinks(t, nodes)
	root := byName[tr.name]
	for _, c := range []struct {
		name, kind, parent, state, waitsOn string
		tasks, limit                       int
		inWait                             bool
	}{
		{tr.name, "scope", "", "running", "", 5, 0, false},
		{"nest", "task", tr.name, "running", `Wait scope "` + tr.name + `/inner"`, 0, 0, false},
		{tr.name + "/inner", "scope", "nest", "running", "", 1, 0, true},
		{"sleeper", "task", tr.name + "/inner", "running", "", 0, 0, false},
		{"getter", "task", tr.name, "running", "Queue.Get", 0, 0, false},
		{"answer", "task", tr.name, "running", "", 0, 0, false},
		{"asker", "task", tr.name, "running", "Task.Wait answer", 0, 0, false},
		{"starter", "task", tr.name, "running", "", 0, 0, false},
		{tr.name + "/limited", "scope", "starter", "running", "", 2, 1, false},
		{"holder", "task", tr.name + "/limited", "running", "", 0, 0, false},
		{"queued", "task", tr.name + "/limited", "waiting", "", 0, 0, false},
	} {
		n, ok := byName[c.name]
		if !ok {
			t.Errorf("no node %q", c.name)
			continue
		}
		parent := ""
		if c.parent != "" {
			parent = byName[c.parent].ID
		}
		got := [...]any{n.Kind, n.Parent, n.State, n.WaitsOn, n.Tasks, n.Limit, n.InWait}
		want := [...]any{c.kind, parent, c.state, c.waitsOn, c.tasks, c.limit, c.inWait}
		if got != want {
			t.Errorf("%s: kind, parent, state, waits_on, tasks, limit, in_wait = %v; want %v", c.name, got, want)
		}
		if n.Kind == "task" && !strings.HasPrefix(n.ID, n.Parent+".") {
			t.Errorf("%s: task id %q is not its scope's %q and a number", c.name, n.ID, n.Parent)
		}
		if n.Started == "" || n.AgeNS <= 0 || !strings.HasSuffix(strings.Split(n.Site, ":")[0], "scopehttp/fixture_test.go") {
			t.Errorf("%s: started %q, age %d, site %q; want all three, in the fixture", c.name, n.Started, n.AgeNS, n.Site)
		}
	}
	if root.Parent != "" {
		t.Errorf("the root scope has parent %q", root.Parent)
	}
}

// checkLinks checks that ids are unique, that every parent comes before its
// children, and returns the nodes by name (the fixture's names are unique).
func checkLinks(t *testing.T, nodes []node) map[string]node {
	t.Helper()
	seen := map[string]bool{}
	byName := map[string]node{}
	for _, n := range nodes {
		if seen[n.ID] {
			t.Errorf("id %q twice", n.ID)
		}
		if n.Parent != "" && !seen[n.Parent] {
			t.Errorf("%s (%s) comes before its parent %s", n.ID, n.Name, n.Parent)
		}
		seen[n.ID] = true
		byName[n.Name] = n
	}
	return byName
}

// ?scope= keeps the scopes of that name with what hangs under them; the
// JSON keeps their parent links, to nodes that are not in it.
func TestScopeFilter(t *testing.T) {
	tr := startTree(t)
	limited := tr.name + "/limited"
	_, body := get(t, scopehttp.Handler(), http.MethodGet, "/?scope="+limited)
	want := `scope "` + limited + `" (running, 2 tasks, limit 1)
├─ holder (running)
└─ queued (waiting)
`
	if got := stable(t, body); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	_, all := getJSON(t, "/?format=json&scope="+tr.name)
	_, nodes := getJSON(t, "/?format=json&scope="+limited)
	if len(nodes) != 3 || nodes[0].Name != limited {
		t.Fatalf("got %d nodes, the first %+v; want 3, %s first", len(nodes), nodes[0], limited)
	}
	if starter := checkLinks(t, all)["starter"]; nodes[0].Parent != starter.ID || starter.ID == "" {
		t.Errorf("%s has parent %q; want starter's id %q", limited, nodes[0].Parent, starter.ID)
	}

	_, body = get(t, scopehttp.Handler(), http.MethodGet, "/?scope=no+such+scope")
	if !strings.HasPrefix(body, `no live scope is named "no such scope" (of `) {
		t.Errorf("an unknown scope: got %q", body)
	}
	if _, nodes := getJSON(t, "/?scope=no+such+scope&format=json"); len(nodes) != 0 {
		t.Errorf("an unknown scope, as JSON: %d nodes; want none", len(nodes))
	}
}

// ?waiting=1 keeps the scopes whose Wait is blocked, with what they wait for.
func TestWaiting(t *testing.T) {
	tr := startTree(t)
	inner := tr.name + "/inner"
	want := `scope "` + inner + `" (running, in Wait, 1 task)
└─ sleeper (running)
`
	for _, q := range []string{"waiting=1", "waiting", "waiting=true"} {
		_, body := get(t, scopehttp.Handler(), http.MethodGet, "/?scope="+tr.name+"&"+q)
		if got := stable(t, body); got != want {
			t.Errorf("%s: got\n%s\nwant\n%s", q, got, want)
		}
	}
	_, body := get(t, scopehttp.Handler(), http.MethodGet, "/?waiting=0&scope="+tr.name)
	if got := strings.Count(body, "\n"); got != 11 {
		t.Errorf("waiting=0: got %d lines; want the whole tree, 11\n%s", got, body)
	}
	_, body = get(t, scopehttp.Handler(), http.MethodGet, "/?waiting=1&scope="+tr.name+"/limited")
	if want := `no Wait is blocked in the scopes named "` + tr.name + `/limited" or under them` + "\n"; body != want {
		t.Errorf("got %q; want %q", body, want)
	}

	// Once the root's Wait is called, the whole tree is what it waits for.
	waited := make(chan error, 1)
	go func() { waited <- tr.s.Wait() }()
	eventually(t, func() bool {
		tree := scope.Snapshot().Subtree(tr.name)
		return tree.Len() > 0 && tree.Nodes[0].InWait
	})
	_, nodes := getJSON(t, "/?waiting=1&format=json&scope="+tr.name)
	if len(nodes) != 11 || !nodes[0].InWait || nodes[0].Name != tr.name {
		t.Errorf("with the root in Wait: %d nodes, the first %+v; want 11, the root in Wait", len(nodes), nodes[0])
	}
	tr.stop(t)
	if err := <-waited; err != nil {
		t.Errorf("Wait = %v; want nil", err)
	}
}

// A bad query gets 400 and a message that says what is accepted.
func TestBadQuery(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{"format=xml", `scopehttp: unknown format "xml"; use format=text (the default) or format=json`},
		{"format=JSON", `scopehttp: unknown format "JSON"`},
		{"waiting=maybe", `scopehttp: bad waiting value "maybe"; use waiting=1 (or true) or waiting=0 (or false)`},
		{"waiting=2", `scopehttp: bad waiting value "2"`},
		{"wait=1", `scopehttp: unknown parameter "wait"; use format=text|json, scope=NAME, waiting=1`},
		{"format=json&format=text", "scopehttp: format given 2 times; give it once"},
		{"scope=%zz", `scopehttp: bad query "scope=%zz"`},
	} {
		res, body := get(t, scopehttp.Handler(), http.MethodGet, "/debug/scopes?"+c.query)
		if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(body, c.want) {
			t.Errorf("?%s: %s %q; want 400 and %q", c.query, res.Status, body, c.want)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("?%s: Content-Type %q; want text", c.query, ct)
		}
	}
}

// GET and HEAD only; HEAD has GET's headers and no body.
func TestMethods(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		res, body := get(t, scopehttp.Handler(), m, "/debug/scopes")
		want := "scopehttp: method " + m + " not allowed; use GET or HEAD\n"
		if res.StatusCode != http.StatusMethodNotAllowed || body != want || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %s, Allow %q, %q; want 405, Allow GET, HEAD, %q", m, res.Status, res.Header.Get("Allow"), body, want)
		}
	}
	tr := startTree(t)
	for query, ct := range map[string]string{"": "text/plain; charset=utf-8", "&format=json": "application/json"} {
		res, body := get(t, scopehttp.Handler(), http.MethodHead, "/debug/scopes?scope="+tr.name+query)
		n, err := strconv.Atoi(res.Header.Get("Content-Length"))
		if res.StatusCode != http.StatusOK || body != "" || res.Header.Get("Content-Type") != ct || err != nil || n == 0 {
			t.Errorf("HEAD %q: %s, %q, %q, Content-Length %q; want 200, %s, a length, no body",
				query, res.Status, res.Header.Get("Content-Type"), body, res.Header.Get("Content-Length"), ct)
		}
	}
}

// With nothing tracked, the text says how to turn tracking on, and the JSON
// is an empty tree.
func TestUntracked(t *testing.T) {
	if tree := scope.Snapshot(); tree.Len() > 0 {
		t.Fatalf("a scope outlived its test:\n%s", tree)
	}
	for _, q := range []string{"", "?scope=any", "?waiting=1"} {
		_, body := get(t, scopehttp.Handler(), http.MethodGet, "/"+q)
		for _, want := range []string{"no live scope tracks its tasks", "SCOPE_TRACK=1", "scope.SetTracking(scope.TrackTasks)"} {
			if !strings.Contains(body, want) {
				t.Errorf("%q: got %q; want it to say %q", q, body, want)
			}
		}
	}
	if _, nodes := getJSON(t, "/?format=json"); len(nodes) != 0 {
		t.Errorf("got %d nodes; want none", len(nodes))
	}
}

// HandlerFor serves one scope's own tree, tracked or not.
func TestHandlerFor(t *testing.T) {
	s, _ := scope.New(context.Background(), scope.WithName(t.Name()))
	s.Go(block, scope.Named("idle"))
	h := scopehttp.HandlerFor(s.Snapshot)
	_, body := get(t, h, http.MethodGet, "/")
	if !strings.HasPrefix(body, `scope "`+t.Name()+`" (running, 1 task)`) || !strings.Contains(body, "\n└─ idle (running)") {
		t.Errorf("got\n%s", body)
	}
	_, body = get(t, h, http.MethodGet, "/?waiting=1")
	if want := "no Wait is blocked (of 2 scopes and tasks)\n"; body != want {
		t.Errorf("?waiting=1: got %q; want %q", body, want)
	}
	s.Cancel(nil)
	if err := s.Wait(); err != nil {
		t.Errorf("Wait = %v", err)
	}
	_, body = get(t, h, http.MethodGet, "/")
	if want := `scope "` + t.Name() + `" (closed: context canceled, 0 tasks)` + "\n"; body != want {
		t.Errorf("after Wait: got %q; want %q", body, want)
	}
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "scopehttp: HandlerFor with a nil") {
			t.Errorf("HandlerFor(nil) panicked with %q", r)
		}
	}()
	scopehttp.HandlerFor(nil)
}
