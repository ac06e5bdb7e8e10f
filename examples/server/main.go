// Command server is a small HTTP server that keeps a few scopes busy, with
// the live tree of its scopes and tasks at /debug/scopes and the Go profiles
// at /debug/pprof/, for a person to curl:
//
//	go run ./examples/server [-addr localhost:8080] [-unit 1s]
//	curl localhost:8080/debug/scopes
//	curl 'localhost:8080/debug/scopes?format=json'
//
// It turns tracking on for the whole process and runs under scope.Main: the
// first Ctrl-C shuts the server down and stops the work, a second one exits
// at once and prints what was still running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/scopehttp"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to serve on")
	unit := flag.Duration("unit", time.Second, "how long a step of the busy work lasts")
	flag.Parse()
	if flag.NArg() > 0 || *unit <= 0 {
		fmt.Fprintf(os.Stderr, "server: want a positive -unit and no arguments; got -unit %v %q\n", *unit, flag.Args())
		os.Exit(2)
	}
	scope.SetTracking(scope.TrackTasks) // before the first scope: scopes made earlier keep theirs
	scope.Main(func(ctx context.Context, s *scope.Scope) error {
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		log.Printf("server: the tree is at http://%s/debug/scopes", ln.Addr())
		return run(ctx, s, ln, *unit)
	}, scope.WithName("server"))
}

// run starts the server on ln, and the busy work, as tasks of s, and
// returns: they run until s is cancelled. Shutting down is s's
// cancellation; run closes ln.
func run(ctx context.Context, s *scope.Scope, ln net.Listener, unit time.Duration) error {
	srv := &http.Server{Handler: newMux(), ReadHeaderTimeout: 10 * time.Second}
	s.Go(func(ctx context.Context) error { return serve(ctx, srv, ln) }, scope.Named("http"))
	s.Go(func(ctx context.Context) error { return ticker(ctx, unit) }, scope.Named("ticker"))
	s.Go(func(ctx context.Context) error { return workers(ctx, unit) }, scope.Named("workers"))
	s.Go(func(ctx context.Context) error { return crawler(ctx, unit) }, scope.Named("crawler"))
	return nil
}

// newMux mounts the tree next to the profiles. Importing net/http/pprof
// also registers its handlers on http.DefaultServeMux, which this server
// does not serve: they are registered here, on a mux of its own.
func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/debug/scopes", scopehttp.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index) // and every named profile under it
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/{$}", index)
	return mux
}

const indexText = `This server keeps a few scopes busy. See them:
  /debug/scopes                the live tree of scopes and tasks
  /debug/scopes?format=json    the same, as JSON
  /debug/scopes?scope=crawler  one scope and what hangs under it
  /debug/scopes?waiting=1      what blocked Waits wait for
  /debug/pprof/                the profiles; goroutine?debug=1 shows each task's labels
`

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// An error here means the client went away; there is no one to tell.
	_, _ = fmt.Fprint(w, indexText)
}

// serve runs srv on ln, in a scope of its own, until ctx ends; then it shuts
// srv down, letting requests in flight finish for a while. Requests do not
// get ctx: cancelling them would cut them short, not let them finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	return scope.Run(ctx, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			// A deadline of its own, since ctx has ended; a second Ctrl-C
			// exits sooner anyway.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		}, scope.Named("shutdown"))
		s.Go(func(ctx context.Context) error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err // failing the scope cancels it: shutdown runs
			}
			return nil
		}, scope.Named("serve"))
		return nil
	}, scope.WithName("http"))
}
