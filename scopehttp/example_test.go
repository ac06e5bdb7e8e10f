package scopehttp_test

// These examples run as tests: keep them in step with the package
// documentation.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strings"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/scopehttp"
)

// A server mounts the handler next to net/http/pprof. Each line names a
// scope or task and its state, then its age and where it was made, which
// this example leaves out since they vary.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/debug/scopes", scopehttp.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	s, _ := scope.New(context.Background(), scope.WithName("crawler"), scope.WithTracking(scope.TrackTasks))
	for _, site := range []string{"a.example", "b.example"} {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done() // a long crawl
			return ctx.Err()
		}, scope.Named("fetch "+site))
	}
	defer func() {
		s.Cancel(nil)
		_ = s.Wait() // nil: a clean stop
	}()

	res, err := http.Get(srv.URL + "/debug/scopes?scope=crawler")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	for line := range strings.Lines(string(body)) {
		stable, _, _ := strings.Cut(line, ")")
		fmt.Println(stable + ")")
	}
	// Output:
	// 200 OK text/plain; charset=utf-8
	// scope "crawler" (running, 2 tasks)
	// ├─ fetch a.example (running)
	// └─ fetch b.example (running)
}

// HandlerFor serves one scope's tree, here as JSON: a flat list of nodes,
// parents first, each task linked to its scope by id.
func ExampleHandlerFor() {
	s, _ := scope.New(context.Background(), scope.WithName("jobs"))
	s.Go(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}, scope.Named("janitor"))
	defer func() {
		s.Cancel(nil)
		_ = s.Wait() // nil: a clean stop
	}()
	srv := httptest.NewServer(scopehttp.HandlerFor(s.Snapshot))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/?format=json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var tree struct {
		Nodes []struct{ ID, Parent, Kind, Name, State string }
	}
	if err := json.NewDecoder(res.Body).Decode(&tree); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Header.Get("Content-Type"))
	ids := map[string]string{}
	for _, n := range tree.Nodes {
		ids[n.ID] = n.Name
		fmt.Printf("%s %q (%s) under %q\n", n.Kind, n.Name, n.State, ids[n.Parent])
	}
	// Output:
	// application/json
	// scope "jobs" (running) under ""
	// task "janitor" (running) under "jobs"
}
